"""The README's first screens, re-read and run (issue 17, acceptance).

The first screens are everything before "Where to go next": the two commands, the demo table
and "Pointing things at it". Every command they name is listed here and run: ``make run`` as a
live process from the repository (the installed venv makes it quick; its database and IdP keys
go to a temporary directory, and ``PORT`` is a free port, as ``make run PORT=8080`` offers),
``gateway token create`` against that database. ``make test`` runs this very suite, so it is
checked by its recipe (``make -n``: lint, then the test suite), not run from inside itself.
While ``make run`` serves, the demo table is compared with the accounts it made and every
address of "Pointing things at it" is fetched. The links of the whole README must resolve.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gateway.testing.server import MakeRun

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
FIRST_SCREENS = README.split("## Where to go next", 1)[0]
# Every command the first screens name (a new one fails here until this test runs it too).
COMMANDS = {
    "make run",
    "make test",
    "make run PORT=8080",
    "gateway token create --account acme --kind admin",
    "gateway init-demo",
}


def _named_commands(text: str) -> set[str]:
    found = set()
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                found.add(command)
    for span in re.findall(r"`([^`\n]+)`", text):
        if span.startswith(("make ", "gateway ")):
            found.add(span)
    return found


def test_the_first_screens_name_only_the_commands_this_test_runs():
    assert _named_commands(FIRST_SCREENS) == COMMANDS


def test_every_link_of_the_readme_resolves():
    missing = [
        link
        for link in re.findall(r"\]\(([^)#\s]+)", README)
        if "://" not in link and not (ROOT / link).exists()
    ]
    assert not missing


def test_every_link_between_the_docs_pages_resolves():
    missing = [
        f"{page.name}: {link}"
        for page in sorted((ROOT / "docs").glob("*.md"))
        for link in re.findall(r"\]\(([^)#\s]+)", page.read_text())
        if "://" not in link and not (page.parent / link).exists()
    ]
    assert not missing


def test_make_test_lints_then_runs_the_suite():
    recipe = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "ruff check" in recipe and "mypy" in recipe and "pytest" in recipe
    assert recipe.index("ruff check") < recipe.index("pytest")


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def _demo_table() -> list[dict[str, str]]:
    section = FIRST_SCREENS.split("## The demo world", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return [dict(zip(["account", "kind", "vanity", "notes"], c, strict=True)) for c in cells]


@pytest.mark.live
def test_make_run_serves_what_the_first_screens_describe(tmp_path):
    with MakeRun(ROOT, tmp_path) as run:
        admin, scim = run.token("admin"), run.token("scim")
        _check_demo_table(run.url, admin)
        _check_pointing_things_at_it(run.url, admin, scim)
        _check_token_create(run)


def _check_demo_table(base: str, admin: str) -> None:
    status, body = _get(f"{base}/api/v1/accounts", admin)
    assert status == 200
    accounts = {a["name"]: a for a in json.loads(body)["accounts"]}
    for row in _demo_table():
        if row["account"] == "Globex":  # another account: not visible with Acme's token
            continue
        account = accounts[row["account"]]
        vanity = row["vanity"].strip("`")
        assert (account["vanity"] or "—") == vanity, row
        kind = {"master": "master", "sub-account": "sub"}[row["kind"].split(",")[0]]
        assert account["account_type"] == kind, row
        assert account["bulk_licensing"] == ("bulk licensing" in row["kind"]), row
        seats = {**account["assigned_licenses"]}
        for number, what in re.findall(r"(\d+) (Licensed|Webinar)", row["notes"]):
            key = "Licensed" if what == "Licensed" else "addon:webinar"
            assert seats.get(key) == int(number), (row, seats)


def _check_pointing_things_at_it(base: str, admin: str, scim: str) -> None:
    section = FIRST_SCREENS.split("## Pointing things at it", 1)[1]
    urls = re.findall(r"`(http://127\.0\.0\.1:8000[^`]*)`", section)
    paths = re.findall(r"`(/[a-z][^`\s]*)`", section)
    assert len(urls) == 3 and {"/idp", "/console/", "/me", "/login"} <= set(paths)
    for url in urls:
        url = url.replace("http://127.0.0.1:8000", base)
        if url.endswith("/api/v1"):
            assert _get(f"{url}/accounts", admin)[0] == 200
        elif url.endswith("/scim/v2"):
            assert _get(f"{url}/ServiceProviderConfig", scim)[0] == 200
        else:
            status, body = _get(url)
            assert status == 200 and b"EntityDescriptor" in body, url
    for path in paths:
        status, _ = _get(f"{base}{path}")
        assert status in (200, 302, 303) or (path == "/me" and status == 401), (path, status)


def _check_token_create(run: MakeRun) -> None:
    gateway = Path(sys.executable).parent / "gateway"
    made = subprocess.run(
        [str(gateway), "token", "create", "--account", "acme", "--kind", "admin"],
        env=run.environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    token = re.search(r"(gwa_\S+)", made)
    assert token, made
    assert _get(f"{run.url}/api/v1/accounts", token.group(1))[0] == 200
