"""The demo world behind the console, driven with Flask's test client like a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.demo_idp import PERSONAS
from gateway.store.records import Account
from gateway.store.sql import SqlStore

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def persona(name_id: str) -> str:
    """The demo IdP's radio value for the persona with ``name_id``."""
    return str(next(i for i, p in enumerate(PERSONAS) if p.name_id == name_id))


def hidden(html: str, name: str) -> str:
    """The value of a hidden input of a page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return unescape(found.group(1))


def local(url: str) -> str:
    """The path and query of a redirect (the test client serves every host)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class World:
    store: SqlStore
    app: Any
    client: Any
    tokens: dict[str, str]

    def account(self, ident: str) -> Account:
        return self.store.find_account(ident)

    def sign_in(self, token: str = "acme admin") -> None:
        form = CSRF.search(self.client.get("/console/signin").text)
        assert form, "no sign-in form token"
        data = {"token": self.tokens[token], "csrf_token": form.group(1)}
        answer = self.client.post("/console/signin", data=data)
        assert answer.status_code == 303, answer.text

    def csrf(self, path: str = "/console/domains") -> str:
        found = CSRF.search(self.client.get(path).text)
        assert found, "not signed in"
        return found.group(1)

    def post(self, path: str, **data: Any) -> Any:
        """A console form post with this session's CSRF token."""
        return self.client.post(path, data={"csrf_token": self.csrf(), **data})

    def api(self, method: str, url: str, token: str = "acme admin", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"}
        return self.client.open(url, method=method, headers=headers, **kw)

    def sso_sign_in(self, name_id: str, account: str = "acme") -> Any:
        """The whole SP-initiated round trip through the demo IdP; the landing's answer."""
        start = self.client.post("/console/signin/sso", data={"account": account})
        assert start.status_code == 303, start.text
        idp_page = self.client.get(local(start.headers["Location"]))
        assert idp_page.status_code == 200, idp_page.text
        form = {"saml_query": hidden(idp_page.text, "saml_query"), "persona": persona(name_id)}
        posting = self.client.post("/idp/sign", data=form).text
        action = re.search(r'action="([^"]+)"', posting)
        assert action
        acs = self.client.post(
            action.group(1),
            data={
                "SAMLResponse": hidden(posting, "SAMLResponse"),
                "RelayState": hidden(posting, "RelayState"),
            },
        )
        assert acs.status_code == 303, acs.text
        return self.client.get(local(acs.headers["Location"]))


def make_world(store: SqlStore, tmp_path: Any, **config: Any) -> World:
    settings = {"demo": True, "idp_key_dir": str(tmp_path / "idp"), **config}
    app = create_app(settings, store=store)
    demo = init_demo(store, app.extensions["gateway.config"])
    return World(store, app, app.test_client(), dict(demo.tokens))


@pytest.fixture
def world(sqlite_store: SqlStore, tmp_path: Any) -> World:
    """The demo world (Acme with SSO through the demo IdP, acme.test verified) in demo mode."""
    return make_world(sqlite_store, tmp_path)
