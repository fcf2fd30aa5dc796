"""Reliability suite: prints and records how many fuzz cases this run generated."""

from __future__ import annotations

from typing import Any

from tests.reliability import fuzzing


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line with the fuzz case count (and the file it was written to)."""
    if not fuzzing.CASES:
        return
    report = fuzzing.write_report()
    terminalreporter.write_line(
        f"fuzz: {report['total']} generated cases ({report['profile']} profile) "
        f"in {len(report['per_property'])} properties; written to {fuzzing.REPORT}"
    )
