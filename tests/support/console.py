"""The demo world in demo mode, driven with Flask's test client as a browser and an API client.

``console_sign_in`` is the console's token sign-in on any test client; ``DemoWorld`` adds the
demo's tokens, the admin API, SCIM and the console (token or SSO sign-in, CSRF-carrying posts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.demo_idp import PERSONAS
from gateway.store.records import Account, User
from gateway.store.sql import SqlStore

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_sign_in(client: Any, token: str) -> None:
    """Sign ``client`` in to the console with ``token`` and the sign-in form's CSRF token."""
    form = CSRF.search(client.get("/console/signin").text)
    assert form, "no sign-in form token"
    answer = client.post("/console/signin", data={"token": token, "csrf_token": form.group(1)})
    assert answer.status_code == 303, answer.text


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
class DemoWorld:
    """The demo's store, app, one test client (one cookie jar) and the tokens it printed."""

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

    def sign_in(self, token: str = "acme admin") -> None:
        """Sign in to the console with one of the demo's tokens."""
        console_sign_in(self.client, self.tokens[token])

    def csrf(self, path: str = "/console/domains") -> str:
        """The session's CSRF token, read from a console page."""
        found = CSRF.search(self.client.get(path).text)
        assert found, "not signed in"
        return found.group(1)

    def post(self, path: str, **data: Any) -> Any:
        """A console form post with this session's CSRF token."""
        return self.client.post(path, data={"csrf_token": self.csrf(), **data})

    def console_post(self, path: str, **data: Any) -> Any:
        """A console form post as Acme's admin, signing in first unless already signed in."""
        if self.client.get("/console/users").status_code != 200:
            self.sign_in()
        return self.client.post(path, data={"csrf_token": self.csrf("/console/users"), **data})

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


def make_demo_world(store: SqlStore, tmp_path: Any, **config: Any) -> DemoWorld:
    """The demo world on ``store`` (demo mode, IdP keys under ``tmp_path``); ``config`` adds."""
    settings = {"demo": True, "idp_key_dir": str(tmp_path / "idp"), **config}
    app = create_app(settings, store=store)
    demo = init_demo(store, app.extensions["gateway.config"])
    return DemoWorld(store, app, app.test_client(), dict(demo.tokens))
