"""Zoom S2S OAuth tenants for the tests: an account with a vanity of its own and an app of it."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from typing import Any

from gateway.oauth import storage
from gateway.oauth.storage import OAuthApp
from gateway.store.records import Account
from gateway.store.sql import SqlStore

_serial = itertools.count(1)


def basic(client_id: str, secret: str) -> dict[str, str]:
    """The HTTP Basic header of ``client_id:secret``."""
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def new_account(store: SqlStore, name: str = "Acme", **kwargs: Any) -> Account:
    """A business account with a vanity of its own."""
    n = next(_serial)
    kwargs.setdefault("vanity", f"{name.lower()}{n}")
    return store.create_account(name, f"owner{n}@{name.lower()}{n}.test", actor="test", **kwargs)


@dataclass
class Tenant:
    """An account with one S2S OAuth app and its secret."""

    account: Account
    app: OAuthApp
    secret: str

    @property
    def auth(self) -> dict[str, str]:
        return basic(self.app.client_id, self.secret)

    def token_url(self, account_id: str | None = None) -> str:
        number = self.account.number if account_id is None else account_id
        return f"/oauth/token?grant_type=account_credentials&account_id={number}"


def new_tenant(store: SqlStore, name: str = "Acme", scopes: str = "scim2") -> Tenant:
    """An account and an app of it with ``scopes``."""
    account = new_account(store, name)
    app, secret = storage.create_app(store, account.id, scopes, actor="test")
    return Tenant(account, app, secret)
