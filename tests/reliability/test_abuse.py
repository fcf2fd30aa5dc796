"""Abuse: size caps with a code (slow clients: tests/security/test_slow_clients.py)."""

from __future__ import annotations

import base64
import json

from gateway.app import create_app
from idp_fixtures.idp import TestIdP

PASSWORD = "Tr0ub4dor&3-abuse-test"


def test_a_body_over_max_content_length_is_413_too_large(sqlite_store):
    client = create_app({"max_body_bytes": 64 * 1024}, store=sqlite_store).test_client()
    answer = client.post(
        "/api/v1/login",
        data=json.dumps({"email": "a@b.test", "password": "x" * 70_000}),
        content_type="application/json",
    )
    assert answer.status_code == 413 and answer.get_json()["code"] == "too_large"


def test_a_saml_response_over_256_kib_is_413_too_large(sqlite_store):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    idp = TestIdP("https://idp.test/metadata")
    sqlite_store.put_saml_config(
        account.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
        },
        actor="t",
    )
    client = create_app({}, store=sqlite_store).test_client()
    oversized = base64.b64encode(b"<samlp:Response>" + b" " * (257 * 1024)).decode()
    answer = client.post(
        "/v/acme/saml/SSO", data={"SAMLResponse": oversized}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 413 and answer.get_json()["code"] == "too_large"


def test_scim_refuses_a_bulk_over_its_advertised_max_payload_size(sqlite_store):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    _, secret = sqlite_store.create_token(account.id, "scim", actor="t")
    client = create_app({"scim_max_payload_bytes": 20_000}, store=sqlite_store).test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    advertised = client.get("/scim/v2/ServiceProviderConfig", headers=auth).get_json()
    assert advertised["bulk"]["maxPayloadSize"] == 20_000
    operations = [
        {"method": "POST", "path": "/Users", "bulkId": str(n), "data": {"userName": f"u{n}@x.test"}}
        for n in range(400)
    ]
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": operations,
    }
    answer = client.post("/scim/v2/Bulk", json=body, headers=auth)
    assert answer.status_code == 413
    assert answer.get_json()["status"] == "413"
