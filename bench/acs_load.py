"""Load generator for the ACS over HTTP: signed responses posted from K client threads.

Runs in its own process, on loopback, against a gateway started by ``bench/run.py``. The
demo IdP's keys come from ``GATEWAY_IDP_KEY_DIR`` and the SP URLs from ``GATEWAY_PUBLIC_URL``
(the same variables the server reads). Two phases, each timed in rounds:

- ``first``: one sign-in for each of ``--users`` new users (JIT creates them);
- ``repeat``: ``--rounds`` x ``--batch`` sign-ins cycling over those users (JIT updates).

Every response is fresh (its own response and assertion IDs: replays are refused) and must
come back 200 ``signed_in``; anything else is counted by its code. Bounded by count and by
``--deadline`` seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import write_json

from gateway.config import GatewayConfig
from gateway.demo_idp import demo_idp

ATTRIBUTES = {
    "memberOf": ["global_users", "engineering"],
    "givenName": ["Bench"],
    "sn": ["User"],
    "department": ["Performance"],
}


class Poster:
    """Posts form bodies to one path, each client thread on its own connection."""

    def __init__(self, base: str, path: str) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, path
        self.local = threading.local()

    def post(self, body: str) -> tuple[float, str]:
        """Post and return (seconds, outcome or refusal code)."""
        started = time.perf_counter()
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.local.connection = connection
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            connection.request("POST", self.path, body, headers)
            answer = connection.getresponse()
            data = json.loads(answer.read() or b"{}")
        except (OSError, http.client.HTTPException, ValueError) as e:
            connection.close()
            return time.perf_counter() - started, f"client_error:{type(e).__name__}"
        if answer.getheader("Connection", "").lower() == "close":
            connection.close()
        outcome = data.get("outcome") if answer.status == 200 else data.get("code", answer.status)
        return time.perf_counter() - started, str(outcome)


def signed_bodies(config: GatewayConfig, vanity: str, names: list[str]) -> list[str]:
    """One form body per name, each a freshly signed response issued now."""
    idp = demo_idp(config)
    base = f"{config.public_url.rstrip('/')}/v/{vanity}/saml"
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
                    not_on_or_after=now + dt.timedelta(minutes=30),
                )
            }
        )
        for name in names
    ]


def fire(
    poster: Poster, pool: ThreadPoolExecutor, bodies: list[str], batch: int, deadline: float
) -> dict[str, Any]:
    """Post ``bodies`` in rounds of ``batch``; rates per round, latencies and outcomes."""
    rates: list[float] = []
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    for start in range(0, len(bodies), batch):
        chunk = bodies[start : start + batch]
        began = time.perf_counter()
        for seconds, outcome in pool.map(poster.post, chunk):
            latencies.append(seconds * 1000)
            outcomes[outcome] += 1
        rates.append(len(chunk) / (time.perf_counter() - began))
        if time.monotonic() > deadline:
            break
    return {"rates": rates, "latency_ms": latencies, "outcomes": dict(outcomes)}


def main() -> None:
    """Run both phases and write their rates, latencies and outcomes as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vanity", default="acme")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds, both phases")
    parser.add_argument("--prefix", default="bench", help="user name prefix, unique per run")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    config = GatewayConfig.from_env()
    deadline = time.monotonic() + args.deadline
    poster = Poster(config.public_url, f"/v/{args.vanity}/saml/SSO")
    names = [f"{args.prefix}-{i}@acme.test" for i in range(args.users)]
    first_batch = max(1, args.users // args.rounds)
    results: dict[str, Any] = {"concurrency": args.concurrency}
    with ThreadPoolExecutor(args.concurrency) as pool:
        results["first"] = fire(
            poster, pool, signed_bodies(config, args.vanity, names), first_batch, deadline
        )
        repeat = [names[i % len(names)] for i in range(args.rounds * args.batch)]
        results["repeat"] = fire(
            poster, pool, signed_bodies(config, args.vanity, repeat), args.batch, deadline
        )
    write_json(args.out, results)


if __name__ == "__main__":
    main()
