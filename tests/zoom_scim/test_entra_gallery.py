"""Microsoft Entra's Zoom gallery app replayed end to end against the tenant URL /scim.

Its attribute set (Microsoft's Zoom provisioning tutorial): userName (matching), active,
name.givenName, name.familyName, emails[type eq "work"].value, the enterprise department and
userType; the request shapes are Entra's generic SCIM ones.
"""

from __future__ import annotations

from zoomapi import ENTERPRISE_URN, PATCH_URN, USER_URN, Zoom


def _entra(zoom):
    return Zoom(zoom.client, zoom.token, zoom.store, zoom.account, prefix="/scim")


def _patch(entra, user_id, *operations):
    body = {"schemas": [PATCH_URN], "Operations": list(operations)}
    response = entra.call("PATCH", f"/Users/{user_id}", body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_entras_gallery_app_creates_finds_updates_and_deactivates_a_user(zoom):
    entra = _entra(zoom)
    query = '/Users?filter=userName eq "ann@acme.test"'
    assert entra.get(query).get_json()["totalResults"] == 0
    created = entra.post(
        "/Users",
        {
            "schemas": [USER_URN, ENTERPRISE_URN],
            "userName": "ann@acme.test",
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": "ann@acme.test"}],
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "userType": "Licensed",
            ENTERPRISE_URN: {"department": "Sales"},
        },
    )
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    (found,) = entra.get(query).get_json()["Resources"]
    assert found["id"] == user_id and found["active"] is True
    assert found[ENTERPRISE_URN] == {"department": "Sales"}
    changed = _patch(
        entra,
        user_id,
        {"op": "Replace", "path": "name.givenName", "value": "Anna"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ann@acme.test"},
        {"op": "Replace", "path": f"{ENTERPRISE_URN}:department", "value": "Ops"},
        {"op": "Replace", "path": "userType", "value": "Basic"},
    )
    assert changed["name"] == {"givenName": "Anna", "familyName": "Lee"}
    assert changed[ENTERPRISE_URN]["department"] == "Ops"
    assert changed["userType"] == "Basic"
    licensed = next(p for p in zoom.store.pools(zoom.account_id) if p.seat_kind == "Licensed")
    assert licensed.used == 0
    off = _patch(entra, user_id, {"op": "Replace", "path": "active", "value": "False"})
    assert off["active"] is False
    assert zoom.store.get_user(user_id).status == "deactivated"
    (again,) = entra.get(query).get_json()["Resources"]
    assert again["active"] is False
