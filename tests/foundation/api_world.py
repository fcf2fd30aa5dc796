"""A small account world for admin API tests: a master, its sub, a former sub and a stranger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seats import unique_email

from gateway.app import create_app
from gateway.store.sql import SqlStore

ROLES = ("master", "sub", "former", "unrelated")
# Which accounts each role's token may manage: its own and, for the master, its sub.
MANAGES = {
    "master": {"master", "sub"},
    "sub": {"sub"},
    "former": {"former"},
    "unrelated": {"unrelated"},
}


@dataclass
class World:
    """Accounts by role, with an admin token, a spare token, an owner user and an organization."""

    store: SqlStore
    client: Any
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    spare_token_ids: dict[str, int] = field(default_factory=dict)
    owner_ids: dict[str, str] = field(default_factory=dict)
    org_ids: dict[str, int] = field(default_factory=dict)

    def call(
        self,
        method: str,
        url: str,
        *,
        role: str | None = None,
        secret: str | None = None,
        **kw: Any,
    ) -> Any:
        """Send a request with the role's admin token (or ``secret``, or none)."""
        headers = dict(kw.pop("headers", {}))
        token = secret if secret is not None else (self.tokens[role] if role else None)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(url, method=method, headers=headers, **kw)
        # Read streamed bodies whole and close them, so no request context outlives its call.
        response.get_data()
        response.close()
        return response

    def new_joiner_token(self) -> str:
        """The admin token of a fresh standalone account, to consent to joining an organization."""
        account = self.store.create_account("Joiner", unique_email("join"), actor="test")
        return self.store.create_token(account.id, "admin", actor="test")[1]


def build_world(store: SqlStore) -> World:
    """Create the four accounts; the former sub-account is unlinked from the master."""
    app = create_app({"demo": True, "public_url": "http://127.0.0.1:8000"}, store=store)
    world = World(store, app.test_client())
    master = store.create_account(
        "Master", unique_email("m"), actor="test", bulk_licensing=True, plan={"Licensed": 100}
    )
    sub = store.create_account("Sub", unique_email("s"), actor="test", parent_id=master.id)
    former = store.create_account("Former", unique_email("f"), actor="test", parent_id=master.id)
    unrelated = store.create_account(
        "Unrelated", unique_email("u"), actor="test", plan={"Licensed": 10}
    )
    store.delegate(sub.id, "Licensed", 10, actor="test")
    store.delegate(former.id, "Licensed", 5, actor="test")
    store.unlink(former.id, actor="test")
    for role, account in zip(ROLES, (master, sub, former, unrelated), strict=True):
        world.ids[role] = account.id
        world.tokens[role] = store.create_token(account.id, "admin", actor="test")[1]
        world.spare_token_ids[role] = store.create_token(account.id, "scim", actor="test")[0].id
        owner = store.find_user_by_email(account.owner_email)
        assert owner is not None
        world.owner_ids[role] = owner.id
        world.org_ids[role] = store.create_organization(role, account.id, actor="test").id
    return world
