"""Load generator for a SCIM server over HTTP (the gateway or scim2-server), one connection.

Phases, each timed in rounds and bounded by ``--deadline``:
- ``creates``: ``--creates`` POST /Users (users ``<prefix>-<i>@acme.test``);
- ``lookups``: GET /Users?filter=userName eq "..." on random existing users (``--known``);
- ``pages``: GET /Users?startIndex=..&count=100 at random offsets;
- ``bulk``: ``--bulk`` users through POST /Bulk, ``--bulk-size`` operations a request.
Any answer other than the expected status aborts the run: a refusal would flatter the rate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from harness import write_json

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


class Client:
    """One keep-alive connection to a SCIM base URL."""

    def __init__(self, base: str, token: str | None) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.prefix = parts.hostname or "", parts.port or 80, parts.path
        self.headers = {"Content-Type": "application/scim+json", "Accept": "application/scim+json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        """Send one request; raises RuntimeError on an unexpected status."""
        payload = None if body is None else json.dumps(body)
        try:
            self.connection.request(method, self.prefix + path, payload, self.headers)
            answer = self.connection.getresponse()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the server closed it (HTTP/1.0): reconnect once
            self.connection.request(method, self.prefix + path, payload, self.headers)
            answer = self.connection.getresponse()
        data = answer.read()
        if answer.getheader("Connection", "").lower() == "close":
            self.connection.close()
        if answer.status != expect:
            raise RuntimeError(f"{method} {path}: {answer.status} {data[:300]!r}")
        return json.loads(data) if data else None


def user(prefix: str, i: int) -> dict[str, Any]:
    """A plain SCIM user, the same for both servers."""
    email = f"{prefix}-{i}@acme.test"
    return {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
    }


def timed(count: int, rounds: int, call: Callable[[int], None], deadline: float) -> list[float]:
    """Requests per second in ``rounds`` rounds of ``count // rounds`` calls."""
    batch = max(1, count // rounds)
    rates: list[float] = []
    done = 0
    while done < count and time.monotonic() < deadline:
        started = time.perf_counter()
        for i in range(done, min(done + batch, count)):
            call(i)
        rates.append((min(done + batch, count) - done) / (time.perf_counter() - started))
        done += batch
    return rates


def bulk_body(prefix: str, start: int, size: int) -> dict[str, Any]:
    """A /Bulk request creating users ``start`` .. ``start + size - 1``."""
    return {
        "schemas": [BULK_SCHEMA],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": user(prefix, i)}
            for i in range(start, start + size)
        ],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every phase asked for; rates per round."""
    client = Client(args.base, args.token)
    rng = random.Random(7)  # noqa: S311  # benchmark inputs, not secrets
    deadline = time.monotonic() + args.deadline
    known = args.known or args.creates
    result: dict[str, Any] = {}
    if args.creates:
        result["creates"] = timed(
            args.creates,
            args.rounds,
            lambda i: client.call("POST", "/Users", user(args.prefix, i), expect=201),
            deadline,
        )
    if args.lookups:
        names = [f"{args.prefix}-{rng.randrange(known)}@acme.test" for _ in range(args.lookups)]

        def lookup(i: int) -> None:
            query = quote(f'userName eq "{names[i]}"')
            found = client.call("GET", f"/Users?filter={query}")
            if found["totalResults"] != 1:
                raise RuntimeError(f"lookup of {names[i]} found {found['totalResults']}")

        result["lookups"] = timed(args.lookups, args.rounds, lookup, deadline)
    if args.pages:
        starts = [rng.randrange(1, max(2, known - 100)) for _ in range(args.pages)]

        def page(i: int) -> None:
            found = client.call("GET", f"/Users?startIndex={starts[i]}&count=100")
            if len(found["Resources"]) != 100:
                raise RuntimeError(f"page at {starts[i]} had {len(found['Resources'])} users")

        result["pages"] = timed(args.pages, args.rounds, page, deadline)
    if args.bulk:
        started = time.perf_counter()
        imported = 0
        while imported < args.bulk and time.monotonic() < deadline:
            size = min(args.bulk_size, args.bulk - imported)
            body = bulk_body(args.prefix + "-bulk", imported, size)
            answer = client.call("POST", "/Bulk", body)
            failed = [op for op in answer["Operations"] if not str(op["status"]).startswith("2")]
            if failed:
                raise RuntimeError(f"bulk refused {len(failed)} operations: {failed[0]}")
            imported += size
        result["bulk_seconds"] = time.perf_counter() - started
        result["bulk_imported"] = imported
    return result


def main() -> None:
    """Parse the phases and write the rates as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="SCIM base URL, e.g. http://h:p/scim/v2")
    parser.add_argument("--token")
    parser.add_argument("--prefix", default="scim")
    parser.add_argument("--creates", type=int, default=0)
    parser.add_argument("--known", type=int, default=0, help="users already there")
    parser.add_argument("--lookups", type=int, default=0)
    parser.add_argument("--pages", type=int, default=0)
    parser.add_argument("--bulk", type=int, default=0)
    parser.add_argument("--bulk-size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=300)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_json(args.out, run(args))


if __name__ == "__main__":
    main()
