"""One SIGKILL trial per scenario of reliability/crash.py (``make crash`` runs ten each): after
the restart every acknowledged write is there, nobody is in two accounts or none, and
``gateway check`` says every invariant holds."""

from __future__ import annotations

import random

import pytest

from gateway.store.sql import SqlStore
from reliability import crash

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("crash-template") / "template.db"
    SqlStore.from_url(f"sqlite:///{path}").dispose()
    return path


@pytest.mark.parametrize("scenario", sorted(crash.SCENARIOS))
def test_a_kill_mid_write_loses_no_acknowledged_write_and_breaks_no_invariant(
    scenario, template, tmp_path
):
    trial = crash.run_trial(scenario, 1, template, tmp_path, random.Random(7))
    assert trial.problems == []
    assert trial.check_output == "ok: every invariant holds"
    assert trial.touched > 0


def test_verify_reports_a_lost_acknowledged_write_and_a_broken_seat_count(template, tmp_path):
    db = tmp_path / "gateway.db"
    db.write_bytes(template.read_bytes())
    store = SqlStore.from_url(f"sqlite:///{db}", migrate=False)
    world = crash.bulk_world(store)
    world.acked.add("never-written@acme.test")
    from gateway.store import schema

    with store.transaction() as conn:
        conn.execute(schema.license_pools.update().values(used=schema.license_pools.c.used + 1))
    problems = crash.verify(store, world)
    assert "acknowledged never-written@acme.test is gone" in problems
    assert any(p.startswith("seat_count_mismatch") for p in problems)
    store.dispose()
