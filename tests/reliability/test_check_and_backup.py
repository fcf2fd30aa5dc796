"""`gateway check` finds broken invariants; `gateway backup`/`restore` round-trip and pass check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gateway.cli import main
from gateway.demo import init_demo
from gateway.store import schema


def _demo(sqlite_store):
    init_demo(sqlite_store)
    acme = sqlite_store.find_account("acme")
    health = sqlite_store.find_account("acme-health")
    for n in range(3):
        sqlite_store.create_user(
            health.id,
            f"u{n}@acme.test",
            actor="t",
            source="admin",
            license_type="Licensed",
            addons=["webinar"],
        )
    return acme, health


def test_a_consistent_world_has_no_problem(sqlite_store):
    _demo(sqlite_store)
    assert sqlite_store.check_invariants() == []


def test_a_seat_counted_twice_is_found(sqlite_store):
    _, health = _demo(sqlite_store)
    with sqlite_store.transaction() as conn:
        conn.execute(
            schema.license_pools.update()
            .where(
                schema.license_pools.c.account_id == health.id,
                schema.license_pools.c.seat_kind == "Licensed",
            )
            .values(used=4)
        )
    codes = [p.code for p in sqlite_store.check_invariants()]
    assert codes == ["seat_count_mismatch"]


def test_a_delegation_that_disagrees_with_the_master_is_found(sqlite_store):
    acme, _ = _demo(sqlite_store)
    with sqlite_store.transaction() as conn:
        conn.execute(
            schema.license_pools.update()
            .where(
                schema.license_pools.c.account_id == acme.id,
                schema.license_pools.c.seat_kind == "Licensed",
            )
            .values(delegated=10)
        )
    assert [p.code for p in sqlite_store.check_invariants()] == ["delegation_mismatch"]


def test_backup_and_restore_round_trip_and_pass_check(sqlite_store, tmp_path, monkeypatch):
    _demo(sqlite_store)
    url = str(sqlite_store.engine.url)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    runner = CliRunner()
    backup_file = tmp_path / "backup.db"
    result = runner.invoke(main, ["backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    with sqlite_store.transaction() as conn:
        conn.execute(sa.delete(schema.group_members))
        conn.execute(sa.delete(schema.users).where(schema.users.c.email.like("u%")))
    assert sqlite_store.check_invariants() != []
    sqlite_store.dispose()
    restored = runner.invoke(main, ["restore", str(backup_file)])
    assert restored.exit_code == 0, restored.output
    assert "every invariant holds" in restored.output
    checked = runner.invoke(main, ["check"])
    assert checked.exit_code == 0 and "ok: every invariant holds" in checked.output
    assert sqlite_store.find_user_by_email("u1@acme.test") is not None


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_store, tmp_path, monkeypatch):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", str(sqlite_store.engine.url))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(main, ["restore", str(junk)])
    assert result.exit_code == 2 and "not_a_backup" in result.output


def test_backup_of_postgresql_points_at_pg_dump(tmp_path):
    from gateway.backup import PG_GUIDANCE, backup
    from gateway.errors import BadRequest

    with pytest.raises(BadRequest) as refused:
        backup("postgresql://nobody@127.0.0.1:1/none", tmp_path / "x.db")
    assert refused.value.code == "use_pg_dump" and refused.value.message == PG_GUIDANCE
