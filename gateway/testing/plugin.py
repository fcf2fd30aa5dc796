"""pytest fixtures for suites testing against the gateway (entry point ``identity_gateway``).

``gateway_server`` is one live gateway per test session on a fresh database (SQLite, or a new
PostgreSQL schema with ``--gateway-postgres-url``); ``gateway_admin`` is a new master account
for each test, so tests stay independent without restarting the server. ``gateway_clock``
moves the live gateway's clock (demo time travel) and puts it back after the test; the sign-in
fixtures sign at the gateway's time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.testing.client import GatewayAdmin, GatewayRefused, http
from gateway.testing.server import LiveGateway
from idp_fixtures.idp import TestIdP

SignIn = Callable[..., dict[str, Any]]
_serial = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--gateway-postgres-url``: run the live gateway on PostgreSQL instead of SQLite."""
    group = parser.getgroup("identity_gateway", "identity gateway fixtures")
    group.addoption(
        "--gateway-postgres-url",
        default=os.environ.get("GATEWAY_PLUGIN_POSTGRES_URL"),
        help="PostgreSQL URL; the live gateway gets a fresh schema there, dropped at the end.",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker the plugin's users may put on live tests."""
    config.addinivalue_line("markers", "gateway_live: uses the live gateway fixtures")


@pytest.fixture(scope="session")
def gateway_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database for the session's gateway."""
    from gateway.store.sql import SqlStore

    postgres = request.config.getoption("gateway_postgres_url")
    if not postgres:
        url = f"sqlite:///{tmp_path_factory.mktemp('gateway-db') / 'gateway.db'}"
        SqlStore.from_url(url).dispose()
        yield url
        return
    from gateway.testing.postgres import fresh_schema

    with fresh_schema(postgres) as url:
        SqlStore.from_url(url).dispose()
        yield url


@pytest.fixture(scope="session")
def gateway_server(
    gateway_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveGateway]:
    """The live gateway (demo mode, so /idp and mark-verified work) on a free loopback port."""
    server = LiveGateway(gateway_database_url, tmp_path_factory.mktemp("gateway"), demo=True)
    with server:
        yield server


@pytest.fixture(scope="session")
def gateway_idp() -> TestIdP:
    """The test IdP: genuinely signed responses, keys made for this session."""
    return TestIdP("https://idp.test/metadata")


def new_master(server: LiveGateway, name: str | None = None, seats: int = 100) -> GatewayAdmin:
    """A new master account (bulk licensing, ``seats`` Licensed) and its admin client."""
    from gateway.store.sql import SqlStore

    tag = f"{next(_serial)}{secrets.token_hex(3)}"
    store = SqlStore.from_url(server.database_url, migrate=False)
    try:
        with store.transaction():
            account = store.create_account(
                name or f"Test master {tag}",
                f"owner-{tag}@master-{tag}.test",
                actor="pytest",
                vanity=f"t{tag}",
                bulk_licensing=True,
                plan_kind="enterprise",
                support_name="Test support",
                support_email=f"support@master-{tag}.test",
                plan={"Licensed": seats},
            )
            _, secret = store.create_token(account.id, "admin", actor="pytest", label="pytest")
    finally:
        store.dispose()
    headers = {"Authorization": f"Bearer {secret}"}
    _, body = http("GET", f"{server.url}/api/v1/accounts/{account.id}", headers=headers)
    return GatewayAdmin(server.url, secret, dict(body))


@pytest.fixture
def gateway_admin(gateway_server: LiveGateway) -> GatewayAdmin:
    """The admin client of a new master account made for this test."""
    return new_master(gateway_server)


@pytest.fixture
def gateway_sign_in(gateway_admin: GatewayAdmin, gateway_idp: TestIdP) -> SignIn:
    """``sign_in(name_id, attributes, vanity=None)``: the JSON decision of an IdP sign-in,
    signed at the gateway's time (moved or not by ``gateway_clock``)."""
    clock = GatewayClock(gateway_admin.base_url, gateway_admin.token)

    def sign_in(name_id: str, attributes: dict[str, list[str]] | None = None, **kw: Any) -> Any:
        kw.setdefault("now", clock.now())
        return gateway_admin.sign_in(gateway_idp, name_id, attributes, **kw)

    return sign_in


@dataclass(frozen=True)
class GatewayClock:
    """The live gateway's clock (demo mode): moved for every worker through the admin API."""

    base_url: str
    token: str

    def _call(self, method: str, path: str = "", body: Any = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.base_url}/api/v1/clock{path}"
        status, answer = http(method, url, json_body=body, headers=headers)
        if status >= 400:
            raise GatewayRefused(status, answer)
        return dict(answer)

    def show(self) -> dict[str, Any]:
        """``{"now", "offset_seconds", "moved", "movable"}``."""
        return self._call("GET")

    def now(self) -> dt.datetime:
        """The gateway's time now."""
        return dt.datetime.fromisoformat(self.show()["now"])

    def advance(self, by: str | dt.timedelta) -> dt.datetime:
        """Move forward by ``by`` (``"24h"``, ``"1h30m"`` or a timedelta); the new time."""
        text = by if isinstance(by, str) else f"{int(by.total_seconds())}s"
        return dt.datetime.fromisoformat(self._call("POST", "/advance", {"by": text})["now"])

    def set(self, when: str | dt.datetime) -> dt.datetime:
        """Make the gateway's time ``when`` (aware datetime or ISO text); it runs on from there."""
        text = when if isinstance(when, str) else when.isoformat()
        return dt.datetime.fromisoformat(self._call("PUT", "", {"now": text})["now"])

    def reset(self) -> None:
        """Back to the system's time."""
        self._call("DELETE")


@pytest.fixture
def gateway_clock(gateway_admin: GatewayAdmin) -> Iterator[GatewayClock]:
    """The live gateway's movable clock (``show``, ``now``, ``advance("24h")``, ``set``,
    ``reset``); put back to the system's time after the test."""
    clock = GatewayClock(gateway_admin.base_url, gateway_admin.token)
    yield clock
    clock.reset()


def operator_outbox(database_url: str, account_id: int) -> list[dict[str, Any]]:
    """The account's emails, newest first, links included, read from the database as the
    operator does (``gateway outbox``): the admin API withholds links from every admin."""
    from gateway.api.views import outbox_json
    from gateway.store.sql import SqlStore

    store = SqlStore.from_url(database_url, migrate=False)
    try:
        return [outbox_json(m) for m in store.list_outbox(account_id, limit=500).items]
    finally:
        store.dispose()


@pytest.fixture
def gateway_outbox(
    gateway_admin: GatewayAdmin, gateway_server: LiveGateway
) -> Callable[..., list[dict[str, Any]]]:
    """``outbox(account_id=None)``: the emails of the test's account (or a sub-account), links
    included: the plugin stands for the recipients' mailboxes."""

    def outbox(account_id: int | None = None) -> list[dict[str, Any]]:
        return operator_outbox(gateway_server.database_url, account_id or gateway_admin.account_id)

    return outbox


@pytest.fixture
def saml_attacks(gateway_admin: GatewayAdmin, gateway_idp: TestIdP) -> Callable[..., list[Any]]:
    """``saml_attacks(idp=None, vanity=None)``: the attack corpus (``idp_fixtures.corpus``)
    signed by ``idp`` (the session's test IdP) for an account of the live gateway; each item has
    ``name``, ``saml_response`` and the ``expected`` refusal code (``accepted`` for controls)."""
    from idp_fixtures.corpus import attack_corpus

    clock = GatewayClock(gateway_admin.base_url, gateway_admin.token)

    def build(idp: TestIdP | None = None, vanity: str | None = None) -> list[Any]:
        saml = f"{gateway_admin.base_url}/v/{vanity or gateway_admin.vanity}/saml"
        return attack_corpus(
            idp or gateway_idp,
            sp_entity_id=f"{saml}/metadata/sp",
            acs_url=f"{saml}/SSO",
            now=clock.now(),  # the gateway's time, moved or not by gateway_clock
        )

    return build
