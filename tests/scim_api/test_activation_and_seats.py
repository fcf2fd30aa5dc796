"""Associated-domain activation and license seats through SCIM."""

from __future__ import annotations

from scimapi import PUBLIC_URL, USER_URN, ZOOM_URN, error_of


def _pool(store, account_id, kind="Licensed"):
    return next(p for p in store.pools(account_id) if p.seat_kind == kind)


def test_a_user_in_an_associated_domain_is_active_at_once_and_gets_no_email(scim):
    body = scim.create_user("ann@ACME.test")
    assert body["active"] is True and scim.status(body["id"]) == "active"
    assert scim.store.list_outbox(scim.account_id).items == ()


def test_a_user_outside_the_associated_domains_is_pending_with_an_activation_email(scim):
    body = scim.create_user("bob@elsewhere.test", active=True)
    assert body["active"] is False and scim.status(body["id"]) == "pending"
    (message,) = scim.store.list_outbox(scim.account_id).items
    assert message.recipient == "bob@elsewhere.test" and message.kind == "activation"
    assert "provisioned by SCIM" in message.body
    assert message.link.startswith(f"{PUBLIC_URL}/activate/")


def test_following_the_link_activates_the_pending_user(scim):
    body = scim.create_user("bob@elsewhere.test")
    (message,) = scim.store.list_outbox(scim.account_id).items
    path = message.link.removeprefix(PUBLIC_URL)
    assert scim.client.get(path).status_code == 200  # the page only shows a button
    assert scim.status(body["id"]) == "pending"
    followed = scim.client.post(path, headers={"Accept": "application/json"})
    assert followed.status_code == 200
    after = scim.get(f"/Users/{body['id']}").get_json()
    assert after["active"] is True and scim.status(body["id"]) == "active"


def test_changes_to_a_pending_user_are_accepted_but_do_not_activate_it(scim):
    body = scim.create_user("bob@elsewhere.test")
    path = f"/Users/{body['id']}"
    patched = scim.patch(path, [{"op": "replace", "value": {"active": True, "title": "CTO"}}])
    assert patched.status_code == 200 and patched.get_json()["title"] == "CTO"
    assert patched.get_json()["active"] is False
    put = scim.put(path, {"schemas": [USER_URN], "userName": "bob@elsewhere.test", "active": True})
    assert put.get_json()["active"] is False and scim.status(body["id"]) == "pending"


def test_changing_the_email_to_an_outside_domain_makes_the_user_pending_again(scim):
    body = scim.create_user("ann@acme.test")
    patched = scim.patch(
        f"/Users/{body['id']}",
        [{"op": "replace", "path": "userName", "value": "ann@elsewhere.test"}],
    )
    assert patched.get_json()["active"] is False and scim.status(body["id"]) == "pending"
    (message,) = scim.store.list_outbox(scim.account_id).items
    assert message.recipient == "ann@elsewhere.test"


def test_the_status_in_the_extension_is_read_only(scim):
    body = scim.create_user("bob@elsewhere.test")
    response = scim.patch(
        f"/Users/{body['id']}", [{"op": "replace", "path": f"{ZOOM_URN}:status", "value": "active"}]
    )
    assert error_of(response) == (400, "mutability")


def test_a_licensed_user_takes_a_seat_and_a_downgrade_gives_it_back(scim):
    body = scim.create_user("ann@acme.test", userType="Licensed")
    assert body["userType"] == "Licensed" and _pool(scim.store, scim.account_id).used == 1
    scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "userType", "value": "Basic"}])
    assert _pool(scim.store, scim.account_id).used == 0


def test_an_empty_pool_is_refused_with_a_detail_that_says_why(scim):
    for i in range(3):
        scim.create_user(f"u{i}@acme.test", userType="Licensed")
    response = scim.post(
        "/Users", {"schemas": [USER_URN], "userName": "late@acme.test", "userType": "Licensed"}
    )
    assert error_of(response) == (400, "invalidValue")
    assert "No Licensed seat is left" in response.get_json()["detail"]
    assert scim.store.find_user_by_email("late@acme.test") is None


def test_deactivating_a_user_keeps_it_and_keeps_its_seat(scim):
    body = scim.create_user("ann@acme.test", userType="Licensed")
    response = scim.patch(f"/Users/{body['id']}", [{"op": "replace", "value": {"active": False}}])
    assert response.get_json()["active"] is False
    assert scim.status(body["id"]) == "deactivated"
    assert _pool(scim.store, scim.account_id).used == 1
    scim.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "active", "value": True}])
    assert scim.get(f"/Users/{body['id']}").get_json()["active"] is True


def test_an_unknown_user_type_is_refused_with_invalid_value(scim):
    response = scim.post(
        "/Users", {"schemas": [USER_URN], "userName": "a@acme.test", "userType": "Gold"}
    )
    assert error_of(response) == (400, "invalidValue")
