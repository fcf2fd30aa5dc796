"""SCIM API helpers: the gateway on each backend, an account with a verified domain and seats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gateway.app import create_app
from gateway.store.sql import SqlStore

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOOM_URN = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"
PUBLIC_URL = "http://gw.test"


@dataclass
class Scim:
    """A Flask test client speaking SCIM with one account's bearer token."""

    client: Any
    token: str
    store: SqlStore
    account_id: int
    prefix: str = "/scim/v2"

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        kwargs: dict[str, Any] = {"headers": self.headers(headers)}
        if body is not None:
            kwargs["json"] = body
        return self.client.open(self.prefix + path, method=method, **kwargs)

    def get(self, path: str, **headers: str) -> Any:
        return self.call("GET", path, **headers)

    def post(self, path: str, body: Any, **headers: str) -> Any:
        return self.call("POST", path, body, **headers)

    def put(self, path: str, body: Any, **headers: str) -> Any:
        return self.call("PUT", path, body, **headers)

    def patch(self, path: str, operations: list[Any], **headers: str) -> Any:
        return self.call(
            "PATCH", path, {"schemas": [PATCH_URN], "Operations": operations}, **headers
        )

    def delete(self, path: str, **headers: str) -> Any:
        return self.call("DELETE", path, **headers)

    def status(self, user_id: str) -> str:
        """The extension's ``status`` (returned on request only) of a user."""
        response = self.get(f"/Users/{user_id}?attributes={ZOOM_URN}:status")
        assert response.status_code == 200, response.get_json()
        return response.get_json()[ZOOM_URN]["status"]  # type: ignore[no-any-return]

    def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        response = self.post("/Users", {"schemas": [USER_URN], "userName": user_name, **attributes})
        assert response.status_code == 201, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]


def error_of(response: Any) -> tuple[int, str | None]:
    """The HTTP status and scimType of a SCIM error response, checking the Error schema."""
    body = response.get_json()
    assert response.mimetype == "application/scim+json"
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(response.status_code)
    assert body["detail"]
    return response.status_code, body.get("scimType")


def make_world(store: SqlStore, profile: str = "compatible") -> tuple[Any, str]:
    """Acme (vanity acme, verified acme.test, 3 Licensed seats) and a SCIM token of it."""
    account = store.create_account(
        "Acme", "owner@acme.test", actor="t", vanity="acme", plan={"Licensed": 3}
    )
    store.add_verified_domain(account.id, "acme.test", actor="t")
    _, secret = store.create_token(account.id, "scim", actor="t", profile=profile)
    return account, secret


@pytest.fixture
def gateway_app(store: SqlStore) -> Any:
    """The gateway on the ``store`` fixture (SQLite, and PostgreSQL when configured)."""
    return create_app({"public_url": PUBLIC_URL}, store=store)


def scim_for(app: Any, store: SqlStore, profile: str = "compatible") -> Scim:
    """A SCIM client of a fresh Acme world with a token of ``profile``."""
    account, secret = make_world(store, profile)
    return Scim(app.test_client(), secret, store, account.id)


@pytest.fixture
def scim(gateway_app: Any, store: SqlStore) -> Scim:
    """A SCIM client of Acme with a ``compatible`` token, on each backend."""
    return scim_for(gateway_app, store)


@pytest.fixture
def sqlite_scim(app: Any, sqlite_store: SqlStore) -> Scim:
    """A SCIM client of Acme on SQLite only, for tests about the protocol rather than storage."""
    return scim_for(app, sqlite_store)
