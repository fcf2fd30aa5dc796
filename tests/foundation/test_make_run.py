"""`make run` from the repository: demo data, printed URL and tokens, a serving gateway."""

from __future__ import annotations

import json
import pathlib
import re
import urllib.request

import pytest

from gateway.testing.server import MakeRun

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.live
def test_make_run_serves_the_demo_and_prints_what_a_user_needs(tmp_path):
    with MakeRun(ROOT, tmp_path) as run:
        url = re.search(r"Gateway serving on (http://127\.0\.0\.1:\d+)/", run.printed)
        assert url, run.printed
        base = url.group(1)
        assert base == f"http://127.0.0.1:{run.port}"
        admin = run.token("admin")
        assert admin.startswith("gwa_"), run.printed
        assert _get(f"{base}/healthz") == (200, {"status": "ok"})
        assert _get(f"{base}/api/v1/openapi.json")[1]["openapi"].startswith("3.")
        status, accounts = _get(f"{base}/api/v1/accounts", admin)
        names = [a["name"] for a in accounts["accounts"]]
        assert status == 200 and names == ["Acme", "Acme Healthcare", "Acme Labs"]
