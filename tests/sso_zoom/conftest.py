"""Acme as IdP teams see it on Zoom: SSO with the test IdP, the gateway as <vanity>.zoom.us."""

from __future__ import annotations

from typing import Any

import pytest
from zoom_kit import IDP_SLO, IDP_SSO, PUBLIC

from gateway.app import create_app
from gateway.demo import init_demo
from idp_fixtures.idp import TestIdP


@pytest.fixture
def idp() -> TestIdP:
    return TestIdP("https://sts.idp.test/tenant/")


@pytest.fixture
def demo(sqlite_store: Any) -> Any:
    return init_demo(sqlite_store)


@pytest.fixture
def acme(sqlite_store: Any, demo: Any) -> Any:
    return sqlite_store.find_account("acme")


@pytest.fixture
def zoom_app(sqlite_store: Any, demo: Any) -> Any:
    """The gateway with GATEWAY_SP_HOST=zoom.us, served locally."""
    return create_app(
        {"demo": True, "public_url": PUBLIC, "sp_host": "zoom.us"}, store=sqlite_store
    )


@pytest.fixture
def local_app(sqlite_store: Any, demo: Any) -> Any:
    """The gateway without GATEWAY_SP_HOST (the SP host is localhost:8000)."""
    return create_app({"demo": True, "public_url": PUBLIC}, store=sqlite_store)


@pytest.fixture
def configure(sqlite_store: Any, idp: TestIdP) -> Any:
    """Store an account's SSO settings (trusting the test IdP) with ``settings`` on top."""

    def put(account: Any, **settings: Any) -> dict[str, Any]:
        document = {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": IDP_SSO,
            "certificates": [idp.certificate_pem],
            "sign_out_url": IDP_SLO,
            "allow_idp_initiated": True,
            **settings,
        }
        sqlite_store.put_saml_config(account.id, document, actor="test")
        return document

    return put
