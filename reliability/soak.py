"""Soak: mixed SAML sign-ins and SCIM traffic against a live gateway on loopback, at about half
the maximum measured first, for ``SOAK_SECONDS`` (default 600); stops by itself.

Reports errors (any unexpected status or failed connection), the server's RSS at the start and
the end of the soak, and latency percentiles per kind of request; writes them to
``var/soak.json`` and into RELIABILITY.md between the ``soak`` markers.
Usage: ``SOAK_SECONDS=600 python -m reliability.soak``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import pathlib
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.demo import init_demo
from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.server import LiveGateway
from idp_fixtures.idp import TestIdP

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
THREADS = 8
START, END = "<!-- soak:start -->", "<!-- soak:end -->"


@dataclass
class Results:
    """Latencies (seconds) per kind, and every error seen."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    units: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())


class Load:
    """One unit of mixed work: a SAML sign-in, or a SCIM create, lookup, patch and delete."""

    def __init__(self, gateway: LiveGateway, idp: TestIdP, scim_token: str) -> None:
        self.gateway = gateway
        self.idp = idp
        self.auth = {"Authorization": f"Bearer {scim_token}"}
        self.serial = itertools.count()

    def _timed(self, results: Results, kind: str, expected: int, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            status, body = call()
        except OSError as e:
            results.record(kind, time.perf_counter() - started, f"{type(e).__name__}: {e}")
            return None
        error = None if status == expected else f"status {status}: {str(body)[:200]}"
        results.record(kind, time.perf_counter() - started, error)
        return body if error is None else None

    def sign_in(self, results: Results) -> None:
        base = f"{self.gateway.url}/v/acme/saml"
        response = self.idp.make_response(
            sp_entity_id=f"{base}/metadata/sp",
            acs_url=f"{base}/SSO",
            name_id=f"soak{next(self.serial) % 500}@acme.test",
            attributes={"memberOf": ["staff"]},
            now=dt.datetime.now(dt.UTC),
        )
        self._timed(
            results,
            "saml_sign_in",
            200,
            lambda: http("POST", f"{base}/SSO", form={"SAMLResponse": response}),
        )

    def scim_cycle(self, results: Results) -> None:
        scim = f"{self.gateway.url}/scim/v2"
        name = f"scim{next(self.serial)}-{threading.get_ident()}@acme.test"
        body = {"schemas": [USER_URN], "userName": name}
        created = self._timed(
            results,
            "scim_create",
            201,
            lambda: http("POST", f"{scim}/Users", json_body=body, headers=self.auth),
        )
        if created is None:
            return
        user = f"{scim}/Users/{created['id']}"
        query = f'?filter=userName%20eq%20"{name}"'
        self._timed(
            results,
            "scim_lookup",
            200,
            lambda: http("GET", f"{scim}/Users{query}", headers=self.auth),
        )
        patch = {
            "schemas": [PATCH_URN],
            "Operations": [{"op": "replace", "path": "displayName", "value": "Soak"}],
        }
        self._timed(
            results,
            "scim_patch",
            200,
            lambda: http("PATCH", user, json_body=patch, headers=self.auth),
        )
        self._timed(results, "scim_delete", 204, lambda: http("DELETE", user, headers=self.auth))

    def unit(self, n: int, results: Results) -> None:
        """Alternate sign-ins and SCIM cycles (a cycle is four requests)."""
        if n % 2:
            self.scim_cycle(results)
        else:
            self.sign_in(results)


def drive(load: Load, seconds: float, rate: float | None) -> Results:
    """Run ``THREADS`` workers for ``seconds``; ``rate`` (units/s overall) paces them."""
    results = Results()
    deadline = time.monotonic() + seconds
    counter = itertools.count()

    def worker() -> None:
        interval = THREADS / rate if rate else 0.0
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            load.unit(next(counter), results)
            with results.lock:
                results.units += 1
            if interval:
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def rss_kib(pid: int) -> int:
    """The resident set size of a process, in KiB (from /proc)."""
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max, in milliseconds."""
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return {
        "p50": round(cuts[49] * 1000, 1),
        "p90": round(cuts[89] * 1000, 1),
        "p99": round(cuts[98] * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


def world(database: pathlib.Path, idp: TestIdP) -> str:
    """The demo world, Acme trusting ``idp``; returns Acme's SCIM token."""
    store = SqlStore.from_url(f"sqlite:///{database}")
    demo = init_demo(store)
    acme = store.find_account("acme")
    store.put_saml_config(
        acme.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": True,
        },
        actor="soak",
    )
    store.dispose()
    return demo.tokens["acme scim"]


def soak(seconds: float, probe_seconds: float) -> dict[str, Any]:
    """Measure the maximum, then soak at half of it; returns the figures."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="gateway-soak-"))
    idp = TestIdP("https://idp.test/metadata")
    token = world(folder / "gateway.db", idp)
    gateway = LiveGateway(f"sqlite:///{folder / 'gateway.db'}", folder)
    with gateway:
        assert gateway.process is not None
        load = Load(gateway, idp, token)
        probe = drive(load, probe_seconds, None)
        maximum = probe.count / probe_seconds
        # A unit is a sign-in or a 4-request SCIM cycle: half the units/s measured at full tilt.
        units_max = probe.units / probe_seconds
        rss_start = rss_kib(gateway.process.pid)
        started = time.monotonic()
        results = drive(load, seconds, units_max / 2)
        elapsed = time.monotonic() - started
        rss_end = rss_kib(gateway.process.pid)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "server": "gateway serve (one process, threaded) on SQLite, loopback",
        "cpus": os.cpu_count(),
        "probe_seconds": probe_seconds,
        "max_requests_per_s": round(maximum, 1),
        "probe_errors": len(probe.errors),
        "soak_seconds": round(elapsed, 1),
        "requests": results.count,
        "requests_per_s": round(results.count / elapsed, 1),
        "errors": len(results.errors),
        "first_errors": results.errors[:5],
        "rss_start_kib": rss_start,
        "rss_end_kib": rss_end,
        "rss_growth_percent": round(100 * (rss_end - rss_start) / rss_start, 1),
        "latency_ms": {k: percentiles(v) for k, v in sorted(results.latencies.items())},
    }


def markdown(figures: dict[str, Any]) -> str:
    """The soak section of RELIABILITY.md."""
    lines = [
        START,
        f"Run {figures['date']}: {figures['server']}, {figures['cpus']} CPUs shared with other "
        "work.",
        "",
        f"- Maximum measured first ({figures['probe_seconds']} s, {THREADS} closed-loop "
        f"clients): {figures['max_requests_per_s']} requests/s",
        f"- Soak: {figures['soak_seconds']} s at about half of it: {figures['requests']} requests "
        f"({figures['requests_per_s']}/s), **{figures['errors']} errors**",
        f"- Server RSS: {figures['rss_start_kib']} KiB at the start, {figures['rss_end_kib']} KiB "
        f"at the end: **{figures['rss_growth_percent']}%** growth (target < 10%)",
        "",
        "| request | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for kind, p in figures["latency_ms"].items():
        lines.append(f"| {kind} | {p['p50']} | {p['p90']} | {p['p99']} | {p['max']} |")
    lines.append(END)
    return "\n".join(lines)


def write_into(document: pathlib.Path, section: str) -> None:
    """Replace the soak section of ``document`` (appended when it has none)."""
    text = document.read_text() if document.exists() else ""
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    document.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; exit 1 on any error or on memory growth of 10% or more."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--probe-seconds", type=float, default=15.0)
    parser.add_argument("--document", type=pathlib.Path, default=pathlib.Path("RELIABILITY.md"))
    parser.add_argument("--report", type=pathlib.Path, default=pathlib.Path("var/soak.json"))
    args = parser.parse_args(argv)
    figures = soak(args.seconds, args.probe_seconds)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(figures, indent=2) + "\n")
    section = markdown(figures)
    write_into(args.document, section)
    print(section)
    return 1 if figures["errors"] or figures["rss_growth_percent"] >= 10 else 0


if __name__ == "__main__":
    sys.exit(main())
