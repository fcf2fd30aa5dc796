"""A demo world with SSO configured on Acme against the test IdP."""

from __future__ import annotations

import pytest

from gateway.demo import init_demo
from idp_fixtures.idp import TestIdP

PUBLIC = "http://127.0.0.1:8000"
ACS = f"{PUBLIC}/v/acme/saml/SSO"
SP_ENTITY = f"{PUBLIC}/v/acme/saml/metadata/sp"
SEED_RULE = {
    "category": "sub_account",
    "name": "healthcare routing",
    "conditions": [
        {"attribute": "memberOf", "values": ["global_users"], "operator": "equals"},
        {"attribute": "memberOf", "values": ["HIPAA", "Developer", "Tester"], "operator": "equals"},
    ],
    "result": "acme-health",
}


@pytest.fixture
def idp() -> TestIdP:
    return TestIdP("https://idp.test/metadata")


def trust_idp(store, account_id, idp, attribute_map):
    """Configure the account's SSO to trust the test IdP (IdP-initiated allowed)."""
    store.put_saml_config(
        account_id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": True,
            "attribute_map": attribute_map,
        },
        actor="test",
    )


@pytest.fixture
def world(sqlite_store, app, idp):
    demo = init_demo(sqlite_store)
    acme = sqlite_store.find_account("acme")
    trust_idp(sqlite_store, acme.id, idp, {"first_name": "givenName", "last_name": "sn"})
    return demo, acme


def post_response(client, response_b64, *, path="/v/acme/saml/SSO", json=True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(path, data={"SAMLResponse": response_b64}, headers=headers)


@pytest.fixture
def sign(idp, clock):
    """Sign a response for Acme's ACS at the frozen clock's time."""

    def make(name_id, attributes=None, **options):
        options.setdefault("now", clock.now())
        return idp.make_response(
            sp_entity_id=SP_ENTITY,
            acs_url=ACS,
            name_id=name_id,
            attributes=attributes or {},
            **options,
        )

    return make
