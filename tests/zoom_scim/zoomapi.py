"""Zoom SCIM2 test helpers: an account meeting Zoom's prerequisites, and a client of /scim2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gateway.app import create_app
from gateway.store.records import Account
from gateway.store.sql import SqlStore

PUBLIC_URL = "http://gw.test"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOOM_USER_URN = "urn:us:zoom:scim:schemas:extension:1.0:ZoomUser"
ZOOM_EXT_URN = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"
ZOOM_GROUP_URN = "urn:ietf:params:scim:schemas:extension:zoom:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
SAML = {
    "idp_entity_id": "https://idp.acme.test",
    "sign_in_url": "https://idp.acme.test/sso",
    "certificates": ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
}


@dataclass
class Zoom:
    """A Flask test client speaking Zoom's SCIM2 with one account's bearer token."""

    client: Any
    token: str
    store: SqlStore
    account: Account
    prefix: str = "/scim2"

    @property
    def account_id(self) -> int:
        return self.account.id

    def call(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **options.pop("headers", {})}
        if body is not None:
            options["json"] = body
        return self.client.open(self.prefix + path, method=method, headers=headers, **options)

    def get(self, path: str, **options: Any) -> Any:
        return self.call("GET", path, **options)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, body)

    def patch(self, path: str, operations: list[Any]) -> Any:
        return self.call("PATCH", path, {"schemas": [PATCH_URN], "Operations": operations})

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    def create_user(self, email: str, **attributes: Any) -> dict[str, Any]:
        body = {"schemas": [USER_URN], "userName": email, **attributes}
        response = self.post("/Users", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]


def zoom_error(response: Any) -> tuple[int, str]:
    """The status and detail of a Zoom error, checking Zoom's shape (integer status)."""
    body = response.get_json()
    assert body["schemas"] == [ERROR_URN], body
    assert body["status"] == response.status_code and isinstance(body["status"], int), body
    assert "scimType" not in body
    assert body["detail"]
    return response.status_code, body["detail"]


def make_account(store: SqlStore, *, sso: bool = True, **options: Any) -> tuple[Account, str]:
    """Acme (vanity acme, verified acme.test, SSO configured, 3 Licensed seats) and a SCIM
    token of it."""
    options.setdefault("vanity", "acme")
    options.setdefault("plan", {"Licensed": 3})
    account = store.create_account("Acme", "owner@acme.test", actor="t", **options)
    store.add_verified_domain(account.id, "acme.test", actor="t")
    if sso:
        store.put_saml_config(account.id, SAML, actor="t")
    _, secret = store.create_token(account.id, "scim", actor="t")
    return account, secret


def zoom_for(app: Any, store: SqlStore, **options: Any) -> Zoom:
    account, secret = make_account(store, **options)
    return Zoom(app.test_client(), secret, store, account)


@pytest.fixture
def gateway_app(store: SqlStore) -> Any:
    """The gateway on the ``store`` fixture (SQLite, and PostgreSQL when configured)."""
    return create_app({"public_url": PUBLIC_URL}, store=store)


@pytest.fixture
def zoom(gateway_app: Any, store: SqlStore) -> Zoom:
    """A /scim2 client of Acme, on each backend."""
    return zoom_for(gateway_app, store)
