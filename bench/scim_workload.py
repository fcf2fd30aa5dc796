"""SCIM over HTTP: the gateway (one gunicorn worker, persisting) vs scim2-server 0.8.3 (memory).

Creates, ``userName eq`` lookups and pages of 100 at the same population on both; then, on the
gateway only, the same lookups and pages at 100,000 and 1,000,000 users loaded through the
store's bulk path (cost should stay flat: the anchor is the gateway's own figure at the small
population); and a /Bulk import with the server's peak memory. Creates and lookups also run on
Zoom's dialect (``/scim2``) of the same gateway, beside the ``/scim/v2`` rows.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from acs_workload import seed_demo
from anchors import BENCH_VENV
from backends import Server, fresh_database, gateway_env, gateway_server
from harness import (
    VAR,
    Figure,
    PartialFailure,
    Spread,
    command_line,
    free_port,
    log,
    run_json,
    wait_for_http,
)

from gateway.store.sql import SqlStore

SECTION = "SCIM over HTTP"
TARGETS = {"creates": 3.0, "lookups": 3.0, "pages": 20.0}
# The share of the production server's do-nothing floor each phase should reach.
FLOOR_TARGETS = {"creates": 0.5, "lookups": 0.6, "pages": 0.4}
# Granian's floor against gunicorn sync's, for the small answers (creates, lookups).
SERVER_TARGET = 2.0
BULK_TARGET_S = 60.0
BULK_TARGET_MB = 300.0
LOAD_CHUNK = 20_000


@contextmanager
def served(argv: list[str], port: int, probe: str, base: str) -> Iterator[str]:
    """Run a server's command line until the block ends; yields its SCIM base URL."""
    process = subprocess.Popen(  # noqa: S603  # the harness's own command
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_http(port, probe, process=process)
        yield f"http://127.0.0.1:{port}{base}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def scim2_server() -> Any:
    """scim2-server 0.8.3 from the bench environment, in memory."""
    port = free_port()
    argv = [str(BENCH_VENV / "bin" / "scim2-server"), "--port", str(port)]
    return served(argv, port, "/v2/ServiceProviderConfig", "/v2")


def floor_server(server: str) -> Any:
    """``bench/floor_server.py``: precomputed answers, served by ``server`` (granian, gunicorn)."""
    port = free_port()
    argv = [sys.executable, "bench/floor_server.py", "--port", str(port), "--server", server]
    return served(argv, port, "/healthz", "/scim/v2")


def load_argv(base: str, token: str | None, *options: str) -> list[str]:
    """The load generator's command line."""
    argv = [sys.executable, "bench/scim_load.py", "--base", base]
    return argv + (["--token", token] if token else []) + list(options)


def worker_peak_mb(server: Server) -> float:
    """Peak resident memory (VmHWM) of the worker process serving ``server``."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def bulk_load(database_url: str, account_id: int, prefix: str, start: int, stop: int) -> float:
    """Insert users ``start`` .. ``stop - 1`` with the store's bulk path; seconds taken."""
    store = SqlStore.from_url(database_url, migrate=False)
    began = time.perf_counter()
    try:
        for first in range(start, stop, LOAD_CHUNK):
            rows = [
                {"email": f"{prefix}-{i}@acme.test", "first_name": f"Given{i}"}
                for i in range(first, min(first + LOAD_CHUNK, stop))
            ]
            store.bulk_create_users(account_id, rows, actor="bench", source="bench")
    finally:
        store.dispose()
    return time.perf_counter() - began


def comparison(quick: bool) -> dict[str, Any]:
    """The shared workload's sizes: creates, lookups, pages."""
    users, lookups, pages = (300, 100, 30) if quick else (5000, 1000, 300)
    return {
        "users": users,
        "options": [
            *("--creates", str(users), "--lookups", str(lookups), "--pages", str(pages)),
            *("--rounds", "5", "--deadline", "100" if quick else "400"),
        ],
    }


def anchor_run(quick: bool) -> tuple[dict[str, list[float]], str]:
    """scim2-server on the shared workload."""
    with scim2_server() as base:
        argv = load_argv(base, None, *comparison(quick)["options"], "--prefix", "anchor")
        log(f"SCIM anchor: scim2-server 0.8.3 in memory ({comparison(quick)['users']} users)")
        return run_json(argv, VAR / "scim-anchor.json"), command_line(argv)


def floor_run(server: str, quick: bool) -> tuple[dict[str, list[float]], str]:
    """The shared workload against the do-nothing app served by ``server``."""
    with floor_server(server) as base:
        argv = load_argv(base, None, *comparison(quick)["options"], "--prefix", "floor")
        log(f"SCIM floor: a do-nothing Flask app served by {server}")
        return run_json(argv, VAR / f"scim-floor-{server}.json"), command_line(argv)


def floor_figures(
    theirs: dict[str, list[float]], quick: bool, anchor_command: str
) -> tuple[list[Figure], dict[str, list[float]]]:
    """The workload against the do-nothing Flask app, served by Granian (as the gateway is) and
    by gunicorn sync workers (the former server); returns the figures and Granian's floor."""
    floor, command = floor_run("granian", quick)
    former, former_command = floor_run("gunicorn", quick)
    figures = []
    for phase, target in TARGETS.items():
        value, anchor = Spread.of(floor[phase]), Spread.of(theirs[phase])
        reach = "above" if value.median >= target * anchor.median else "below"
        figures.append(
            Figure(
                SECTION,
                f"HTTP floor: {phase} answered with precomputed bodies (no work)",
                "requests/s",
                value,
                command + "  (server: python bench/floor_server.py --server granian)",
                anchor_name=f"scim2-server 0.8.3 in memory ({anchor_command})",
                anchor=anchor,
                note=(
                    f"a Flask app doing nothing, served as the gateway is (Granian, one worker): "
                    f"the ceiling for any Flask service here; the {target:.0f}× target is "
                    f"{reach} it"
                ),
            )
        )
        small = phase != "pages"
        figures.append(
            Figure(
                SECTION,
                f"HTTP floor, Granian against gunicorn sync: {phase}",
                "requests/s",
                value,
                command + "  (server: python bench/floor_server.py --server granian)",
                anchor_name=(
                    f"gunicorn sync, one worker ({former_command}; server: python "
                    "bench/floor_server.py --server gunicorn)"
                ),
                anchor=Spread.of(former[phase]),
                target=f"≥ {SERVER_TARGET:.0f}× gunicorn sync" if small else None,
                met=value.median >= SERVER_TARGET * Spread.of(former[phase]).median
                if small
                else None,
                note="one keep-alive client connection, sequential requests",
            )
        )
    return figures, floor


def shared_figures(
    backend: str,
    ours: dict[str, list[float]],
    theirs: dict[str, list[float]],
    quick: bool,
    command: str,
    anchor_command: str,
    floor: dict[str, list[float]],
) -> list[Figure]:
    """Creates, lookups and pages against scim2-server and against the HTTP floor."""
    users = comparison(quick)["users"]
    figures = []
    for phase, target in TARGETS.items():
        value, anchor = Spread.of(ours[phase]), Spread.of(theirs[phase])
        figures.append(
            Figure(
                SECTION,
                f"{backend}: {phase} at {users:,} users",
                "requests/s",
                value,
                command,
                anchor_name=f"scim2-server 0.8.3 in memory ({anchor_command})",
                anchor=anchor,
                target=f"≥ {target:.0f}× scim2-server",
                met=value.median >= target * anchor.median,
                note="one client connection, sequential requests; gateway: 1 Granian worker",
            )
        )
        share = FLOOR_TARGETS[phase]
        figures.append(
            Figure(
                SECTION,
                f"{backend}: {phase} against the HTTP floor",
                "requests/s",
                value,
                command,
                anchor_name="the do-nothing app served by Granian (the HTTP floor rows above)",
                anchor=Spread.of(floor[phase]),
                target=f"≥ {share:.0%} of the floor",
                met=value.median >= share * Spread.of(floor[phase]).median,
                note="the same workload and server; the ratio is the share of the floor reached",
            )
        )
    return figures


def at_scale(
    backend: str,
    url: str,
    server: Server,
    token: str,
    small: dict[str, list[float]],
    known: int,
    sizes: tuple[int, ...],
) -> tuple[list[Figure], list[str]]:
    """Lookups and pages at each larger population, against the small-population figure."""
    figures = []
    skipped: list[str] = []
    account_id = int(server.env["BENCH_ACCOUNT_ID"])
    loading_rate = float("inf")
    for size in sizes:
        if loading_rate * 300 < size - known:
            skipped.append(
                f"{backend}: lookups and pages at {size:,} users (loading them at "
                f"{loading_rate:,.0f} users/s would take over five minutes)"
            )
            continue
        seconds = bulk_load(url, account_id, "gw", known, size)
        loading_rate = (size - known) / seconds
        known = size
        log(f"SCIM {backend}: {size:,} users (bulk load {seconds:.0f} s)")
        argv = load_argv(f"{server.base}/scim/v2", token, "--prefix", "gw", "--known", str(size))
        argv += ["--lookups", "300", "--pages", "20", "--rounds", "5", "--deadline", "90"]
        result = run_json(argv, VAR / f"scim-{backend}-{size}.json", env=server.env)
        for phase in ("lookups", "pages"):
            value = Spread.of(result[phase])
            figures.append(
                Figure(
                    SECTION,
                    f"{backend}: {phase} at {size:,} users",
                    "requests/s",
                    value,
                    command_line(argv),
                    anchor_name="the gateway's own rate at the small population (flat = 1.0×)",
                    anchor=Spread.of(small[phase]),
                    target="≥ 0.67× (within 1.5× the small-population latency)",
                    met=value.median >= Spread.of(small[phase]).median / 1.5,
                    note=f"loaded with SqlStore.bulk_create_users in {seconds:.0f} s",
                )
            )
    return figures, skipped


def bulk_import(backend: str, url: str, port: int, token: str, quick: bool) -> Figure:
    """/Bulk import through a freshly started gateway; wall time and the worker's peak memory."""
    count, deadline = (500, 15) if quick else (100_000, 60)
    with gateway_server(url, 1, port) as server:
        argv = load_argv(f"{server.base}/scim/v2", token, "--bulk", str(count))
        argv += ["--deadline", str(deadline)]
        log(f"SCIM {backend}: /Bulk import of {count:,} users")
        result = run_json(argv, VAR / f"scim-bulk-{backend}.json", env=server.env)
        peak = worker_peak_mb(server)
    imported, seconds = result["bulk_imported"], result["bulk_seconds"]
    projected = seconds * 100_000 / imported
    stopped = "" if imported == count else f"; stopped by the time bound after {imported:,}"
    return Figure(
        SECTION,
        f"{backend}: /Bulk import, time for 100,000 users (1,000 operations a request)",
        "s",
        Spread(projected, projected, projected, 1),
        command_line(argv),
        better="lower",
        target=f"< {BULK_TARGET_S:.0f} s and < {BULK_TARGET_MB:.0f} MB",
        met=projected < BULK_TARGET_S and peak < BULK_TARGET_MB and imported == 100_000,
        note=(
            f"{imported:,} users imported in {seconds:.0f} s ({imported / seconds:,.0f} users/s)"
            f"{stopped}; 100,000 projected linearly when fewer; server worker peak RSS "
            f"(VmHWM) {peak:.0f} MB"
        ),
    )


def zoom_figures(
    backend: str, server: Server, token: str, ours: dict[str, list[float]], quick: bool
) -> list[Figure]:
    """The shared workload on Zoom's dialect (``/scim2``) of the same gateway, beside
    ``/scim/v2``: the same service behind a translation, so the ratio is what the edge costs."""
    users = comparison(quick)["users"]
    argv = load_argv(f"{server.base}/scim2", token, *comparison(quick)["options"])
    argv += ["--pages", "0", "--prefix", "zoom"]
    log(f"SCIM {backend}: the shared workload on /scim2")
    result = run_json(argv, VAR / f"scim2-{backend}.json", env=server.env)
    return [
        Figure(
            SECTION,
            f"{backend}: /scim2 {phase} at {users:,} users",
            "requests/s",
            Spread.of(result[phase]),
            command_line(argv),
            anchor_name=f"the same gateway's /scim/v2 {phase} (the rows above)",
            anchor=Spread.of(ours[phase]),
            note=(
                "Zoom's dialect (prerequisites, pending users hidden, Zoom's representation); "
                "GATEWAY_ZOOM_RATE_LIMITS=off for the load"
            ),
        )
        for phase in ("creates", "lookups")
    ]


def run(quick: bool, backends: tuple[str, ...]) -> list[Figure]:
    """The anchor once, then every backend."""
    theirs, anchor_command = anchor_run(quick)
    figures, floor = floor_figures(theirs, quick, anchor_command)
    skipped: list[str] = []
    shared = comparison(quick)
    for backend in backends:
        port = free_port()
        with fresh_database(backend, "scim") as url:
            env = gateway_env(url, port)
            world = seed_demo(env)
            # Zoom's per-second limits would refuse a load test: lifted by their switch.
            extra = {"BENCH_ACCOUNT_ID": world["id"], "GATEWAY_ZOOM_RATE_LIMITS": "off"}
            with gateway_server(url, 1, port, extra_env=extra) as srv:
                log(f"SCIM {backend}: the shared workload")
                argv = load_argv(f"{srv.base}/scim/v2", world["acme scim"], *shared["options"])
                argv += ["--prefix", "gw"]
                ours = run_json(argv, VAR / f"scim-{backend}.json", env=srv.env)
                figures += shared_figures(
                    backend, ours, theirs, quick, command_line(argv), anchor_command, floor
                )
                figures += zoom_figures(backend, srv, world["acme scim"], ours, quick)
                if not quick:
                    large, missed = at_scale(
                        backend,
                        url,
                        srv,
                        world["acme scim"],
                        ours,
                        shared["users"],
                        (100_000, 1_000_000),
                    )
                    figures, skipped = figures + large, skipped + missed
            figures.append(bulk_import(backend, url, port, world["acme scim"], quick))
    if skipped:
        raise PartialFailure("skipped " + "; ".join(skipped), figures)
    return figures
