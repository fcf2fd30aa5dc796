"""Fixtures of the security tests: the test IdP and Acme (vanity ``acme``) trusting it."""

from __future__ import annotations

import pytest

from gateway.store.records import Account
from gateway.store.sql import SqlStore
from idp_fixtures.idp import TestIdP


@pytest.fixture
def idp() -> TestIdP:
    """The test IdP: genuinely signed responses."""
    return TestIdP("https://idp.test/metadata")


@pytest.fixture
def idp_initiated() -> bool:
    """Whether Acme takes IdP-initiated responses; a module or a test's parametrize overrides it."""
    return False


@pytest.fixture
def acme(sqlite_store: SqlStore, idp: TestIdP, idp_initiated: bool) -> Account:
    """Acme (owner ``owner@acme.test``, vanity ``acme``) with the test IdP as its SAML IdP."""
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    sqlite_store.put_saml_config(
        account.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": idp_initiated,
        },
        actor="t",
    )
    return account
