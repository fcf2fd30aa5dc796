"""The whole ACS over HTTP (verify, map, JIT upsert, replay record, JSON decision) under
gunicorn with 1 and 2 workers, on each backend, against pysaml2's default SP as anchor.

Run alone (``python bench/acs_workload.py --backends sqlite --workers 1,2 --quick``) it measures
the gateway only, without the anchor, and prints the median rates: quick feedback while tuning.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from anchors import BENCH_PYTHON
from backends import fresh_database, gateway_env, gateway_server
from harness import (
    VAR,
    Figure,
    PartialFailure,
    Spread,
    command_line,
    free_port,
    log,
    run_json,
)
from saml_workload import INPUTS

from gateway.config import GatewayConfig
from gateway.demo import init_demo
from gateway.store.sql import SqlStore

SECTION = "SAML ACS over HTTP"
TARGET_RATIO = 40


def seed_demo(env: dict[str, str]) -> dict[str, str]:
    """Migrate and create the demo world, Acme's SSO trusting the demo IdP the server sees.

    Returns the demo's token secrets by label, and Acme's account id as ``id``.
    """
    config = GatewayConfig.from_env(env)
    store = SqlStore.from_url(config.database_url)
    try:
        world = init_demo(store, config)
        return {**world.tokens, "id": str(store.find_account("acme").id)}
    finally:
        store.dispose()


def pysaml2_anchor(quick: bool) -> tuple[Spread, str]:
    """pysaml2's default SP on all cores (it forks xmlsec1), on the run's shared responses."""
    argv = [str(BENCH_PYTHON), "bench/anchor_pysaml2.py", "--inputs", str(INPUTS)]
    argv += ["--rounds", "3", "--batch", "8"] if quick else ["--rounds", "10", "--batch", "25"]
    rates = run_json(argv, VAR / "acs-pysaml2.json")
    return Spread.of(rates["pysaml2_default"]), command_line(argv)


def load(
    backend: str, url: str, port: int, workers: int, quick: bool
) -> tuple[dict[str, object], str]:
    """Start a gateway with ``workers`` workers and drive it with the load generator."""
    # Both worker counts sign in their own new users, Licensed by the demo rules: together they
    # stay within the 750 seats Acme keeps after delegating to its sub-accounts.
    users, rounds, batch = (40, 3, 60) if quick else (300, 5, 300)
    with gateway_server(url, workers, port) as server:
        argv = [sys.executable, "bench/acs_load.py", "--users", str(users)]
        argv += ["--rounds", str(rounds), "--batch", str(batch)]
        argv += ["--concurrency", str(2 * workers), "--deadline", "60" if quick else "240"]
        argv += ["--prefix", f"{backend}-{workers}w"]
        result = run_json(argv, VAR / f"acs-{backend}-{workers}w.json", env=server.env)
    return result, command_line(argv)


def figures_for(
    backend: str,
    workers: int,
    result: dict[str, object],
    command: str,
    anchor: Spread,
    anchor_command: str,
) -> list[Figure]:
    """The repeat sign-in figure (the target) and the first sign-in figure."""
    out = []
    for phase, label in (
        ("repeat", "repeat sign-ins (JIT update)"),
        ("first", "first sign-ins (JIT create)"),
    ):
        data = result[phase]
        assert isinstance(data, dict)
        outcomes = data["outcomes"]
        failed = {k: v for k, v in outcomes.items() if k != "signed_in"}
        if failed:
            # A refusal is cheaper than a sign-in: a rate with refusals in it would flatter.
            raise RuntimeError(f"ACS {backend}/{workers}w: not signed in: {json.dumps(failed)}")
        value = Spread.of(data["rates"])
        latency = Spread.of(data["latency_ms"])
        out.append(
            Figure(
                SECTION,
                f"{backend}, {workers} worker(s): {label}",
                "sign-ins/s",
                value,
                f"{command}  (server: python bench/gateway_server.py --workers {workers})",
                anchor_name="pysaml2 default SP, parse only, no HTTP or database "
                f"({anchor_command})",
                anchor=anchor,
                target=f"≥ {TARGET_RATIO}× pysaml2" if phase == "repeat" else None,
                met=value.median >= TARGET_RATIO * anchor.median if phase == "repeat" else None,
                note=(
                    f"latency median {latency.median:.1f} ms (p10–p90 {latency.p10:.1f}–"
                    f"{latency.p90:.1f}); {sum(outcomes.values())} posts, "
                    f"{result['concurrency']} client threads, all signed in"
                ),
            )
        )
    return out


def run(quick: bool, backends: tuple[str, ...]) -> list[Figure]:
    """Both worker counts on each backend, the anchor measured alongside."""
    anchor, anchor_command = pysaml2_anchor(quick)
    figures: list[Figure] = []
    failed: list[str] = []
    for backend in backends:
        # One database and one public URL per backend; each worker count signs in its own users.
        port = free_port()
        with fresh_database(backend, "acs") as url:
            seed_demo(gateway_env(url, port))
            for workers in (1, 2):
                log(f"ACS over HTTP: {backend}, {workers} worker(s)")
                try:
                    result, command = load(backend, url, port, workers, quick)
                    figures += figures_for(
                        backend, workers, result, command, anchor, anchor_command
                    )
                except (RuntimeError, subprocess.SubprocessError) as e:
                    log(f"ACS {backend}, {workers} worker(s) failed: {e}")
                    failed.append(str(e))
    if failed:
        raise PartialFailure("; ".join(failed), figures)
    return figures


def main() -> None:
    """Measure the gateway alone (no anchor) and print each phase's median rate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        port = free_port()
        with fresh_database(backend, "acs-alone") as url:
            seed_demo(gateway_env(url, port))
            for workers in (int(w) for w in args.workers.split(",")):
                result, _ = load(backend, url, port, workers, args.quick)
                for phase in ("first", "repeat"):
                    data = result[phase]
                    assert isinstance(data, dict)
                    print(
                        f"{backend} {workers}w {phase}: "
                        f"{statistics.median(data['rates']):.1f} sign-ins/s "
                        f"(rounds {', '.join(f'{r:.0f}' for r in data['rates'])}), "
                        f"outcomes {data['outcomes']}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
