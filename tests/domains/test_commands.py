"""``gateway invite`` and ``gateway migrate`` from the command line."""

from __future__ import annotations

from click.testing import CliRunner

from gateway.cli import main
from gateway.demo import init_demo
from gateway.store.sql import SqlStore


def _runner(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    store = SqlStore.from_url(url)
    init_demo(store)
    return CliRunner(), store


def test_invite_reports_every_row_and_a_re_run_changes_nothing(tmp_path, monkeypatch):
    runner, store = _runner(tmp_path, monkeypatch)
    users = tmp_path / "users.csv"
    users.write_text("email\nann@acme.test\nbroken\n")
    first = runner.invoke(main, ["invite", "--account", "acme", str(users)])
    assert "row 2: ann@acme.test: invited" in first.output
    assert "row 3: broken: refused invalid_email" in first.output
    again = runner.invoke(main, ["invite", "--account", "acme", str(users)])
    assert "row 2: ann@acme.test: already_invited" in again.output
    assert store.list_outbox(store.find_account("acme").id, recipient="ann@acme.test").total == 1


def test_migrate_dry_run_then_run(tmp_path, monkeypatch):
    runner, store = _runner(tmp_path, monkeypatch)
    acme, health = store.find_account("acme"), store.find_account("acme-health")
    store.create_user(acme.id, "m@acme.test", actor="t", source="admin")
    emails = tmp_path / "emails.csv"
    emails.write_text("m@acme.test\nout@else.test\n")
    args = [
        "migrate",
        "--master",
        "acme",
        "--from",
        acme.number,
        "--to",
        health.number,
        "--date",
        "2026-04-01",
        str(emails),
    ]
    dry = runner.invoke(main, [*args, "--dry-run"])
    assert "m@acme.test: will_migrate" in dry.output and "out@else.test: not_a_member" in dry.output
    ran = runner.invoke(main, args)
    assert "m@acme.test: migrated" in ran.output
    assert store.find_user_by_email("m@acme.test").account_id == health.id
