"""Run a Markdown page's shell blocks top to bottom and compare them with the output it shows.

A ```` ```sh ```` block is run; a ```` ```text ```` block right after one is the output the page
promises: each of its lines must appear in that block's output (``...`` in a line stands for
text that differs between runs). Other ```` ```text ```` blocks are for the reader only (commands
that start servers, values to paste). All blocks run in one bash session, so variables carry
over, with ``set -euo pipefail``.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARK = "__RUNBOOK_BLOCK_DONE__"


@dataclass(frozen=True)
class Step:
    """A shell block and the output the page shows after it (None: none shown)."""

    script: str
    expected: str | None


def steps(page: Path) -> list[Step]:
    """The page's runnable blocks, in order."""
    found: list[Step] = []
    blocks = [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text())]
    for i, (kind, body) in enumerate(blocks):
        if kind != "sh":
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        expected = after[1] if after is not None and after[0] == "text" else None
        found.append(Step(body, expected))
    return found


def run(page: Path, env: dict[str, str], cwd: Path, timeout: float = 300) -> list[str]:
    """Run every step of ``page``; the output of each. Raises AssertionError on a mismatch."""
    plan = steps(page)
    script = "set -euo pipefail\n" + "".join(f"{step.script}\necho {MARK}\n" for step in plan)
    done = subprocess.run(
        ["/bin/bash", "-c", script],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs = done.stdout.split(MARK + "\n")
    assert done.returncode == 0 and len(outputs) == len(plan) + 1, (
        f"{page.name}: block {len(outputs)} of {len(plan)} failed (exit {done.returncode})\n"
        f"{plan[min(len(outputs), len(plan)) - 1].script}\n--- output:\n{outputs[-1]}\n"
        f"--- stderr:\n{done.stderr}"
    )
    for step, output in zip(plan, outputs, strict=False):
        for line in (step.expected or "").splitlines():
            if line.strip():
                assert _shown(line.strip(), output), (
                    f"{page.name}: expected {line!r} in the output of\n{step.script}\n"
                    f"--- got:\n{output}"
                )
    return outputs[:-1]


def _shown(line: str, output: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in line.split("..."))
    return re.search(pattern, output) is not None
