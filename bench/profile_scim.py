"""SCIM hot paths in one process: CPU (instructions) and SQL statements per request.

``--prepare`` builds a world once, natively: the demo (as ``make bench`` serves it: demo mode
off, rate limits on but never biting) and ``--users`` users made through SCIM, in an SQLite
file copied for each run (``var/bench/profile-scim-template.db``) or a PostgreSQL schema
(``bench_profile_scim``). A run opens the app on it, warms up, then sends ``--n`` requests of
one kind straight through ``app.wsgi_app`` with prebuilt WSGI environs (no test client, no
HTTP): ``create`` (POST /scim/v2/Users), ``lookup`` (``userName eq``) or ``page``
(``startIndex=..&count=100``), checking each answer's status, and prints the SQL statements
per request by kind. The machine has no hardware counters (``perf stat -e instructions`` says
"not supported"), so instructions are counted by valgrind, and two runs are subtracted::

    python bench/profile_scim.py --prepare --users 300 [--backend postgresql]
    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no \
        python bench/profile_scim.py --kind lookup --n 0      # and --n 200

(I refs of the second minus the first, over 200). ``--profile`` prints cProfile's top
functions for the measured requests instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from backends import postgres_url
from harness import VAR
from profile_acs import StatementCounter

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.store.sql import SqlStore

PUBLIC = "http://127.0.0.1:8000"
WARM_UP = 50
SETUP = VAR / "profile-scim.json"
TEMPLATE = VAR / "profile-scim-template.db"
PG_SCHEMA = "bench_profile_scim"
CONFIG = {
    "public_url": PUBLIC,
    "idp_key_dir": str(VAR / "demo-idp-profile"),
    "demo": False,
    "rate_limit_per_minute": 1_000_000_000,
}


def environ(method: str, path: str, query: str, token: str, body: bytes = b"") -> dict[str, Any]:
    """A WSGI environ as a server hands it over (the body stream is replaced per call)."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ACCEPT": "application/scim+json",
        "CONTENT_TYPE": "application/scim+json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def user_body(i: int) -> bytes:
    """The load generator's user (``bench/scim_load.py``), as bytes."""
    email = f"prof-{i}@acme.test"
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email,
            "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
            "emails": [{"value": email, "type": "work", "primary": True}],
            "active": True,
        }
    ).encode()


class Caller:
    """Sends prebuilt requests through ``app.wsgi_app``, checking each status."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.token = app, token

    def send(self, method: str, query: str, expect: str, body: bytes = b"") -> None:
        """One request to /scim/v2/Users; raises RuntimeError on another status."""
        env = environ(method, "/scim/v2/Users", query, self.token, body)
        seen: list[str] = []
        chunks = self.app.wsgi_app(env, lambda status, _headers, *_: seen.append(status))
        answer = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        if not seen or not seen[0].startswith(expect):
            raise RuntimeError(f"{method} ?{query}: {seen} {answer[:300]!r}")


def requests(kind: str, caller: Caller, users: int, start: int) -> Callable[[int], None]:
    """The ``i``-th request of ``kind`` (creates number their users from ``start``)."""
    if kind == "create":
        return lambda i: caller.send("POST", "", "201", user_body(start + i))
    if kind == "lookup":
        queries = [
            "filter=" + quote(f'userName eq "prof-{(i * 7919) % users}@acme.test"')
            for i in range(users)
        ]
        return lambda i: caller.send("GET", queries[i % users], "200")
    starts = [1 + (i * 7919) % max(1, users - 100) for i in range(users)]
    return lambda i: caller.send("GET", f"startIndex={starts[i % users]}&count=100", "200")


def prepare(backend: str, users: int) -> None:
    """Build the world once (natively): the demo, ``users`` users made through SCIM; writes
    where it is and Acme's SCIM token to ``SETUP``."""
    if backend == "sqlite":
        TEMPLATE.unlink(missing_ok=True)
        url = f"sqlite:///{TEMPLATE}"
    else:
        url = _postgres_schema(drop=True)
    store = SqlStore.from_url(url)
    try:
        app = create_app(CONFIG, store=store)
        token = init_demo(store, app.extensions["gateway.config"]).tokens["acme scim"]
        setup = requests("create", Caller(app, token), users, 0)
        for i in range(users):
            setup(i)
    finally:
        store.dispose()
    saved = json.loads(SETUP.read_text()) if SETUP.exists() else {}
    saved[backend] = {"url": url, "token": token, "users": users}
    SETUP.write_text(json.dumps(saved))


def _postgres_schema(*, drop: bool) -> str:
    server = postgres_url()
    if server is None:
        raise RuntimeError("PostgreSQL does not answer")
    engine = sa.create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        if drop:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"'))
    engine.dispose()
    return f"{server}?options=-csearch_path%3D{PG_SCHEMA}"


@contextmanager
def world(backend: str) -> Iterator[tuple[Any, SqlStore, str, int]]:
    """The app on a copy of the prepared world (SQLite) or on it (PostgreSQL)."""
    saved = json.loads(SETUP.read_text())[backend]
    url = saved["url"]
    copy = Path(tempfile.gettempdir()) / f"profile-scim-{os.getpid()}.db"
    if backend == "sqlite":
        shutil.copyfile(TEMPLATE, copy)
        url = f"sqlite:///{copy}"
    store = SqlStore.from_url(url, migrate=False)
    try:
        yield create_app(CONFIG, store=store), store, saved["token"], saved["users"]
    finally:
        store.dispose()
        copy.unlink(missing_ok=True)


def main() -> None:
    """Set up, warm up, run ``--n`` requests; print statements per request (and a profile)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("create", "lookup", "page"), default="lookup")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=500, help="with --prepare")
    parser.add_argument("--prepare", action="store_true", help="build the world to copy")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-out", help="with --profile: also write the pstats here")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.backend, args.users)
        return
    with world(args.backend) as (app, store, token, users):
        caller = Caller(app, token)
        # Creates number their users after the prepared ones, apart per process.
        run = requests(args.kind, caller, users, users + (os.getpid() % 10_000) * 100_000)
        for i in range(WARM_UP):
            run(i)
        counter = StatementCounter(store.engine)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        for i in range(WARM_UP, WARM_UP + args.n):
            run(i)
        if profiler:
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(35)
            print(out.getvalue())
            if args.profile_out:
                stats.dump_stats(args.profile_out)
        if args.n:
            per = {k: round(v / args.n, 2) for k, v in sorted(counter.counts.items())}
            calls = {k: round(v / args.n, 2) for k, v in sorted(counter.calls.items())}
            total = round(sum(counter.counts.values()) / args.n, 2)
            print(f"{args.kind} on {args.backend}: {total} statements a request {per} {calls}")


if __name__ == "__main__":
    main()
