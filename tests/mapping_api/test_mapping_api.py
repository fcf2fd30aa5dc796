"""The mapping rules through the admin API and the CLI: CRUD, reorder, import/export, explain."""

from __future__ import annotations

import pytest

from gateway.demo import init_demo
from gateway.demo_idp import DEMO_RULES

SEED = DEMO_RULES[0]
LICENSED = DEMO_RULES[1]


@pytest.fixture
def acme(sqlite_store, app):
    world = init_demo(sqlite_store, app.extensions["gateway.config"])
    account = sqlite_store.find_account("acme")
    return account, {"Authorization": f"Bearer {world.tokens['acme admin']}"}


def _url(account, tail=""):
    return f"/api/v1/accounts/{account.id}/mapping{tail}"


def test_rules_are_listed_in_order_with_their_version(client, acme):
    account, auth = acme
    body = client.get(_url(account, "/rules"), headers=auth).json
    assert body["version"] == 1
    assert [r["name"] for r in body["rules"]] == [r["name"] for r in DEMO_RULES]


def test_append_replace_delete_and_reorder_keep_the_order_and_bump_the_version(client, acme):
    account, auth = acme
    added = client.post(
        _url(account, "/rules"),
        headers=auth,
        json={
            "category": "role",
            "conditions": [{"attribute": "dept", "values": ["ops"]}],
            "result": "Admin",
        },
    ).json
    assert added["version"] == 2 and added["rules"][-1]["conditions"][0]["attribute"] == "dept"
    replaced = client.put(
        _url(account, "/rules/6"),
        headers=auth,
        json={
            "category": "role",
            "conditions": [{"attribute": "dept", "values": ["sec"]}],
            "result": "Member",
        },
    ).json
    assert replaced["rules"][5]["result"] == "Member"
    reordered = client.post(
        _url(account, "/reorder"), headers=auth, json={"order": [6, 1, 2, 3, 4, 5]}
    ).json
    assert reordered["rules"][0]["result"] == "Member" and reordered["version"] == 4
    deleted = client.delete(_url(account, "/rules/1"), headers=auth).json
    assert len(deleted["rules"]) == 5 and deleted["version"] == 5


def test_an_invalid_rule_is_refused_with_its_position_and_field_and_changes_nothing(client, acme):
    account, auth = acme
    answer = client.put(
        _url(account, "/rules"),
        headers=auth,
        json={
            "rules": [
                LICENSED,
                {
                    "category": "sub_account",
                    "conditions": [{"attribute": "m", "values": ["x"]}],
                    "result": "not-a-sub-account",
                },
                {"category": "license", "conditions": [], "result": "Licensed"},
            ]
        },
    )
    assert answer.status_code == 400 and answer.json["code"] == "rules_invalid"
    problems = {(e["code"], e["position"]) for e in answer.json["details"]["errors"]}
    assert ("unknown_sub_account", 2) in problems and ("empty_conditions", 3) in problems
    assert client.get(_url(account, "/rules"), headers=auth).json["version"] == 1


def test_a_stale_expected_version_is_refused(client, acme):
    account, auth = acme
    answer = client.put(
        _url(account, "/rules?expected_version=7"), headers=auth, json={"rules": [LICENSED]}
    )
    assert answer.status_code == 412 and answer.json["code"] == "version_mismatch"


def test_reorder_must_name_every_position_once(client, acme):
    account, auth = acme
    answer = client.post(_url(account, "/reorder"), headers=auth, json={"order": [1, 1, 2]})
    assert answer.status_code == 400 and answer.json["code"] == "invalid_order"


def test_export_then_import_round_trips_and_bad_import_changes_nothing(client, acme):
    account, auth = acme
    yaml_text = client.get(_url(account, "/export"), headers=auth).get_data(as_text=True)
    assert "seed example: healthcare" in yaml_text
    again = client.post(
        _url(account, "/import"),
        headers={**auth, "Content-Type": "application/yaml"},
        data=yaml_text,
    )
    assert again.status_code == 200 and again.json["version"] == 2
    assert again.json["rules"] == client.get(_url(account, "/rules"), headers=auth).json["rules"]
    bad = client.post(
        _url(account, "/import"),
        headers={**auth, "Content-Type": "application/yaml"},
        data="- category: nope\n  conditions: []\n  result: x\n",
    )
    assert bad.status_code == 400 and bad.json["code"] == "rules_invalid"
    assert client.get(_url(account, "/rules"), headers=auth).json["version"] == 2


def test_explain_with_attributes_says_where_the_user_lands_and_why(client, acme):
    account, auth = acme
    body = client.post(
        _url(account, "/explain"),
        headers=auth,
        json={"attributes": {"memberOf": ["global_users", "Developer"]}},
    ).json
    assert body["lands_in"]["vanity"] == "acme-health"
    assert body["decision"]["license_type"] == "Licensed"
    assert body["decision"]["trace"]["decided_by"]["sub_account"] == [1]


def test_explain_of_a_partial_match_shows_which_condition_failed(client, acme):
    account, auth = acme
    body = client.post(
        _url(account, "/explain"), headers=auth, json={"attributes": {"memberOf": ["Developer"]}}
    ).json
    assert body["lands_in"]["vanity"] == "acme"
    first = body["decision"]["trace"]["rules"][0]
    assert first["matched"] is False
    assert [c["matched"] for c in first["conditions"]] == [False, True]


def test_explain_verifies_a_response_unless_told_not_to(client, acme, app, clock):
    from gateway.demo_idp import signed_response

    account, auth = acme
    sso = app.extensions["gateway.sso"]
    response, _ = signed_response(
        sso, account, "hana@acme.test", {"memberOf": ["global_users", "Tester"]}
    )
    verified = client.post(
        _url(account, "/explain"), headers=auth, json={"saml_response": response}
    ).json
    assert verified["verified"] is True and verified["decision"]["license_type"] == "Licensed"
    clock.advance(hours=1)
    expired = client.post(_url(account, "/explain"), headers=auth, json={"saml_response": response})
    assert expired.status_code == 403 and expired.json["code"] == "expired"
    unverified = client.post(
        _url(account, "/explain"), headers=auth, json={"saml_response": response, "verify": False}
    ).json
    assert unverified["verified"] is False
    assert any("Not verified" in n for n in unverified["notes"])


def test_explain_needs_attributes_or_a_response(client, acme):
    account, auth = acme
    answer = client.post(_url(account, "/explain"), headers=auth, json={"nothing": 1})
    assert answer.status_code == 400 and answer.json["code"] == "invalid_explain_request"


def test_cli_import_reports_every_error_and_changes_nothing(sqlite_store, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from gateway.cli import main

    url = str(sqlite_store.engine.url)
    sqlite_store.dispose()
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    monkeypatch.setenv("GATEWAY_IDP_KEY_DIR", str(tmp_path / "idp"))
    runner = CliRunner()
    assert runner.invoke(main, ["init-demo"]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("- category: license\n  conditions: []\n  result: Gold\n")
    result = runner.invoke(main, ["mapping", "import", "--account", "acme", str(bad)])
    assert result.exit_code == 2
    assert "empty_conditions" in result.output and "unknown_license_type" in result.output
    exported = runner.invoke(main, ["mapping", "export", "--account", "acme"])
    assert "seed example: healthcare" in exported.output
    explained = runner.invoke(
        main,
        [
            "mapping",
            "explain",
            "--account",
            "acme",
            "--attr",
            "memberOf=global_users",
            "--attr",
            "memberOf=HIPAA",
        ],
    )
    assert explained.exit_code == 0 and "Lands in: Acme Healthcare" in explained.output


def test_reorder_with_positions_that_are_not_numbers_is_refused(client, acme):
    account, auth = acme
    answer = client.post(_url(account, "/reorder"), headers=auth, json={"order": [False, None]})
    assert answer.status_code == 400 and answer.json["code"] == "invalid_order"
