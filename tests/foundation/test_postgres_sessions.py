"""The gateway's PostgreSQL sessions: no JIT compilation of its short statements.

On tables without statistics the planner can cost the sign-in's account stamp above
``jit_above_cost``, and compiling it took about 50 ms at every sign-in (the ACS ran at a
seventh of its speed)."""

from __future__ import annotations

import pytest

from gateway.store.saml_state import _STAMP
from gateway.store.sql import SqlStore

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(request, tmp_path, clock):
    from tests.conftest import POSTGRES_URL, make_store

    if not POSTGRES_URL:
        pytest.skip("GATEWAY_TEST_POSTGRES_URL is not set: the PostgreSQL half is skipped")
    store: SqlStore = make_store("postgresql", request, tmp_path, clock)
    yield store
    store.dispose()


def test_the_account_stamp_is_planned_without_jit_on_tables_without_statistics(pg_store):
    pg_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    params = {"state_1": "current", "state_2": "next", "state_3": "previous"}
    params |= {"ident": "acme", "vanity": "acme"}
    with pg_store.engine.connect() as conn:
        sql = str(_STAMP.compile(dialect=conn.dialect))
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).scalar()
        jit = conn.exec_driver_sql("SHOW jit").scalar()
    top = plan[0]
    assert top["Plan"]["Total Cost"] > 100_000  # costed where JIT would start...
    assert "JIT" not in top  # ...and not compiled
    assert jit == "off"
