"""A real gateway process on loopback (demo data, a SCIM token), and the conformance tools' output.

The acceptance is every scim2-tester check SUCCESS and no scim-sanity failure.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
ZOOM_URN = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"

# scim2-tester creates Users with only a UUID userName and no emails: such a user has no email
# to confirm, so it is active or deactivated as the client says (README "SCIM 2.0
# provisioning"), and cannot sign in until an email is set.


@dataclass(frozen=True)
class LiveGateway:
    url: str
    token: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gateway(workdir: Path) -> Iterator[LiveGateway]:
    """``gateway init-demo`` then ``gateway serve`` on a free loopback port; stopped after.

    The demo world is used as it is: it has seats of every userType the Schemas publish.
    """
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite:///{workdir}/gw.db",
        "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("GATEWAY_SMTP_URL", None)
    demo = subprocess.run(
        [str(BIN / "gateway"), "init-demo"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    token = re.search(r"token \(acme scim, shown once\): (gws_\S+)", demo.stdout)
    assert token, demo.stdout
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "gateway"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        yield LiveGateway(f"http://127.0.0.1:{port}/scim/v2", token.group(1))
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the gateway exited during start-up"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 60 s")


def parse_scim2_test(output: str) -> list[tuple[str, str, str]]:
    """(status, title, reason) of each check in ``scim2 test`` output."""
    checks: list[tuple[str, str, str]] = []
    for line in output.splitlines():
        head = re.match(r"^(SUCCESS|ERROR|CRITICAL|WARNING|SKIPPED|UNKNOWN)\s+(\S.*)$", line)
        if head:
            checks.append((head.group(1), head.group(2), ""))
        elif line.startswith("  ") and checks and not checks[-1][2]:
            status, title, _ = checks[-1]
            checks[-1] = (status, title, line.strip())
    return checks


def failed_checks(checks: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The checks that did not succeed."""
    return [c for c in checks if c[0] != "SUCCESS"]


def sanity_failures(output: str) -> set[str]:
    """The names of the [FAIL] and [ERROR] lines of ``scim-sanity probe`` output."""
    return {m.group(2).strip() for m in re.finditer(r"\[(FAIL|ERROR)\]\s+(.+)", output)}
