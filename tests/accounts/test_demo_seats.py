"""The demo world has a seat of every userType the SCIM Schemas publish (issue 17 item 2)."""

from __future__ import annotations

import pytest

from gateway.scim.schemas import LICENSE_TYPES as PUBLISHED

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def _published_user_types(demo) -> list[str]:
    schema = demo.scim("GET", f"/Schemas/{USER}").json
    user_type = next(a for a in schema["attributes"] if a["name"] == "userType")
    return list(user_type["canonicalValues"])


def test_the_schemas_publish_the_license_types(demo):
    assert sorted(_published_user_types(demo)) == sorted(PUBLISHED)


@pytest.mark.parametrize("user_type", sorted(PUBLISHED))
def test_a_scim_client_creates_a_user_of_each_published_type_without_set_up(demo, user_type):
    body = {
        "schemas": [USER],
        "userName": f"{user_type.lower().replace('-', '')}@acme.test",
        "userType": user_type,
        "active": True,
    }
    answer = demo.scim("POST", "/Users", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json["userType"] == user_type
