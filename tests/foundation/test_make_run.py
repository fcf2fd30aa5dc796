"""`make run` from the repository: demo data, printed URL and tokens, a serving gateway."""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.live
def test_make_run_serves_the_demo_and_prints_what_a_user_needs(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gw.db",
        "GATEWAY_IDP_KEY_DIR": str(tmp_path / "idp"),
    }
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Gateway serving on" in line:
                break
        output = "".join(lines)
        url = re.search(r"Gateway serving on (http://127\.0\.0\.1:\d+)/", output)
        assert url, output
        base = url.group(1)
        assert base == f"http://127.0.0.1:{port}"
        admin = re.search(r"token \(acme admin, shown once\): (gwa_\S+)", output)
        assert admin, output
        for _ in range(100):
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert (status, body) == (200, {"status": "ok"})
        assert _get(f"{base}/api/v1/openapi.json")[1]["openapi"].startswith("3.")
        status, accounts = _get(f"{base}/api/v1/accounts", admin.group(1))
        names = [a["name"] for a in accounts["accounts"]]
        assert status == 200 and names == ["Acme", "Acme Healthcare", "Acme Labs"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
