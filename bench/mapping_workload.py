"""The mapping engine at 100, 1,000 and 10,000 rules (bench/bench_mapping.py), one core."""

from __future__ import annotations

import sys

from harness import VAR, Figure, Spread, command_line, log, run_json

SECTION = "Mapping engine (one evaluation, 100 attributes x 10 values)"
TARGET_US = 50.0


def spread(summary: dict[str, float], samples: int) -> Spread:
    """A Spread from bench_mapping's median/p10/p90 summary."""
    return Spread(summary["median_us"], summary["p10_us"], summary["p90_us"], samples)


def run(quick: bool) -> list[Figure]:
    """Run the colleague's mapping benchmark and turn its rows into figures."""
    evaluations = 500 if quick else 3000
    argv = [sys.executable, "bench/bench_mapping.py", "--evaluations", str(evaluations)]
    log(f"mapping: {evaluations} evaluations per size")
    result = run_json(argv, VAR / "mapping.json")
    figures = []
    for row in result["results"]:
        compiled = spread(row["compiled"], evaluations)
        at_target = row["rules"] == 10_000
        figures.append(
            Figure(
                SECTION,
                f"{row['rules']:,} rules, compiled (indexed) evaluation",
                "µs",
                compiled,
                command_line(argv),
                anchor_name="plain reference evaluation (loop over every rule in order)",
                anchor=spread(row["reference"], max(20, evaluations * 10 // row["rules"])),
                better="lower",
                target=f"median ≤ {TARGET_US:.0f} µs" if at_target else None,
                met=compiled.median <= TARGET_US if at_target else None,
                note=(
                    f"compile {row['compile_ms']} ms once per rules version; "
                    f"{row['mean_candidates']} candidate rules per sign-in; building the "
                    f"sign-in facts (not included) {row['facts_build']['median_us']} µs"
                ),
            )
        )
    return figures
