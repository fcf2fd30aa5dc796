"""Profile of the ACS in one process: cProfile over repeat sign-ins, and SQL statements counted.

Runs the Flask app on a fresh SQLite file (no HTTP, no gunicorn: the request handling itself),
signs in ``--users`` users once, then profiles ``--sign-ins`` repeat sign-ins. Writes a
Markdown summary for BENCHMARKS.md: statements per sign-in by kind, and the functions with the
most cumulative and own time. Usage: ``python bench/profile_acs.py --out var/bench/p.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
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
from harness import VAR, Figure, command_line, log, run_json, write_json

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.demo import init_demo
from gateway.demo_idp import demo_idp
from gateway.store.sql import SqlStore

PUBLIC = "http://127.0.0.1:8000"
SUMMARY = VAR / "profile-acs.md"
TOP = 18


class StatementCounter:
    """Counts SQL statements on an engine by their first word (and table for writes)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.counts: Counter[str] = Counter()
        sa.event.listen(engine, "before_cursor_execute", self._seen)

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


def profile(users: int, sign_ins: int) -> dict[str, Any]:
    """Sign users in once, then profile repeat sign-ins; the summary as plain data."""
    path = VAR / "profile-acs.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    config = {"public_url": PUBLIC, "idp_key_dir": str(VAR / "demo-idp-profile")}
    store = SqlStore.from_url(f"sqlite:///{path}")
    app = create_app(config, store=store)
    init_demo(store, app.extensions["gateway.config"])
    client = app.test_client()
    names = [f"profile-{i}@acme.test" for i in range(users)]

    def post(body: str) -> None:
        answer = client.post(
            "/v/acme/saml/SSO",
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={"Accept": "application/json"},
        )
        if answer.status_code != 200:
            raise RuntimeError(f"sign-in refused: {answer.get_json()}")

    for form in bodies(names):
        post(form)
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
    return {
        "sign_ins": sign_ins,
        "ms_per_sign_in_profiled": elapsed * 1000 / sign_ins,
        "statements_per_sign_in": {
            k: round(v / sign_ins, 2) for k, v in counter.counts.most_common()
        },
        "cumulative": top(profiler, "cumulative"),
        "own": top(profiler, "tottime"),
    }


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
        f"{result['sign_ins']} repeat sign-ins in process (Flask test client, SQLite), "
        f"{result['ms_per_sign_in_profiled']:.1f} ms each under cProfile; "
        f"{total:.1f} SQL statements per sign-in:\n\n"
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
    parser.add_argument("--out", type=Path, default=VAR / "profile-acs.json")
    args = parser.parse_args()
    write_json(args.out, profile(args.users, args.sign_ins))


if __name__ == "__main__":
    main()
