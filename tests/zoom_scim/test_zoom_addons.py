"""The zoom:1.0:User add-on and plan fields take and give back seats of the account's pools."""

from __future__ import annotations

from zoomapi import USER_URN, ZOOM_EXT_URN, zoom_error


def _pool(zoom, seat_kind, account_id=None):
    pools = zoom.store.pools(account_id or zoom.account_id)
    return next(((p.capacity, p.used) for p in pools if p.seat_kind == seat_kind), (0, 0))


def _create(zoom, email, **extension):
    body = {"schemas": [USER_URN, ZOOM_EXT_URN], "userName": email, ZOOM_EXT_URN: extension}
    return zoom.post("/Users", body)


def test_setting_an_add_on_takes_a_seat_and_clearing_it_gives_it_back(zoom):
    zoom.store.set_plan(zoom.account_id, "addon:zoom_iq", 1, actor="t")
    user = _create(zoom, "ann@acme.test", zoomIQ=True).get_json()
    assert user[ZOOM_EXT_URN]["zoomIQ"] is True
    assert _pool(zoom, "addon:zoom_iq") == (1, 1)
    assert zoom.store.get_user(user["id"]).addons == ("zoom_iq",)
    path = f"/Users/{user['id']}"
    cleared = zoom.patch(
        path, [{"op": "replace", "path": f"{ZOOM_EXT_URN}:zoomIQ", "value": False}]
    )
    assert cleared.status_code == 200 and cleared.get_json()[ZOOM_EXT_URN]["zoomIQ"] is False
    assert _pool(zoom, "addon:zoom_iq") == (1, 0)
    again = zoom.put(path, {"schemas": [ZOOM_EXT_URN], ZOOM_EXT_URN: {"zoomIQ": True}})
    assert again.get_json()[ZOOM_EXT_URN]["zoomIQ"] is True and _pool(zoom, "addon:zoom_iq") == (
        1,
        1,
    )


def test_an_empty_pool_is_refused_with_a_clear_detail_and_nothing_is_created(zoom):
    zoom.store.set_plan(zoom.account_id, "addon:huddles", 1, actor="t")
    assert _create(zoom, "ann@acme.test", zoomHuddles=True).status_code == 201
    refused = _create(zoom, "bob@acme.test", zoomHuddles=True)
    status, detail = zoom_error(refused)
    assert status == 400
    assert detail.startswith("No zoomHuddles seat is left: the account's huddles add-on pool has 1")
    assert zoom.store.find_user_by_email("bob@acme.test") is None
    assert _pool(zoom, "addon:huddles") == (1, 1)


def test_an_add_on_the_account_never_bought_is_refused(zoom):
    status, detail = zoom_error(_create(zoom, "ann@acme.test", zoomWhiteboardPlus=True))
    assert status == 400 and "zoomWhiteboardPlus" in detail and "has 0 in the plan" in detail


def test_a_plan_field_keeps_its_name_and_holds_one_seat(zoom):
    zoom.store.set_plan(zoom.account_id, "addon:zoom_united", 2, actor="t")
    user = _create(zoom, "ann@acme.test", zoomUnited="ZoomUnitedPro-US").get_json()
    assert user[ZOOM_EXT_URN]["zoomUnited"] == "ZoomUnitedPro-US"
    assert _pool(zoom, "addon:zoom_united") == (2, 1)
    path = f"/Users/{user['id']}"
    renamed = zoom.patch(
        path, [{"op": "replace", "value": {ZOOM_EXT_URN: {"zoomUnited": "ZoomUnitedBiz-US"}}}]
    )
    assert renamed.get_json()[ZOOM_EXT_URN]["zoomUnited"] == "ZoomUnitedBiz-US"
    assert _pool(zoom, "addon:zoom_united") == (2, 1)
    removed = zoom.patch(path, [{"op": "remove", "path": f"{ZOOM_EXT_URN}:zoomUnited"}])
    assert "zoomUnited" not in removed.get_json()[ZOOM_EXT_URN]
    assert _pool(zoom, "addon:zoom_united") == (2, 0)


def test_a_sub_account_takes_add_on_seats_from_its_delegation(zoom):
    store = zoom.store
    store.update_account(zoom.account_id, {"bulk_licensing": True}, actor="t")
    store.set_plan(zoom.account_id, "addon:whiteboard", 5, actor="t")
    sub = store.create_account(
        "Acme EU", "owner@eu.acme.test", actor="t", parent_id=zoom.account_id, vanity="acme-eu"
    )
    store.delegate(sub.id, "addon:whiteboard", 1, actor="t")
    from zoomapi import SAML, Zoom

    store.put_saml_config(sub.id, SAML, actor="t")
    store.add_verified_domain(sub.id, "eu.acme.test", actor="t")
    _, secret = store.create_token(sub.id, "scim", actor="t")
    eu = Zoom(zoom.client, secret, store, sub)
    assert _create(eu, "ann@eu.acme.test", zoomWhiteboard=True).status_code == 201
    assert _pool(eu, "addon:whiteboard") == (1, 1)
    assert _pool(zoom, "addon:whiteboard")[0] == 5
    status, _ = zoom_error(_create(eu, "bob@eu.acme.test", zoomWhiteboard=True))
    assert status == 400


def test_a_flag_that_is_not_a_boolean_is_refused(zoom):
    status, detail = zoom_error(_create(zoom, "ann@acme.test", zoomWhiteboard="yes"))
    assert (status, detail) == (400, "zoomWhiteboard must be true or false, not 'yes'.")
