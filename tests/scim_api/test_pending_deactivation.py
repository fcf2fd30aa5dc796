"""Deactivation wins over a pending activation link, and reactivation does not skip it."""

from __future__ import annotations

import pytest
from scimapi import PUBLIC_URL, USER_URN

from gateway.store import schema

OUTSIDE = "bob@elsewhere.test"


def _links(scim):
    return [m.link.removeprefix(PUBLIC_URL) for m in scim.store.list_outbox(scim.account_id).items]


def _follow(scim, path):
    """Press the link's button (its GET only shows the page)."""
    return scim.client.post(path, headers={"Accept": "application/json"})


def _user(scim, user_id):
    return scim.store.get_user(user_id)


DEACTIVATIONS = {
    "patch with a path": lambda scim, path: scim.patch(
        path, [{"op": "replace", "path": "active", "value": False}]
    ),
    "patch without a path": lambda scim, path: scim.patch(
        path, [{"op": "replace", "value": {"active": False}}]
    ),
    "patch with the URN-qualified path": lambda scim, path: scim.patch(
        path, [{"op": "replace", "path": f"{USER_URN}:active", "value": False}]
    ),
    "put": lambda scim, path: scim.put(
        path, {"schemas": [USER_URN], "userName": OUTSIDE, "active": False}
    ),
}


@pytest.mark.parametrize("how", sorted(DEACTIVATIONS))
def test_deactivating_a_pending_user_wins_and_its_link_stops_working(scim, how):
    body = scim.create_user(OUTSIDE)
    (link,) = _links(scim)
    response = DEACTIVATIONS[how](scim, f"/Users/{body['id']}")
    assert response.status_code == 200 and response.get_json()["active"] is False
    user = _user(scim, body["id"])
    assert (user.status, user.awaiting_activation) == ("deactivated", True)
    refused = _follow(scim, link)
    assert refused.status_code == 409 and refused.get_json()["code"] == "user_deactivated"
    assert _user(scim, body["id"]).status == "deactivated"


def test_reactivating_a_user_whose_email_was_never_confirmed_makes_it_pending_again(scim):
    body = scim.create_user(OUTSIDE)
    path = f"/Users/{body['id']}"
    (first,) = _links(scim)
    scim.patch(path, [{"op": "replace", "path": "active", "value": False}])
    again = scim.patch(path, [{"op": "replace", "path": "active", "value": True}])
    assert again.status_code == 200 and again.get_json()["active"] is False
    assert scim.status(body["id"]) == "pending"
    # A new link went out; it replaces the first one, which the refusal above did not spend.
    (second,) = set(_links(scim)) - {first}
    assert _follow(scim, first).get_json()["code"] == "link_expired"
    followed = _follow(scim, second)
    assert followed.status_code == 200 and followed.get_json()["status"] == "active"
    user = _user(scim, body["id"])
    assert (user.status, user.awaiting_activation) == ("active", False)


def test_a_confirmed_user_deactivated_and_reactivated_is_active_without_a_new_link(scim):
    body = scim.create_user(OUTSIDE)
    path = f"/Users/{body['id']}"
    (link,) = _links(scim)
    _follow(scim, link)
    scim.patch(path, [{"op": "replace", "path": "active", "value": False}])
    assert scim.status(body["id"]) == "deactivated"
    back = scim.patch(path, [{"op": "replace", "path": "active", "value": True}])
    assert back.get_json()["active"] is True and scim.status(body["id"]) == "active"
    assert len(_links(scim)) == 1


def test_a_user_created_inactive_outside_the_domains_gets_its_link_only_when_activated(scim):
    body = scim.create_user(OUTSIDE, active=False)
    assert body["active"] is False and scim.status(body["id"]) == "deactivated"
    assert _links(scim) == []
    scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": True}])
    assert scim.status(body["id"]) == "pending" and len(_links(scim)) == 1


def test_an_associated_email_set_while_deactivated_leaves_nothing_to_confirm(scim):
    body = scim.create_user(OUTSIDE)
    path = f"/Users/{body['id']}"
    scim.patch(path, [{"op": "replace", "path": "active", "value": False}])
    scim.patch(path, [{"op": "replace", "path": "userName", "value": "bob@acme.test"}])
    user = _user(scim, body["id"])
    assert (user.status, user.awaiting_activation) == ("deactivated", False)
    scim.patch(path, [{"op": "replace", "path": "active", "value": True}])
    assert scim.status(body["id"]) == "active" and len(_links(scim)) == 1


def test_a_patch_that_does_not_name_active_leaves_a_pending_user_pending(scim):
    body = scim.create_user(OUTSIDE)
    patched = scim.patch(
        f"/Users/{body['id']}", [{"op": "replace", "path": "displayName", "value": "Bob"}]
    )
    assert patched.get_json()["active"] is False and scim.status(body["id"]) == "pending"
    (link,) = _links(scim)
    assert _follow(scim, link).get_json()["status"] == "active"


def test_a_new_outside_email_replaces_the_link_sent_for_the_old_one(scim):
    body = scim.create_user(OUTSIDE)
    (old,) = _links(scim)
    scim.patch(
        f"/Users/{body['id']}",
        [{"op": "replace", "path": "userName", "value": "bob@other.test"}],
    )
    (new,) = set(_links(scim)) - {old}
    assert _follow(scim, old).get_json()["code"] == "link_expired"
    assert scim.status(body["id"]) == "pending"
    assert _follow(scim, new).get_json()["status"] == "active"


def test_gateway_check_reports_a_status_that_disagrees_with_the_awaited_link(scim):
    body = scim.create_user(OUTSIDE)
    scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": False}])
    assert scim.store.check_invariants() == []
    users = schema.users
    with scim.store.transaction() as conn:
        conn.execute(users.update().where(users.c.id == body["id"]).values(status="active"))
    problems = scim.store.check_invariants()
    assert [p.code for p in problems] == ["activation_state_mismatch"]
    assert "is active but its email awaits activation" in problems[0].message
