"""``make bench``: the gateway and its anchors on the same inputs, in one run; writes BENCHMARKS.md.

Usage: ``python bench/run.py [--quick] [--only saml,acs,mapping,scim,profile]
[--backends sqlite,postgresql] [--out BENCHMARKS.md]``. The anchors (pysaml2's default SP with
the xmlsec1 binary, scim2-server 0.8.3) live in var/bench-venv, installed on first use.
Every figure is a ratio to an anchor measured in the same run, because the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import acs_workload
import anchors
import mapping_workload
import profile_acs
import report
import saml_workload
import scim_workload
from backends import postgres_url
from harness import ROOT, VAR, Figure, PartialFailure, Spread, log


@dataclass(frozen=True)
class Plan:
    """How much of each workload to run: ``--quick`` keeps the whole run under two minutes."""

    quick: bool
    backends: tuple[str, ...]

    @property
    def scale(self) -> str:
        """``quick`` or ``full``, as printed in the report."""
        return "quick" if self.quick else "full"


Workload = Callable[[Plan], list[Figure]]


def workloads() -> dict[str, Workload]:
    """Each workload by name, in the order they run."""
    return {
        "saml": lambda plan: saml_workload.run(plan.quick),
        "acs": lambda plan: acs_workload.run(plan.quick, plan.backends),
        "mapping": lambda plan: mapping_workload.run(plan.quick),
        "scim": lambda plan: scim_workload.run(plan.quick, plan.backends),
        "profile": lambda plan: profile_acs.run(plan.quick),
    }


def figure_from_json(data: dict[str, Any]) -> Figure:
    """A Figure from its ``to_json`` form (the derived ``ratio`` is dropped)."""
    fields = {k: v for k, v in data.items() if k != "ratio"}
    fields["value"] = Spread(**fields["value"])
    if fields.get("anchor") is not None:
        fields["anchor"] = Spread(**fields["anchor"])
    return Figure(**fields)


def main() -> None:
    """Install the anchors, run the chosen workloads, write BENCHMARKS.md and the raw JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, under two minutes")
    parser.add_argument("--only", default=",".join(workloads()), help="comma-separated")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--render",
        action="store_true",
        help="measure nothing: write the report again from var/bench/results.json "
        "(after editing the profiling notes)",
    )
    args = parser.parse_args()
    if args.render:
        saved = json.loads((VAR / "results.json").read_text())
        saved_figures = [figure_from_json(f) for f in saved["figures"]]
        args.out.write_text(report.render(saved["context"], saved_figures))
        log(f"rendered {args.out} again from the saved results of {saved['context']['generated']}")
        return
    started = time.monotonic()
    VAR.mkdir(parents=True, exist_ok=True)
    anchors.ensure_environment()
    backends = tuple(b for b in args.backends.split(",") if b)
    if "postgresql" in backends and postgres_url() is None:
        log("PostgreSQL does not answer: measuring SQLite only")
        backends = tuple(b for b in backends if b != "postgresql")
    plan = Plan(args.quick, backends)
    figures: list[Figure] = []
    failures: dict[str, str] = {}
    chosen = [name for name in args.only.split(",") if name]
    for name, workload in workloads().items():
        if name in chosen:
            log(f"workload {name} ({plan.scale})")
            try:
                figures += workload(plan)
            except PartialFailure as e:
                log(f"workload {name} partly failed: {e}")
                figures += e.figures
                failures[name] = str(e)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                # One broken workload must not cost the figures of the others.
                log(f"workload {name} failed: {e}")
                failures[name] = str(e)
    elapsed = time.monotonic() - started
    context = {
        "mode": plan.scale,
        "command": "make bench" + (" QUICK=1" if args.quick else ""),
        "elapsed_s": round(elapsed),
        "machine": f"{platform.machine()}, {report.cpu_count()} cores, {report.cpu_model()}",
        "python": platform.python_version(),
        "backends": list(backends),
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "failures": failures,
    }
    (VAR / "results.json").write_text(
        json.dumps({"context": context, "figures": [f.to_json() for f in figures]}, indent=2)
    )
    args.out.write_text(report.render(context, figures))
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    log(f"wrote {shown} in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
