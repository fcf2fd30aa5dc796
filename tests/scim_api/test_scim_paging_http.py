"""Over HTTP, a SCIM read runs in one transaction opened to read only, and unfiltered pages
still come from the per-account count and the bookmarks; a write's transaction does not."""

from __future__ import annotations

import pytest
from scimapi import scim_for

from gateway.store import scim_pages


@pytest.fixture(autouse=True)
def small_strides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scim_pages, "STRIDE", 2)


def _all_ids(scim):
    """Every user id of the account in the default order, by the plain (filtered) path."""
    found = scim.get("/Users?filter=userName pr&count=100").get_json()
    return [r["id"] for r in found["Resources"]]


def _version(store, account_id):
    with store.transaction() as conn:
        return scim_pages.membership(conn, account_id).version


def test_a_page_over_http_is_served_from_bookmarks_and_matches_the_users(gateway_app, store):
    scim = scim_for(gateway_app, store)
    for i in range(7):
        scim.create_user(f"u{i}@acme.test")
    ids = _all_ids(scim)
    page = scim.get("/Users?startIndex=4&count=2").get_json()
    assert page["totalResults"] == len(ids) == 8  # the seven and the account's owner
    assert [r["id"] for r in page["Resources"]] == ids[3:5]
    assert store.page_marks.get(scim.account_id, _version(store, scim.account_id))


def test_the_same_page_by_post_search_is_served_alike(gateway_app, store):
    scim = scim_for(gateway_app, store)
    for i in range(5):
        scim.create_user(f"u{i}@acme.test")
    found = scim.post("/Users/.search", {"startIndex": 4, "count": 3}).get_json()
    assert [r["id"] for r in found["Resources"]] == _all_ids(scim)[3:6]
    assert store.page_marks.get(scim.account_id, _version(store, scim.account_id))


def test_a_transaction_opened_to_write_does_not_see_itself_as_committed(store):
    with store.transaction():
        assert not store.sees_committed_state()
    with store.transaction(reads_only=True):
        assert store.sees_committed_state()
    assert store.sees_committed_state()


@pytest.mark.parametrize(
    ("query", "total", "shown"),
    [
        ("count=10", 4, 4),  # a first page that is not full: its length is the total
        ("count=4", 4, 4),  # a full first page: counted
        ("count=3", 4, 3),
        ("startIndex=3&count=10", 4, 2),
        ("startIndex=9&count=10", 4, 0),
        ("count=0", 4, 0),
    ],
)
def test_filtered_totals_are_right_whether_or_not_they_are_counted(
    gateway_app, store, query, total, shown
):
    scim = scim_for(gateway_app, store)
    for i in range(4):
        scim.create_user(f"match{i}@acme.test")
    scim.create_user("other@acme.test")
    found = scim.get(f'/Users?filter=userName sw "match"&{query}').get_json()
    assert (found["totalResults"], len(found.get("Resources", []))) == (total, shown)
