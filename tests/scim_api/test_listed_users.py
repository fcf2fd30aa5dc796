"""Users on search pages are read as ``UserRow``s and rendered directly: the same SCIM as the
general path (``user_to_scim`` of the full record, then ``project``) for every kind of user."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from scimapi import ENTERPRISE_URN, GROUP_URN, ZOOM_URN, Scim

from gateway.clock import utc
from gateway.scim.projection import project
from gateway.scim.resources import listed_user_to_scim, user_to_scim
from gateway.scim.schemas import USER
from gateway.store.scim_rows import iso_utc

BASE = "http://gw.test/scim/v2"


def _varied_users(scim: Scim) -> None:
    """Users with every part of the representation present or absent."""
    scim.create_user("plain@acme.test")
    scim.create_user(
        "full@acme.test",
        externalId="ext-1",
        displayName="Full Person",
        nickName="Fully",
        title="Boss",
        locale="fr-FR",
        name={"givenName": "Full", "familyName": "Person", "middleName": "M", "formatted": "F"},
        emails=[{"value": "full@acme.test", "type": "home", "primary": True}],
        phoneNumbers=[{"value": "+33 1 23", "type": "work"}],
        roles=[{"value": "admin"}],
        userType="Licensed",
        active=False,
        **{
            ENTERPRISE_URN: {
                "employeeNumber": "E1",
                "department": "R&D",
                "manager": {"value": "x"},
            },
            ZOOM_URN: {"loginType": "sso", "pronouns": "they"},
        },
    )
    named = scim.create_user("not-an-email", emails=[{"value": "named@acme.test", "type": "work"}])
    scim.create_user("no-email-at-all")
    group = {"schemas": [GROUP_URN], "displayName": "Zeta", "members": [{"value": named["id"]}]}
    assert scim.post("/Groups", group).status_code == 201
    group = {**group, "displayName": "Alpha"}
    assert scim.post("/Groups", group).status_code == 201
    odd = scim.create_user("odd@acme.test")
    # A profile other writers may leave: empty lists and objects, which a default view hides.
    scim.store.update_user(
        odd["id"],
        {"profile": {"phoneNumbers": [], "manager": {}, "title": "", "emails": []}},
        actor="t",
    )


def _general(scim: Scim, user_id: str, **lists: Any) -> dict[str, Any]:
    found = scim.store.user_with_groups(scim.account_id, user_id)
    return project(user_to_scim(found, BASE), USER, **lists)


def _listed(scim: Scim) -> list[Any]:
    found = scim.store.search_users(scim.account_id, None, [], 0, 100, whole=False)
    assert found.total == len(found.items) == 6  # the five above and the owner
    return list(found.items)


def test_a_default_page_renders_every_user_as_the_general_path_does(scim: Scim) -> None:
    _varied_users(scim)
    for item in _listed(scim):
        expected = _general(scim, item.user.id)
        shown = listed_user_to_scim(item, BASE, default_view=True)
        assert shown == expected
        assert list(shown) == list(expected)  # the same key order, so the same JSON


def test_a_listed_user_in_full_is_the_full_record_in_scim(scim: Scim) -> None:
    _varied_users(scim)
    for item in _listed(scim):
        found = scim.store.user_with_groups(scim.account_id, item.user.id)
        assert listed_user_to_scim(item, BASE, default_view=False) == user_to_scim(found, BASE)


def test_pages_over_http_match_single_reads(scim: Scim) -> None:
    _varied_users(scim)
    for query in ("", "&attributes=userName,groups", f"&excludedAttributes={ZOOM_URN}"):
        page = scim.get(f"/Users?count=100{query}").get_json()["Resources"]
        for listed in page:
            single = scim.get(f"/Users/{listed['id']}?{query.lstrip('&')}").get_json()
            assert listed == single


@pytest.mark.parametrize(
    "stored",
    [
        "2026-03-01 09:00:00.000000",
        "2026-03-01 09:00:00.000120",
        "2026-12-31 23:59:59.999999",
        "2026-03-01 09:00:00",
        "2026-03-01T09:00:00.5+02:00",
    ],
)
def test_timestamps_as_text_read_as_the_datetime_path_reads_them(stored: str) -> None:
    assert iso_utc(stored) == utc(dt.datetime.fromisoformat(stored)).isoformat()


def test_timestamps_as_datetimes_are_shown_in_utc() -> None:
    paris = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert iso_utc(paris) == "2026-03-01T09:00:00+00:00"


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 1, 9, 0, 0, 120, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2027, 6, 30, 22, 30, 0, 500000, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
    ],
)
def test_a_listed_users_stored_text_is_the_records_value(
    scim: Scim, clock: Any, moment: dt.datetime
) -> None:
    """The page reads timestamps and the profile as stored text (on PostgreSQL, made so in
    SQL): what it shows is what the full record's datetimes and JSON give."""
    clock.set(moment)
    made = scim.create_user("text@acme.test")
    clock.advance(seconds=1.5)
    profile = {
        "title": "Ingénieure ✓ \u2028",
        "nickName": 'quote " and \\ backslash',
        "score": 0.1,
        "tiny": 1e-7,
        "huge": 2**70,
        "negative": -12,
        "nested": {"list": [1, "two", None, True, {"k": []}]},
    }
    scim.store.update_user(made["id"], {"profile": profile}, actor="t")
    found = scim.store.user_with_groups(scim.account_id, made["id"]).user
    (listed,) = [i.user for i in _listed_all(scim) if i.user.id == made["id"]]
    assert listed.created == found.created_at.isoformat()
    assert listed.updated == found.updated_at.isoformat()
    assert listed.profile == found.profile == profile


def _listed_all(scim: Scim) -> list[Any]:
    return list(scim.store.search_users(scim.account_id, None, [], 0, 100, whole=False).items)
