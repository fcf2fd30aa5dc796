"""PostgreSQL connections the server dropped: the pool pings only connections that sat idle
(not each checkout), replaces a dead idle one silently, and recovers after a dead busy one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.store import engine as engine_module
from gateway.store.engine import make_engine
from tests.conftest import NO_POSTGRES, POSTGRES_URL


@pytest.fixture
def url() -> str:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    return POSTGRES_URL


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _kill(url: str, pid: int) -> None:
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def _count_pings(engine: sa.Engine) -> list[int]:
    pings = [0]
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings[0] += 1
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return pings


def test_a_connection_used_moments_ago_is_not_pinged(url):
    engine = make_engine(url)
    pings = _count_pings(engine)
    for _ in range(3):
        _backend_pid(engine)
    assert pings == [0]
    engine.dispose()


def test_a_connection_killed_while_idle_is_replaced_without_an_error(url, monkeypatch):
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # every one is idle
    engine = make_engine(url)
    pings = _count_pings(engine)
    first = _backend_pid(engine)
    _kill(url, first)
    assert _backend_pid(engine) != first
    assert pings[0] >= 1
    engine.dispose()


def test_after_a_busy_connection_is_killed_one_statement_fails_and_the_next_reconnects(url):
    engine = make_engine(url)
    first = _backend_pid(engine)
    _kill(url, first)
    with pytest.raises(sa.exc.DBAPIError) as excinfo, engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert excinfo.value.connection_invalidated
    assert _backend_pid(engine) != first
    engine.dispose()
