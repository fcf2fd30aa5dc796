"""Fresh databases for a benchmark (an SQLite file, or a PostgreSQL schema dropped after) and
gateway servers started on them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from harness import ROOT, VAR, log, wait_for_http

from gateway.testing.postgres import fresh_schema

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    """The PostgreSQL server to use, or None when it does not answer."""
    url = os.environ.get("GATEWAY_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect():
            return url
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


@contextmanager
def fresh_database(backend: str, name: str) -> Iterator[str]:
    """A new, empty database URL on ``backend`` (``sqlite`` or ``postgresql``), removed after."""
    if backend == "sqlite":
        path = VAR / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        return
    server = postgres_url()
    if server is None:
        raise RuntimeError("PostgreSQL does not answer")
    with fresh_schema(server, prefix=f"bench_{name.replace('-', '_')}") as url:
        yield url


@dataclass(frozen=True)
class Server:
    """A running gateway: its port and the environment its clients share with it."""

    port: int
    pid: int
    env: dict[str, str]

    @property
    def base(self) -> str:
        """The URL it answers on."""
        return f"http://127.0.0.1:{self.port}"


def gateway_env(database_url: str, port: int) -> dict[str, str]:
    """The environment of a benchmark gateway (and of its load generator)."""
    return {
        **os.environ,
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GATEWAY_IDP_KEY_DIR": str(VAR / "demo-idp"),
        "GATEWAY_DEMO": "0",
        # Limits stay on (each request still counts its hit in the store), but never bite.
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000000",
    }


@contextmanager
def gateway_server(
    database_url: str, workers: int, port: int, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``bench/gateway_server.py`` with ``workers`` gunicorn workers on ``port``, stopped after."""
    env = gateway_env(database_url, port) | (extra_env or {})
    argv = [sys.executable, "bench/gateway_server.py", "--port", str(port)]
    with open(VAR / f"server-{port}.log", "w") as errors:
        process = subprocess.Popen(  # noqa: S603  # the harness's own command
            [*argv, "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            try:
                wait_for_http(port, process=process)
            except RuntimeError as e:
                errors.flush()
                tail = (VAR / f"server-{port}.log").read_text().strip().splitlines()[-3:]
                raise RuntimeError(f"{e}: {' / '.join(tail)}") from e
            log(f"gateway on port {port} with {workers} worker(s)")
            yield Server(port, process.pid, env)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
