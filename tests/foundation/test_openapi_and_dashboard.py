"""The OpenAPI document follows the routes; dashboards; the CLI account and token commands."""

from __future__ import annotations

import re

from click.testing import CliRunner

from gateway.cli import main
from gateway.demo import init_demo


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_route_is_in_the_openapi_document_and_nothing_else(app, client):
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            methods = {m.lower() for m in rule.methods if m not in ("HEAD", "OPTIONS")}
            served.setdefault(_openapi_path(rule.rule), set()).update(methods)
    document = client.get("/api/v1/openapi.json").json
    documented = {path: set(ops) for path, ops in document["paths"].items()}
    assert documented == served


def test_each_documented_operation_says_how_it_fails(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"], (method, path)
            refusals = {s: r for s, r in operation["responses"].items() if s >= "400"}
            assert "404" in refusals and "429" in refusals, (method, path)
            for answer in refusals.values():
                error = answer["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/Error"}
                assert answer["x-error-codes"], (method, path)


def _auth(world, name="acme admin"):
    return {"Authorization": f"Bearer {world.tokens[name]}"}


def test_a_bulk_licensing_dashboard_summarises_licenses_per_sub_account(sqlite_store, client):
    world = init_demo(sqlite_store)
    acme = sqlite_store.find_account("acme")
    body = client.get(f"/api/v1/accounts/{acme.id}/dashboard", headers=_auth(world)).json
    assert body["kind"] == "license_summary"
    licensed = next(p for p in body["licenses"] if p["seat_kind"] == "Licensed")
    health = world.accounts["Acme Healthcare"]
    labs = world.accounts["Acme Labs"]
    assert licensed["capacity"] == 1000 and licensed["delegated"] == 250
    assert licensed["distribution"] == {health: 200, labs: 50}
    assert licensed["remaining"] == 750


def test_a_dashboard_without_bulk_licensing_shows_aggregate_totals(sqlite_store, client):
    master = sqlite_store.create_account("Solo", "owner@solo.test", actor="t")
    for n, seats in enumerate((10, 15)):
        sub = sqlite_store.create_account(
            f"Sub {n}",
            f"owner@sub{n}.test",
            actor="t",
            parent_id=master.id,
            plan={"Licensed": seats},
        )
        sqlite_store.set_setting(sub.id, "room_connector_ports", 4, actor="t")
    _, secret = sqlite_store.create_token(master.id, "admin", actor="t")
    body = client.get(
        f"/api/v1/accounts/{master.id}/dashboard", headers={"Authorization": f"Bearer {secret}"}
    ).json
    assert body == {
        "kind": "aggregate",
        "sub_accounts": 2,
        "users": 2,
        "seats": 25,
        "room_connector_ports": 8,
    }


def test_the_cli_creates_accounts_and_tokens_and_refuses_unknown_accounts(
    sqlite_store, monkeypatch, app
):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", str(sqlite_store.engine.url))
    runner = CliRunner()
    created = runner.invoke(
        main,
        [
            "create-account",
            "--name",
            "Initech",
            "--owner-email",
            "owner@initech.test",
            "--vanity",
            "initech",
            "--licensed",
            "5",
        ],
    )
    assert created.exit_code == 0 and "type standalone" in created.output
    token = runner.invoke(main, ["token", "create", "--account", "initech", "--kind", "admin"])
    assert token.exit_code == 0
    secret = token.output.strip()
    answer = app.test_client().get(
        "/api/v1/accounts", headers={"Authorization": f"Bearer {secret}"}
    )
    assert [a["vanity"] for a in answer.json["accounts"]] == ["initech"]
    unknown = runner.invoke(main, ["token", "create", "--account", "nope", "--kind", "admin"])
    assert unknown.exit_code == 2 and "account_not_found" in unknown.output
    taken = runner.invoke(
        main, ["create-account", "--name", "Again", "--owner-email", "OWNER@initech.test"]
    )
    assert taken.exit_code == 2 and "owner_email_taken" in taken.output
