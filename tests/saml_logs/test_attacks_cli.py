"""``gateway idp attacks``: the corpus written with its manifest, and posted to a live gateway."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading

from gateway.testing.client import http as request
from gateway.testing.server import CLI
from idp_fixtures.corpus import ACCEPTED


def _trust_demo_idp(server, admin):
    """Point the test account's SSO at the live gateway's demo IdP."""
    status, metadata = request("GET", f"{server.url}/idp/metadata", headers={"Accept": "*/*"})
    assert status == 200
    entity_id = metadata.split('entityID="', 1)[1].split('"', 1)[0]
    body = metadata.split("<ds:X509Certificate>", 1)[1].split("</ds:X509Certificate>", 1)[0]
    pem = f"-----BEGIN CERTIFICATE-----\n{body.strip()}\n-----END CERTIFICATE-----\n"
    admin.call(
        "PUT",
        f"/accounts/{admin.account['id']}/saml",
        {
            "idp_entity_id": entity_id,
            "sign_in_url": f"{server.url}/idp",
            "certificates": [pem],
            "allow_idp_initiated": True,
            "save_response_logs": True,
        },
    )


def _attacks(server, *args):
    return subprocess.run(
        [sys.executable, "-c", CLI, "idp", "attacks", *args],
        env=server.environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_every_attack_posted_to_a_live_gateway_is_refused_with_its_code(
    gateway_server, gateway_admin, tmp_path
):
    _trust_demo_idp(gateway_server, gateway_admin)
    vanity = gateway_admin.account["vanity"]
    done = _attacks(gateway_server, "--account", vanity, "--post", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[2:]]
    verdicts = {row[0]: row for row in rows}
    assert verdicts["genuine"][2] == ACCEPTED and verdicts["genuine"][3] == "ok"
    refused = [row for name, row in verdicts.items() if name != "genuine"]
    assert len(refused) >= 25
    for name, expected, got, *mark in refused:
        assert got == expected and mark == ["refused"], (name, expected, got, mark)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [a["name"] for a in manifest["attacks"]] == list(verdicts)
    assert manifest["attacks"][1] == {
        "name": "replay",
        "description": "the genuine response posted a second time",
        "expected": "refused: replayed",
        "expected_code": "replayed",
        "file": "02-replay.b64",
    }
    assert (tmp_path / "03-xsw1.b64").read_text().strip()
    logs = gateway_admin.call("GET", f"/accounts/{gateway_admin.account['id']}/saml/logs?limit=200")
    assert logs["count"] == len(verdicts)  # every post is in the account's response logs


class _AcceptEverything(http.server.BaseHTTPRequestHandler):
    """An ACS that signs anyone in: 200 to every POST."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"outcome": "signed_in"}')

    def log_message(self, *args):
        pass


def test_an_acs_that_accepts_an_attack_makes_the_command_fail(gateway_server, gateway_admin):
    _trust_demo_idp(gateway_server, gateway_admin)
    naive = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AcceptEverything)
    threading.Thread(target=naive.serve_forever, daemon=True).start()
    try:
        acs = f"http://127.0.0.1:{naive.server_address[1]}/saml/SSO"
        vanity = gateway_admin.account["vanity"]
        done = _attacks(gateway_server, "--account", vanity, "--post", "--acs", acs)
    finally:
        naive.shutdown()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ACCEPTED attacks: replay, xsw1, xsw2" in done.stderr
    assert "xsw1" in done.stdout and "ACCEPTED" in done.stdout


def test_the_saml_attacks_fixture_gives_the_corpus_for_the_tests_account(
    saml_attacks, gateway_admin, gateway_idp
):
    gateway_admin.configure_sso(gateway_idp)
    corpus = saml_attacks()
    acs = f"{gateway_admin.base_url}/v/{gateway_admin.vanity}/saml/SSO"
    for attack in corpus:
        status, body = request("POST", acs, form={"SAMLResponse": attack.saml_response})
        got = ACCEPTED if status in (200, 202) else body["code"]
        assert got == attack.expected, attack.name


def test_a_refused_control_says_the_verdicts_prove_nothing(gateway_server, gateway_admin):
    _trust_demo_idp(gateway_server, gateway_admin)
    vanity = gateway_admin.account["vanity"]
    done = _attacks(
        gateway_server,
        *("--account", vanity, "--post", "--sp-entity-id", "https://not-this-sp.example.test"),
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "CONTROL REFUSED" in done.stdout and "prove" in done.stderr


def test_the_corpus_is_written_without_a_server_and_an_unreachable_acs_is_refused(
    tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from gateway.cli import main

    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("GATEWAY_IDP_KEY_DIR", str(tmp_path / "idp"))
    runner = CliRunner()
    assert runner.invoke(main, ["init-demo"]).exit_code == 0
    out = tmp_path / "corpus"
    written = runner.invoke(main, ["idp", "attacks", "--account", "acme", "--out", str(out)])
    assert written.exit_code == 0, written.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["attacks"]) == len(list(out.glob("*.b64"))) >= 27
    assert manifest["acs_url"].endswith("/v/acme/saml/SSO")
    nowhere = runner.invoke(
        main, ["idp", "attacks", "--account", "acme", "--post", "--acs", "http://127.0.0.1:9/x"]
    )
    assert nowhere.exit_code == 2 and "acs_unreachable" in nowhere.output
    neither = runner.invoke(main, ["idp", "attacks", "--account", "acme"])
    assert neither.exit_code == 2 and "--out DIR, --post" in neither.output
