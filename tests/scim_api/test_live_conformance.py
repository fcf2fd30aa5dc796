"""Acceptance against a live gateway on loopback: scim2-tester (scim2-cli) and scim-sanity."""

from __future__ import annotations

import re
import subprocess

import pytest
from scimlive import BIN, failed_checks, parse_scim2_test, sanity_failures, start_gateway

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    yield from start_gateway(tmp_path_factory.mktemp("live-scim"))


def test_every_scim2_tester_check_succeeds(live):
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
    assert failed_checks(checks) == [], run.stdout
    successes = sum(1 for status, _, _ in checks if status == "SUCCESS")
    assert successes >= 140


@pytest.mark.parametrize("profile", [None, "entra"])
def test_scim_sanity_finds_no_failure(live, profile):
    command = [
        str(BIN / "scim-sanity"),
        "probe",
        live.url,
        "--token",
        live.token,
        "--i-accept-side-effects",
    ] + (["--profile", profile] if profile else [])
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert sanity_failures(run.stdout) == set(), run.stdout
    passed = re.search(r"(\d+) passed", run.stdout)
    failed = re.search(r"(\d+) failed", run.stdout)
    assert passed and int(passed.group(1)) >= 28, run.stdout
    assert failed is None or int(failed.group(1)) == 0, run.stdout
    assert "Result: All tests passed." in run.stdout
