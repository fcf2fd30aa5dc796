"""The account owner is never deactivated, deleted or demoted, on any surface (issue 17 item 6)."""

from __future__ import annotations

import pytest

from gateway.store.errors import OwnerProtected

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def test_the_store_refuses_to_deactivate_the_owner(demo):
    owner = demo.owner()
    with pytest.raises(OwnerProtected) as refused:
        demo.store.update_user(owner.id, {"status": "deactivated"}, actor="t")
    assert refused.value.code == "owner_protected" and refused.value.status == 409
    assert demo.store.get_user(owner.id).status == "active"


def test_the_store_refuses_to_delete_the_owner(demo):
    owner = demo.owner()
    with pytest.raises(OwnerProtected, match="cannot be deleted"):
        demo.store.delete_user(owner.id, actor="t")
    assert demo.store.get_user(owner.id).role == "Owner"


@pytest.mark.parametrize("role", ["Admin", "Member"])
def test_the_store_refuses_to_demote_the_owner(demo, role):
    owner = demo.owner()
    with pytest.raises(OwnerProtected, match="keeps the role Owner"):
        demo.store.update_user(owner.id, {"role": role}, actor="t")
    assert demo.store.get_user(owner.id).role == "Owner"


def test_the_owner_may_still_change_its_name(demo):
    owner = demo.owner()
    after = demo.store.update_user(owner.id, {"first_name": "Olga", "role": "Owner"}, actor="t")
    assert after.first_name == "Olga" and after.role == "Owner"


def test_scim_deactivating_the_owner_is_400_mutability(demo):
    owner = demo.owner()
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    answer = demo.scim("PATCH", f"/Users/{owner.id}", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json["schemas"] == [SCIM_ERROR]
    assert answer.json["scimType"] == "mutability"
    assert "owns the account" in answer.json["detail"]
    assert demo.store.get_user(owner.id).status == "active"


def test_scim_deleting_the_owner_is_400_mutability(demo):
    owner = demo.owner()
    answer = demo.scim("DELETE", f"/Users/{owner.id}")
    assert answer.status_code == 400, answer.text
    assert answer.json["scimType"] == "mutability"
    assert demo.store.get_user(owner.id).role == "Owner"


def test_scim_still_deletes_another_user(demo):
    acme = demo.account("acme")
    other = demo.store.create_user(acme.id, "ann@acme.test", actor="t", source="scim")
    assert demo.scim("DELETE", f"/Users/{other.id}").status_code == 204


def test_admin_api_deactivating_the_owner_is_409_owner_protected(demo):
    acme, owner = demo.account("acme"), demo.owner()
    url = f"/api/v1/accounts/{acme.id}/users/{owner.id}"
    answer = demo.api("PATCH", url, json={"status": "deactivated"})
    assert answer.status_code == 409 and answer.json["code"] == "owner_protected"
    demoted = demo.api("PATCH", url, json={"role": "Member"})
    assert demoted.status_code == 409 and demoted.json["code"] == "owner_protected"
    deleted = demo.api("DELETE", url)
    assert deleted.status_code == 409 and deleted.json["code"] == "owner_protected"
    assert demo.store.get_user(owner.id).status == "active"


def test_admin_api_deactivates_and_deletes_other_users(demo):
    acme = demo.account("acme")
    other = demo.store.create_user(acme.id, "bo@acme.test", actor="t", source="admin")
    url = f"/api/v1/accounts/{acme.id}/users/{other.id}"
    answer = demo.api("PATCH", url, json={"status": "deactivated", "role": "Admin"})
    assert answer.status_code == 200, answer.text
    assert answer.json["status"] == "deactivated" and answer.json["role"] == "Admin"
    assert demo.api("DELETE", url).status_code == 204


@pytest.mark.parametrize(
    "body", [{"role": "Owner"}, {"status": "pending"}, {"email": "x@acme.test"}, {}]
)
def test_admin_api_user_changes_outside_status_and_role_are_invalid_field(demo, body):
    acme = demo.account("acme")
    other = demo.store.create_user(acme.id, "cy@acme.test", actor="t", source="admin")
    answer = demo.api("PATCH", f"/api/v1/accounts/{acme.id}/users/{other.id}", json=body)
    assert answer.status_code == 400 and answer.json["code"] == "invalid_field"


def test_console_deactivating_the_owner_shows_owner_protected(demo):
    owner = demo.owner()
    answer = demo.console_post(f"/console/users/{owner.id}/status", status="deactivated")
    assert answer.status_code == 409
    assert "owner_protected" in answer.text and "owns the account" in answer.text
    deleted = demo.console_post(f"/console/users/{owner.id}/delete")
    assert deleted.status_code == 409 and "owner_protected" in deleted.text
    assert demo.store.get_user(owner.id).status == "active"


def test_console_deactivates_another_user(demo):
    acme = demo.account("acme")
    other = demo.store.create_user(acme.id, "di@acme.test", actor="t", source="admin")
    answer = demo.console_post(f"/console/users/{other.id}/status", status="deactivated")
    assert answer.status_code == 303
    assert demo.store.get_user(other.id).status == "deactivated"
