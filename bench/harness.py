"""Shared pieces of the benchmark harness: summaries, figures, JSON hand-off, child processes.

Standard library only: the anchors' scripts import it from the separate bench environment too.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Spread:
    """Median and the p10-p90 range of a list of samples."""

    median: float
    p10: float
    p90: float
    samples: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        """Summarise ``samples``; raises ValueError when there are none."""
        if not samples:
            raise ValueError("no samples to summarise")
        ordered = sorted(samples)
        return cls(
            statistics.median(ordered), quantile(ordered, 0.1), quantile(ordered, 0.9), len(ordered)
        )


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted samples, interpolated linearly."""
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class PartialFailure(RuntimeError):
    """Part of a workload failed; ``figures`` holds what the rest measured."""

    def __init__(self, message: str, figures: list[Figure]) -> None:
        super().__init__(message)
        self.figures = figures


@dataclass(frozen=True)
class Figure:
    """One line of BENCHMARKS.md: a measurement, its anchor and its target."""

    section: str
    name: str
    unit: str
    value: Spread
    command: str
    anchor_name: str | None = None
    anchor: Spread | None = None
    # "higher" when more is better (throughput), "lower" for latencies.
    better: str = "higher"
    target: str | None = None
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times better than the anchor (medians), whichever direction is better."""
        if self.anchor is None or self.anchor.median == 0 or self.value.median == 0:
            return None
        if self.better == "higher":
            return self.value.median / self.anchor.median
        return self.anchor.median / self.value.median

    def to_json(self) -> dict[str, Any]:
        """The figure as plain data, its ratio included."""
        return asdict(self) | {"ratio": self.ratio}


def rounds(
    count: int, batch: int, call: Callable[[int], None], *, deadline: float | None = None
) -> list[float]:
    """Operations per second of ``count`` rounds of ``batch`` calls ``call(i)``.

    Stops early (keeping at least one round) once ``deadline`` (a ``time.monotonic()`` value)
    has passed.
    """
    rates: list[float] = []
    index = 0
    for _ in range(count):
        started = time.perf_counter()
        for _ in range(batch):
            call(index)
            index += 1
        rates.append(batch / (time.perf_counter() - started))
        if deadline is not None and time.monotonic() > deadline:
            break
    return rates


def pin_to_one_core() -> None:
    """Run the calling process on a single core (where the platform allows it)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(
    port: int,
    path: str = "/healthz",
    timeout: float = 30.0,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Wait until ``GET path`` answers on loopback.

    Raises TimeoutError, or RuntimeError as soon as ``process`` (the server) has exited.
    """
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout:.0f} s")


def run_json(
    argv: Sequence[str], out: Path, *, env: dict[str, str] | None = None, timeout: float = 900
) -> Any:
    """Run a child process that writes JSON to ``out``; return what it wrote.

    Raises subprocess.CalledProcessError (its stderr is passed through) or TimeoutExpired.
    """
    out.unlink(missing_ok=True)
    run_command([*argv, "--out", str(out)], env=env, timeout=timeout)
    return json.loads(out.read_text())


def run_command(
    argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 900
) -> None:
    """Run one of the harness's own commands from the repository root; raises on failure."""
    subprocess.run(argv, check=True, env=env, timeout=timeout, cwd=ROOT)  # noqa: S603  # own argv


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def command_line(argv: Iterable[str]) -> str:
    """A command as one would type it from the repository root."""
    parts = [str(a).replace(str(ROOT) + "/", "") for a in argv]
    return " ".join(parts)


def log(message: str) -> None:
    """Progress on stderr, so stdout stays clean for results."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
