"""Acceptance against a live gateway on loopback: scim2-tester (scim2-cli) and scim-sanity."""

from __future__ import annotations

import re
import subprocess

import pytest
from scimlive import (
    BIN,
    SCIM_SANITY_EXPECTED,
    documented_reasons_as_expected,
    documented_reasons_met,
    parse_scim2_test,
    sanity_failures,
    start_gateway,
    unexplained_scim2_failures,
)

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    yield from start_gateway(tmp_path_factory.mktemp("live-scim"))


def test_scim2_tester_finds_nothing_but_the_documented_deviations(live):
    run = subprocess.run(
        [
            str(BIN / "scim2"),
            "--url",
            live.url,
            "-h",
            f"Authorization: Bearer {live.token}",
            "test",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    checks = parse_scim2_test(run.stdout)
    assert len(checks) >= 40, run.stdout + run.stderr
    assert unexplained_scim2_failures(checks) == []
    assert documented_reasons_as_expected(checks), documented_reasons_met(checks)
    successes = sum(1 for status, _, _ in checks if status == "SUCCESS")
    assert successes >= 140


@pytest.mark.parametrize("profile", [None, "entra"])
def test_scim_sanity_fails_only_the_documented_dangling_member_check(live, profile):
    command = [
        str(BIN / "scim-sanity"),
        "probe",
        live.url,
        "--token",
        live.token,
        "--i-accept-side-effects",
    ] + (["--profile", profile] if profile else [])
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert sanity_failures(run.stdout) == SCIM_SANITY_EXPECTED, run.stdout
    summary = re.search(r"(\d+) passed, (\d+) failed", run.stdout)
    assert summary and int(summary.group(2)) == len(SCIM_SANITY_EXPECTED)
    assert int(summary.group(1)) >= 25
