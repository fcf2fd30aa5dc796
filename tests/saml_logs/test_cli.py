"""``gateway saml logs``: the list, one entry in full, and --follow."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gateway.cli import main
from gateway.saml_logs import cli as logs_cli
from gateway.store.sql import SqlStore


def _world(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    monkeypatch.setenv("GATEWAY_DEMO", "1")
    runner = CliRunner()
    assert runner.invoke(main, ["init-demo"]).exit_code == 0
    store = SqlStore.from_url(url)
    acme = store.find_account("acme")
    config, _ = store.get_saml_config(acme.id)
    store.put_saml_config(acme.id, {**config, "save_response_logs": True}, actor="test")
    store.dispose()
    return runner


def _sign_in(runner, name_id):
    signed = runner.invoke(
        main, ["idp", "sign", "--account", "acme", "--nameid", name_id, "--post"]
    )
    assert signed.exit_code == 0, signed.output
    return json.loads(signed.output)


def test_the_list_shows_each_post_and_the_tracking_id_shows_it_in_full(tmp_path, monkeypatch):
    runner = _world(tmp_path, monkeypatch)
    decision = _sign_in(runner, "cli@acme.test")
    listed = runner.invoke(main, ["saml", "logs", "--account", "acme"])
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert decision["tracking_id"] in line and "signed_in" in line and "cli@acme.test" in line
    full = runner.invoke(
        main, ["saml", "logs", "--account", "acme", "--tracking-id", decision["tracking_id"]]
    )
    entry = json.loads(full.output)
    assert entry["outcome"] == "signed_in" and "cli@acme.test" in entry["raw_response"]


def test_an_unknown_tracking_id_is_refused_with_its_code(tmp_path, monkeypatch):
    runner = _world(tmp_path, monkeypatch)
    missing = runner.invoke(main, ["saml", "logs", "--account", "acme", "--tracking-id", "WEB_x"])
    assert missing.exit_code == 2
    assert "saml_log_not_found" in missing.output


def test_follow_prints_entries_as_they_come(tmp_path, monkeypatch):
    runner = _world(tmp_path, monkeypatch)
    _sign_in(runner, "first@acme.test")
    naps = []

    def nap(_seconds):
        naps.append(_seconds)
        if len(naps) == 1:
            _sign_in(runner, "second@acme.test")
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(logs_cli.time, "sleep", nap)
    followed = runner.invoke(main, ["saml", "logs", "--account", "acme", "--follow"])
    assert followed.exit_code == 0, followed.output
    lines = followed.output.splitlines()
    assert len(lines) == 2
    assert "first@acme.test" in lines[0] and "second@acme.test" in lines[1]
