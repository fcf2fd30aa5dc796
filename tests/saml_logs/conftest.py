"""Acme with SSO against the test IdP, its SAML response logs on, and its admin's headers."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from gateway.saml import ns
from tests.sso.conftest import idp, post_response, sign, world

__all__ = ["idp", "post_response", "sign", "world"]


def set_config(store, account_id, **changes):
    """Change some of the account's SAML settings."""
    config, _ = store.get_saml_config(account_id)
    store.put_saml_config(account_id, {**config, **changes}, actor="test")


@pytest.fixture
def acme(world, sqlite_store):
    """Acme, saving its SAML response logs."""
    _, account = world
    set_config(sqlite_store, account.id, save_response_logs=True)
    return account


@pytest.fixture
def admin(world):
    """Acme's admin headers."""
    demo, _ = world
    return {"Authorization": f"Bearer {demo.tokens['acme admin']}"}


@pytest.fixture
def globex_admin(world):
    """Globex's admin headers (another organisation's tenant)."""
    demo, _ = world
    return {"Authorization": f"Bearer {demo.tokens['globex admin']}"}


def logs(client, account, headers, **query):
    """The list answer of the account's logs."""
    return client.get(
        f"/api/v1/accounts/{account.id}/saml/logs", query_string=query, headers=headers
    )


def detail(client, account, headers, tracking_id):
    """The detail answer of one entry."""
    return client.get(f"/api/v1/accounts/{account.id}/saml/logs/{tracking_id}", headers=headers)


def with_status(response_b64: str, value: str) -> str:
    """The response with its top-level StatusCode replaced (its signatures then fail)."""
    root = etree.fromstring(base64.b64decode(response_b64))
    code = root.find(f"{ns.samlp('Status')}/{ns.samlp('StatusCode')}")
    code.set("Value", value)
    return base64.b64encode(etree.tostring(root)).decode()
