"""The demo world on each backend, with the admin API, SCIM and the console at hand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.store.records import Account, User
from gateway.store.sql import SqlStore

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Demo:
    store: SqlStore
    app: Any
    client: Any
    tokens: dict[str, str]

    def account(self, ident: str) -> Account:
        return self.store.find_account(ident)

    def owner(self, ident: str = "acme") -> User:
        user = self.store.find_user_by_email(self.account(ident).owner_email)
        assert user is not None
        return user

    def api(self, method: str, url: str, token: str = "acme admin", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[token]}", **kw.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kw)

    def scim(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens['acme scim']}"}
        return self.client.open(f"/scim/v2{path}", method=method, headers=headers, **kw)

    def console_sign_in(self) -> None:
        """Sign in to the console as Acme's admin, with the sign-in form's token (once)."""
        if self.client.get("/console/users").status_code == 200:
            return
        form = CSRF.search(self.client.get("/console/signin").text)
        assert form, "no sign-in form token"
        data = {"token": self.tokens["acme admin"], "csrf_token": form.group(1)}
        signed_in = self.client.post("/console/signin", data=data)
        assert signed_in.status_code == 303, signed_in.text

    def console_post(self, path: str, **data: Any) -> Any:
        """A console form post as Acme's admin, with the session's CSRF token."""
        self.console_sign_in()
        found = CSRF.search(self.client.get("/console/users").text)
        assert found, "not signed in"
        return self.client.post(path, data={"csrf_token": found.group(1), **data})


def make_demo(store: SqlStore, tmp_path: Any, **config: Any) -> Demo:
    settings = {"demo": True, "idp_key_dir": str(tmp_path / "idp"), **config}
    app = create_app(settings, store=store)
    world = init_demo(store, app.extensions["gateway.config"])
    return Demo(store, app, app.test_client(), dict(world.tokens))


@pytest.fixture
def demo(store: SqlStore, tmp_path: Any) -> Demo:
    """The demo world on each backend, in demo mode."""
    return make_demo(store, tmp_path)
