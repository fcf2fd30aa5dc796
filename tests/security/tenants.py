"""Two victim accounts and two hostile tenants on one gateway (Flask test client).

Victims: the demo's Acme (master, verified ``acme.test``, managed here) with its user Alice,
and Globex (standalone) whose owner has two users. Hostile: Mallory and Eve, each a standalone
account with its own admin and SCIM tokens. Links are read as the operator reads them (the
database), which stands for the recipient's mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.domains.passwords import hash_password
from gateway.store.records import Account
from gateway.store.sql import SqlStore
from idp_fixtures.idp import TestIdP

PUBLIC = "http://127.0.0.1:8000"
PASSWORD = "correct horse battery"
JSON = {"Accept": "application/json"}
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
ALICE = "alice@acme.test"
GLOBEX_OWNER = "owner@globex.test"
GLOBEX_USERS = ("gail@globex.example", "guy@partner.test")


@dataclass
class Tenant:
    """An account with its admin and SCIM tokens."""

    account: Account
    admin: str
    scim: str

    def auth(self, kind: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin if kind == 'admin' else self.scim}"}


@dataclass
class World:
    store: SqlStore
    app: Any
    acme: Tenant
    globex: Tenant
    mallory: Tenant
    eve: Tenant

    def browser(self) -> Any:
        """A fresh browser (its own cookie jar)."""
        return self.app.test_client()

    def api(self, tenant: Tenant, method: str, path: str, kind: str = "admin", **kw: Any) -> Any:
        headers = {**tenant.auth(kind), **kw.pop("headers", {})}
        return self.browser().open(path, method=method, headers=headers, **kw)

    def signed_in(self, email: str) -> Any:
        """A browser signed in as ``email`` with its password (the user's own session)."""
        user = self.store.find_user_by_email(email)
        assert user is not None
        self.store.set_password_hash(user.id, hash_password(PASSWORD), actor="test")
        browser = self.browser()
        answer = browser.post("/api/v1/login", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.json
        return browser

    def links(self, account: Account, recipient: str, kind: str) -> list[str]:
        """The links mailed to ``recipient`` (newest first), read from its mailbox."""
        page = self.store.list_outbox(account.id, recipient=recipient)
        return [str(m.link).removeprefix(PUBLIC) for m in page.items if m.kind == kind]

    def secret(self, account: Account, recipient: str, kind: str = "invitation") -> str:
        return self.links(account, recipient, kind)[0].rsplit("/", 1)[1]

    def account_of(self, email: str) -> int | None:
        user = self.store.find_user_by_email(email)
        return None if user is None else user.account_id

    def jit(self, tenant: Tenant, idp: TestIdP, email: str, browser: Any = None) -> Any:
        """An IdP-initiated sign-in of ``email`` at ``tenant``'s SP, signed by ``idp`` (in
        ``browser``, else a fresh one)."""
        sp = f"{PUBLIC}/v/{tenant.account.vanity}/saml"
        response = idp.make_response(
            sp_entity_id=f"{sp}/metadata/sp",
            acs_url=f"{sp}/SSO",
            name_id=email,
            now=self.store.clock.now(),
        )
        return (browser or self.browser()).post(
            f"/v/{tenant.account.vanity}/saml/SSO",
            data={"SAMLResponse": response},
            headers=JSON,
        )

    def own_idp(self, tenant: Tenant) -> TestIdP:
        """Give ``tenant`` an IdP of its own (allowing IdP-initiated sign-in) and return it."""
        idp = TestIdP(f"https://idp.{tenant.account.vanity}.test/metadata")
        self.store.put_saml_config(
            tenant.account.id,
            {
                "idp_entity_id": idp.entity_id,
                "sign_in_url": f"https://idp.{tenant.account.vanity}.test/sso",
                "certificates": [idp.certificate_pem],
                "allow_idp_initiated": True,
            },
            actor="test",
        )
        return idp


def _hostile(store: SqlStore, name: str) -> Tenant:
    account = store.create_account(
        name,
        f"boss@{name.lower()}.test",
        actor="test",
        vanity=name.lower(),
        plan={"Licensed": 10},
        support_name=f"{name} IT",
        support_email=f"it@{name.lower()}.test",
    )
    _, admin = store.create_token(account.id, "admin", actor="test")
    _, scim = store.create_token(account.id, "scim", actor="test")
    return Tenant(account, admin, scim)


def make_world(store: SqlStore, **config: Any) -> World:
    """The victims and the hostile tenants (``config`` overrides the app's settings)."""
    app = create_app({"public_url": PUBLIC, **config}, store=store)
    tokens = init_demo(store).tokens
    acme = store.find_account("acme")
    globex = store.find_account("globex")
    options = {"manage": True, "allow_consolidation": True, "allow_signup": False}
    store.set_domain_options(acme.id, "acme.test", options, actor="test")
    store.create_user(acme.id, ALICE, actor="test", source="admin")
    for email in GLOBEX_USERS:
        store.create_user(globex.id, email, actor="test", source="admin")
    _, globex_scim = store.create_token(globex.id, "scim", actor="test")
    return World(
        store,
        app,
        Tenant(acme, tokens["acme admin"], tokens["acme scim"]),
        Tenant(globex, tokens["globex admin"], globex_scim),
        _hostile(store, "Mallory"),
        _hostile(store, "Eve"),
    )
