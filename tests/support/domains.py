"""The demo world served by the gateway, with helpers for the sign-up, sign-in and domain flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.store.records import Account
from gateway.store.sql import SqlStore

PASSWORD = "correct horse battery"


@dataclass
class World:
    store: SqlStore
    client: Any
    app: Any
    acme: Account
    globex: Account
    tokens: dict[str, str]

    def admin(self, method: str, url: str, token: str = "acme admin", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens.get(token, token)}"}
        return self.client.open(url, method=method, headers=headers, **kw)

    def account(self, name: str) -> Account:
        return self.store.find_account(name)

    def signup(self, email: str, **names: str) -> Any:
        body = {"email": email, "password": PASSWORD, **names}
        return self.client.post("/api/v1/signup", json=body)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.client.post("/api/v1/login", json={"email": email, "password": password})

    def sign_in_as(self, email: str) -> None:
        """Give the user a password and sign this client in as it (an invitee consents)."""
        from gateway.domains.passwords import hash_password

        user = self.store.find_user_by_email(email)
        assert user is not None
        self.store.set_password_hash(user.id, hash_password(PASSWORD), actor="test")
        assert self.login(email).status_code == 200

    def profile(self) -> Any:
        return self.client.get("/api/v1/me/profile")

    def options(self, domain: str = "acme.test", **options: bool) -> Any:
        url = f"/api/v1/accounts/{self.acme.id}/domains/{domain}/options"
        return self.admin("PUT", url, json=options)

    def invitation_secret(self, email: str, account: Account | None = None) -> str:
        page = self.store.list_outbox((account or self.acme).id, recipient=email)
        link = next(m.link for m in page.items if m.kind == "invitation")
        assert link is not None
        return link.rsplit("/", 1)[1]


def make_world(store: SqlStore, **config: Any) -> World:
    app = create_app({"demo": True, "public_url": "http://127.0.0.1:8000", **config}, store=store)
    demo = init_demo(store)
    return World(
        store,
        app.test_client(),
        app,
        store.find_account("acme"),
        store.find_account("globex"),
        dict(demo.tokens),
    )
