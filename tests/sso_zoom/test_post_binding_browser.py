"""HTTP-POST binding in a real browser: the gateway's form posts the AuthnRequest to an IdP that
accepts only POST, whose answer signs the browser in (Debian chromium, never a download)."""

from __future__ import annotations

import base64
import html
import json
import pathlib
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from lxml import etree

from gateway.saml import ns
from gateway.testing.server import LiveGateway, free_port
from idp_fixtures.idp import TestIdP

CHROMIUM = pathlib.Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing: 'make sysdeps' installs it "
        "(apt-get install chromium)",
    ),
]


class PostOnlyIdP(BaseHTTPRequestHandler):
    """An IdP endpoint that takes AuthnRequests by HTTP-POST only and answers with a form."""

    idp: TestIdP
    seen: list[tuple[str, etree._Element]]

    def do_GET(self) -> None:
        self.send_error(405, "this IdP takes AuthnRequests by HTTP-POST only")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        request = etree.fromstring(base64.b64decode(form["SAMLRequest"][0]))
        self.seen.append(("POST", request))
        response = self.idp.make_response(
            sp_entity_id=request.findtext(ns.saml("Issuer")),
            acs_url=request.get("AssertionConsumerServiceURL"),
            name_id="ada@acme.test",
            in_response_to=request.get("ID"),
        )
        relay = form.get("RelayState", [""])[0]
        acs = html.escape(request.get("AssertionConsumerServiceURL"))
        page = (
            '<!doctype html><html><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{acs}">'
            f'<input type="hidden" name="SAMLResponse" value="{response}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(relay)}">'
            "</form></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def post_only_idp() -> Iterator[tuple[str, TestIdP, list[tuple[str, etree._Element]]]]:
    idp = TestIdP("https://post-only-idp.test/")
    seen: list[tuple[str, etree._Element]] = []
    handler = type("Handler", (PostOnlyIdP,), {"idp": idp, "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sso", idp, seen
    server.shutdown()
    server.server_close()


def test_a_browser_submits_the_post_binding_form_and_is_signed_in(
    tmp_path, post_only_idp, chromium
):
    sso_url, idp, seen = post_only_idp
    server = LiveGateway(f"sqlite:///{tmp_path / 'gateway.db'}", tmp_path, demo=True)
    printed = server.cli("init-demo")
    token = printed.split("token (acme admin, shown once): ", 1)[1].split()[0]
    with server:
        settings = {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": sso_url,
            "certificates": [idp.certificate_pem],
            "binding": "HTTP-POST",
        }
        accounts = _api(server.url, token, "GET", "/accounts")["accounts"]
        acme = next(a for a in accounts if a["vanity"] == "acme")
        _api(server.url, token, "PUT", f"/accounts/{acme['id']}/saml", settings)
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{server.url}/v/acme/saml/login?RelayState=/me")
            page.wait_for_url(f"{server.url}/me")
            heading = page.locator("h1").inner_text()
            body = page.locator("body").inner_text()
        finally:
            context.close()
    assert heading == "Signed in" and "ada@acme.test" in body
    [(method, request)] = seen
    assert method == "POST" and request.tag == ns.samlp("AuthnRequest")
    assert request.find(ns.ds("Signature")) is not None


def _api(url: str, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{url}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())
