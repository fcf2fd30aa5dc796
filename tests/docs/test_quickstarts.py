"""Each quick start of docs/ runs top to bottom against a fresh demo gateway (issue 17 item 17).

The gateway is the one ``make run`` serves: ``gateway init-demo`` on a new database, then
``gateway serve`` in demo mode on loopback (here on a free port, and with the variables the
page asks the reader to export: GATEWAY, ADMIN_TOKEN, SCIM_TOKEN). Each page's ``sh`` blocks
run in one bash session, in order, and each output must show what the page's following
``text`` block promises (see ``runbook``).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from runbook import run, steps

from gateway.testing.server import LiveGateway

pytestmark = pytest.mark.live
DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["quickstart-idp.md", "quickstart-mapping.md", "quickstart-scim.md"]


@pytest.mark.parametrize("page", PAGES)
def test_the_quick_start_runs_top_to_bottom_as_written(page, tmp_path):
    server = LiveGateway(f"sqlite:///{tmp_path / 'gateway.db'}", tmp_path, demo=True)
    printed = server.cli("init-demo")
    tokens = dict(re.findall(r"token \(([^)]+), shown once\): (\S+)", printed))
    work = tmp_path / "reader"
    work.mkdir()
    env = {
        **server.environment(),
        "GATEWAY": server.url,
        "ADMIN_TOKEN": tokens["acme admin"],
        "SCIM_TOKEN": tokens["acme scim"],
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    with server:
        outputs = run(DOCS / page, env, work)
    assert len(outputs) == len(steps(DOCS / page)) >= 5


def test_every_quick_start_shows_what_its_blocks_print():
    for page in PAGES:
        plan = steps(DOCS / page)
        assert sum(step.expected is not None for step in plan) >= len(plan) - 2, page


def test_the_runbook_fails_when_a_page_promises_what_its_command_does_not_print(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```sh\necho hello\n```\n\n```text\ngoodbye\n```\n")
    with pytest.raises(AssertionError, match="goodbye"):
        run(page, {}, tmp_path)
    page.write_text("```sh\nfalse\n```\n")
    with pytest.raises(AssertionError, match="block 1 of 1 failed"):
        run(page, {}, tmp_path)
