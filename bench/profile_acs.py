"""Profile of the ACS in one process: cProfile over repeat sign-ins, and SQL statements counted.

Runs the Flask app on a fresh database (no HTTP, no gunicorn: the request handling itself),
signs in ``--users`` users once, times ``--sign-ins`` repeat sign-ins without the profiler
(wall and CPU time), then profiles as many again. Writes a Markdown summary for BENCHMARKS.md:
statements per sign-in by kind, what reaches the database server (statements, BEGINs, COMMITs,
pool pings), and the functions with the most cumulative and own time.
Usage: ``python bench/profile_acs.py [--backend postgresql] --out var/bench/p.json``.

``--count N`` instead posts N prebuilt sign-ins (``--kind repeat`` or ``first``, the account's
logs ``--logs on`` as the demo keeps them, filled to 1,000 entries first, or ``off``, Zoom's
default) after a warm-up, with no profiler and no timing, and prints the statements per
sign-in: run it under valgrind with
``--count 0`` and ``--count 30``, and the difference over 30 is the instructions per sign-in.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import pstats
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from acs_load import ATTRIBUTES
from backends import fresh_database
from harness import VAR, Figure, command_line, log, run_json, write_json

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.demo import init_demo
from gateway.demo_idp import demo_idp
from gateway.store import schema
from gateway.store.engine import is_autocommit
from gateway.store.sql import SqlStore

PUBLIC = "http://127.0.0.1:8000"
SUMMARY = VAR / "profile-acs.md"
TOP = 18
# ``--count``: sign-ins built (the same work whatever N is counted) and warm-up users.
COUNTED = 30
WARM_UP = 10
FILLED_LOGS = 1000


class StatementCounter:
    """Counts SQL statements on an engine by their first word (and table for writes), and
    what else costs a round trip to a server: BEGIN (psycopg sends it before a transaction's
    first statement), COMMIT/ROLLBACK and the pool's pings."""

    def __init__(self, engine: sa.Engine) -> None:
        self.counts: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        sa.event.listen(engine, "before_cursor_execute", self._seen)
        for name in ("begin", "commit", "rollback"):
            sa.event.listen(engine, name, lambda conn, *_a, n=name: self._transaction(conn, n))
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self.calls["ping"] += 1
            return ping(dbapi_connection)

        engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def _transaction(self, conn: sa.Connection, event: str) -> None:
        # In autocommit these send nothing: each statement commits by itself.
        if not is_autocommit(conn):
            self.calls[event] += 1

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        kind = words[0].upper() if words else "?"
        if kind in ("INSERT", "UPDATE", "DELETE") and len(words) > 2:
            table = words[2] if kind != "UPDATE" else words[1]
            kind = f"{kind} {table}"
        elif kind == "SELECT" and "FROM" in words:
            kind = f"SELECT {words[words.index('FROM') + 1]}"
        self.counts[kind] += 1


def bodies(names: list[str]) -> list[str]:
    """Encoded form bodies with freshly signed responses for Acme's ACS (encoded here, so the
    test client's form encoding stays out of the profile)."""
    config = GatewayConfig(public_url=PUBLIC, idp_key_dir=str(VAR / "demo-idp-profile"))
    idp = demo_idp(config)
    base = f"{PUBLIC}/v/acme/saml"
    now = dt.datetime.now(dt.UTC)
    return [
        urlencode(
            {
                "SAMLResponse": idp.make_response(
                    sp_entity_id=f"{base}/metadata/sp",
                    acs_url=f"{base}/SSO",
                    name_id=name,
                    attributes=ATTRIBUTES,
                    now=now,
                )
            }
        )
        for name in names
    ]


def profile(
    users: int, sign_ins: int, backend: str = "sqlite", logs: bool = True
) -> dict[str, Any]:
    """Sign users in once, then time and profile repeat sign-ins; the summary as plain data."""
    with fresh_database(backend, "profile-acs") as url:
        return profile_on(url, users, sign_ins, logs)


def profile_on(url: str, users: int, sign_ins: int, logs: bool = True) -> dict[str, Any]:
    """``profile`` on the database at ``url``."""
    _app, store, post = _app_on(url, logs)
    names = [f"profile-{i}@acme.test" for i in range(users)]
    for form in bodies(names):
        post(form)
    timed = bodies([names[i % users] for i in range(sign_ins)])
    wall, cpu = time.perf_counter(), time.process_time()
    for form in timed:
        post(form)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    repeat = bodies([names[i % users] for i in range(sign_ins)])
    counter = StatementCounter(store.engine)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for form in repeat:
        post(form)
    profiler.disable()
    elapsed = time.perf_counter() - started
    store.dispose()
    statements = sum(counter.counts.values())
    server_calls = {k: round(v / sign_ins, 2) for k, v in sorted(counter.calls.items())}
    return {
        "backend": store.dialect,
        "sign_ins": sign_ins,
        "ms_per_sign_in": wall * 1000 / sign_ins,
        "cpu_ms_per_sign_in": cpu * 1000 / sign_ins,
        "ms_per_sign_in_profiled": elapsed * 1000 / sign_ins,
        "transactions_per_sign_in": server_calls,
        # What a server is sent: every statement, plus psycopg's BEGIN, the COMMITs and pings
        # (SQLite's BEGIN IMMEDIATE is a statement already, and it has no pings).
        "round_trips_per_sign_in": round(
            (
                statements
                + sum(counter.calls[k] for k in ("commit", "rollback", "ping"))
                + (counter.calls["begin"] if store.dialect == "postgresql" else 0)
            )
            / sign_ins,
            2,
        ),
        "statements_per_sign_in": {
            k: round(v / sign_ins, 2) for k, v in counter.counts.most_common()
        },
        "cumulative": top(profiler, "cumulative"),
        "own": top(profiler, "tottime"),
    }


def count_on(url: str, kind: str, n: int, logs: bool) -> dict[str, Any]:
    """Post ``n`` of ``COUNTED`` prebuilt sign-ins of ``kind`` after a warm-up; statements each."""
    _app, store, post = _app_on(url, logs)
    if logs:
        fill_logs(store)
    warm = [f"warm-{i}@acme.test" for i in range(WARM_UP)]
    for form in bodies(warm) + bodies(warm):  # first sign-ins, then repeat ones
        post(form)
    names = warm if kind == "repeat" else [f"new-{i}@acme.test" for i in range(COUNTED)]
    forms = bodies([names[i % len(names)] for i in range(COUNTED)])[:n]
    # What the warm-up left is frozen out of the collector: a full collection of the whole
    # heap falls in one run and not another, and moved counts by millions a sign-in.
    gc.collect()
    gc.freeze()
    counter = StatementCounter(store.engine)
    cpu = time.process_time()
    for form in forms:
        post(form)
    cpu = time.process_time() - cpu
    store.dispose()
    return {
        "kind": kind,
        "cpu_ms_per_sign_in": round(cpu * 1000 / max(n, 1), 3),
        "logs": logs,
        "sign_ins": n,
        "statements_per_sign_in": {
            k: round(v / max(n, 1), 2) for k, v in counter.counts.most_common()
        },
        "calls_per_sign_in": {k: round(v / max(n, 1), 2) for k, v in counter.calls.items()},
    }


def fill_logs(store: SqlStore) -> None:
    """Acme's SAML response logs at their count bound, as a busy account's stay (the rows a
    prune reads)."""
    logs = schema.saml_response_logs
    acme = store.find_account("acme")
    now = store.clock.now()
    entry = {"raw_response": "x" * 8000, "decrypted_assertion": None}
    rows = [
        {
            "account_id": acme.id,
            "tracking_id": f"WEB_fill_{i}",
            "created_at": now - dt.timedelta(minutes=i + 1),
            "outcome": "signed_in",
            "size": 8000,
            "entry": entry,
        }
        for i in range(FILLED_LOGS)
    ]
    with store.transaction() as conn:
        conn.execute(logs.insert(), rows)


def _app_on(url: str, logs: bool) -> tuple[Any, SqlStore, Any]:
    """The demo app on ``url`` (Acme's logs on or off) and a poster of form bodies to its ACS."""
    config = {"public_url": PUBLIC, "idp_key_dir": str(VAR / "demo-idp-profile")}
    store = SqlStore.from_url(url)
    app = create_app(config, store=store)
    init_demo(store, app.extensions["gateway.config"])
    if not logs:
        acme = store.find_account("acme")
        saml, _version = store.get_saml_config(acme.id) or ({}, 0)
        store.put_saml_config(acme.id, {**saml, "save_response_logs": False}, actor="bench")
    client = app.test_client()

    def post(body: str) -> None:
        answer = client.post(
            "/v/acme/saml/SSO",
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={"Accept": "application/json"},
        )
        if answer.status_code != 200:
            raise RuntimeError(f"sign-in refused: {answer.get_json()}")

    return app, store, post


def top(profiler: cProfile.Profile, key: str) -> str:
    """The ``TOP`` heaviest functions by ``key``, as pstats prints them."""
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.strip_dirs().sort_stats(key).print_stats(TOP)
    text = buffer.getvalue()
    return text[text.index("   ncalls") :].rstrip()


def markdown(result: dict[str, Any], command: str) -> str:
    """The profile as a section of BENCHMARKS.md."""
    statements = result["statements_per_sign_in"]
    total = sum(statements.values())
    rows = "\n".join(f"| {kind} | {count} |" for kind, count in statements.items())
    return (
        f"### This run's ACS profile (`{command}`)\n\n"
        f"{result['sign_ins']} repeat sign-ins in process (Flask test client, "
        f"{result['backend']}): {result['ms_per_sign_in']:.1f} ms each "
        f"({result['cpu_ms_per_sign_in']:.1f} ms of CPU), "
        f"{result['ms_per_sign_in_profiled']:.1f} ms under cProfile; "
        f"{total:.1f} SQL statements per sign-in, "
        f"{result['round_trips_per_sign_in']:.1f} calls to the database with BEGIN, COMMIT "
        f"and pings:\n\n"
        f"| statement | per sign-in |\n|---|---:|\n{rows}\n\n"
        f"Heaviest by cumulative time:\n\n```\n{result['cumulative']}\n```\n\n"
        f"Heaviest by own time:\n\n```\n{result['own']}\n```\n"
    )


def run(quick: bool) -> list[Figure]:
    """Profile in a child process and leave the Markdown summary for the report."""
    argv = [sys.executable, "bench/profile_acs.py", "--sign-ins", "150" if quick else "500"]
    log("profiling the ACS in process (cProfile)")
    result = run_json(argv, VAR / "profile-acs.json")
    SUMMARY.write_text(markdown(result, command_line(argv)))
    return []


def main() -> None:
    """Profile and write the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--sign-ins", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=VAR / "profile-acs.json")
    parser.add_argument("--logs", choices=("on", "off"), default="on")
    parser.add_argument("--count", type=int, help=f"post N <= {COUNTED} sign-ins, no profile")
    parser.add_argument("--kind", choices=("repeat", "first"), default="repeat")
    args = parser.parse_args()
    logs = args.logs == "on"
    if args.count is None:
        write_json(args.out, profile(args.users, args.sign_ins, args.backend, logs))
        return
    with fresh_database(args.backend, f"count-acs-{os.getpid()}") as url:
        print(json.dumps(count_on(url, args.kind, args.count, logs)))


if __name__ == "__main__":
    main()
