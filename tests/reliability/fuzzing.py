"""The fuzzing profile switch, the generated-case counter and the per-case hang guard.

``make test`` runs a small share of every property (``GATEWAY_FUZZ`` unset); ``make fuzz`` sets
``GATEWAY_FUZZ=large`` and each property runs its large share. Every property counts the cases it
ran through ``count``; the total is printed at the end of the run and written to
``GATEWAY_FUZZ_REPORT`` (default ``var/fuzz-cases.json``) so RELIABILITY.md can quote it.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import pathlib
import signal
from collections.abc import Iterator
from typing import Any

LARGE = os.environ.get("GATEWAY_FUZZ", "").lower() == "large"
REPORT = pathlib.Path(os.environ.get("GATEWAY_FUZZ_REPORT", "var/fuzz-cases.json"))
# A single case taking this long is a hang, not a slow machine (the slowest case is ~50 ms).
HANG_SECONDS = 20

CASES: collections.Counter[str] = collections.Counter()


def examples(small: int, large: int) -> int:
    """How many examples a property runs in this profile."""
    return large if LARGE else small


def count(prop: str) -> None:
    """Record one generated case for ``prop``."""
    CASES[prop] += 1


class Hang(Exception):
    """A single fuzz case ran longer than HANG_SECONDS."""


@contextlib.contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail the case (raise Hang) when it runs longer than ``seconds``."""

    def _alarm(signum: int, frame: Any) -> None:
        raise Hang(f"one case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write_report() -> dict[str, Any]:
    """Write the counts of this run to REPORT; returns what was written."""
    report = {
        "profile": "large" if LARGE else "small",
        "total": sum(CASES.values()),
        "per_property": dict(sorted(CASES.items())),
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return report
