"""schemathesis against /api/v1/openapi.json: every operation of the admin API, fed bodies,
query strings and path parameters generated from its own schema, answers with a status under
500 and, when it refuses, with ``{"code", "message"}``."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from gateway.api.registry import openapi_document
from gateway.app import create_app
from gateway.clock import FrozenClock
from gateway.demo import init_demo
from gateway.store.sql import SqlStore
from tests.reliability import fuzzing

WORLD: dict[str, Any] = {}


@pytest.fixture(scope="module")
def admin_client(sqlite_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo world's gateway; its OpenAPI document loaded by schemathesis over WSGI."""
    path = tmp_path_factory.mktemp("fuzz-admin") / "gateway.db"
    path.write_bytes(sqlite_template.read_bytes())
    clock = FrozenClock(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))
    store = SqlStore.from_url(f"sqlite:///{path}", clock, migrate=False)
    demo = init_demo(store)
    acme = store.find_account("acme")
    token = store.authenticate(demo.tokens["acme admin"], "admin")
    assert token is not None
    WORLD.update(
        token=demo.tokens["acme admin"],
        token_id=token.id,
        account_ids=[
            acme.id,
            store.find_account("acme-health").id,
            store.find_account("globex").id,
        ],
    )
    app = create_app({"demo": True, "rate_limit_per_minute": 0}, store=store)
    assert app.test_client().get("/api/v1/openapi.json").get_json() == DOCUMENT
    yield app.test_client()
    store.dispose()


# The document the gateway serves at /api/v1/openapi.json (the fixture checks they are equal);
# loaded at import because schemathesis generates one test per operation at collection.
DOCUMENT = openapi_document()
# The small profile runs only the fuzzing phase; the large one adds the coverage phase (edge
# values schemathesis derives from each schema: boundaries, wrong types, missing fields).
CONFIG = schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": fuzzing.LARGE}, "examples": {"enabled": fuzzing.LARGE}}}
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


def _aim(case: Any) -> dict[str, str]:
    """Point most generated ids at real accounts, so handlers run past the ownership check, and
    send the master's token with most cases (the rest keep the generated, wrong, credentials)."""
    seed = zlib.crc32(repr((case.body, case.query, case.path_parameters)).encode()) % 5
    params = case.path_parameters or {}
    if "account_id" in params and seed < 3:
        params["account_id"] = WORLD["account_ids"][seed]
    if params.get("token_id") == WORLD["token_id"]:
        params["token_id"] = WORLD["token_id"] + 10_000  # keep the fuzzer's own token alive
    return {} if seed == 4 else {"Authorization": f"Bearer {WORLD['token']}"}


@schema.parametrize()
@settings(
    max_examples=fuzzing.examples(5, 700),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not fuzzing.LARGE,
)
def test_every_admin_operation_answers_below_500_with_a_coded_refusal(admin_client, case):
    auth = _aim(case)
    fuzzing.count("admin_api_schemathesis")
    sent = case.as_transport_kwargs()
    with fuzzing.no_hang():
        response = admin_client.open(
            sent.get("url", case.formatted_path),
            method=case.method,
            query_string=sent.get("params"),
            json=sent.get("json"),
            data=sent.get("data"),
            headers={**(sent.get("headers") or {}), **auth},
        )
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, text)
    if response.status_code >= 400:
        refusal = response.get_json()
        assert refusal["code"] and refusal["message"], refusal
