"""Two gateway processes on one PostgreSQL database behave as one: a sign-in started on one
finishes on the other, a replay is caught across them, and a session opened on one is seen by
the other."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from lxml import etree

from gateway.config import GatewayConfig
from gateway.demo import init_demo
from gateway.demo_idp import demo_idp

pytestmark = pytest.mark.live

GATEWAY = str(Path(sys.executable).parent / "gateway")
MEMBER = {"memberOf": ["global_users", "engineering"], "givenName": ["Sam"]}


@pytest.fixture
def backend() -> str:
    """Only PostgreSQL: SQLite is one machine's file, not a database two hosts share."""
    if not os.environ.get("GATEWAY_TEST_POSTGRES_URL"):
        pytest.skip("GATEWAY_TEST_POSTGRES_URL is not set: the scale-out test needs PostgreSQL")
    return "postgresql"


@dataclass(frozen=True)
class Gateway:
    """One running ``gateway serve`` process."""

    port: int

    def request(
        self, method: str, path: str, body: str | None = None, cookie: str | None = None
    ) -> http.client.HTTPResponse:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            headers["Cookie"] = cookie
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path, body, headers)
        return connection.getresponse()

    def post_response(
        self, saml_response: str, cookie: str | None = None
    ) -> tuple[int, dict[str, object], str]:
        """Post to Acme's ACS (with the browser's cookie): (status, JSON body, session cookie
        or "")."""
        answer = self.request(
            "POST", "/v/acme/saml/SSO", urlencode({"SAMLResponse": saml_response}), cookie
        )
        cookie = (answer.getheader("Set-Cookie") or "").split(";", 1)[0]
        return answer.status, json.loads(answer.read()), cookie


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(gateway: Gateway, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway on {gateway.port} exited with {process.returncode}")
        try:
            if gateway.request("GET", "/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"gateway on {gateway.port} did not answer within 20 s")


@pytest.fixture
def config(store, tmp_path) -> GatewayConfig:
    """One public URL for both processes (the load balancer's), and the demo IdP's keys."""
    url = store.engine.url.render_as_string(hide_password=False)
    public = f"http://127.0.0.1:{free_port()}"
    return GatewayConfig(database_url=url, public_url=public, idp_key_dir=str(tmp_path / "idp"))


@pytest.fixture
def gateways(store, config) -> Iterator[tuple[Gateway, Gateway]]:
    """The demo world with Acme's SSO, served by two ``gateway serve`` processes."""
    init_demo(store, config)
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": config.database_url,
        "GATEWAY_PUBLIC_URL": config.public_url,
        "GATEWAY_IDP_KEY_DIR": config.idp_key_dir,
    }
    pair = (Gateway(free_port()), Gateway(free_port()))
    processes = [
        subprocess.Popen(
            [GATEWAY, "serve", "--host", "127.0.0.1", "--port", str(g.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for g in pair
    ]
    try:
        for gateway, process in zip(pair, processes, strict=True):
            wait_until_up(gateway, process)
        yield pair
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def request_id_of(location: str) -> str:
    """The ID of the AuthnRequest carried by a Redirect-binding URL (raw DEFLATE, base64)."""
    encoded = parse_qs(urlsplit(location).query)["SAMLRequest"][0]
    xml = zlib.decompress(base64.b64decode(encoded), -15)
    return str(etree.fromstring(xml, etree.XMLParser(resolve_entities=False)).get("ID"))


def signed(config: GatewayConfig, name_id: str, in_response_to: str | None = None) -> str:
    base = f"{config.public_url}/v/acme/saml"
    return demo_idp(config).make_response(
        sp_entity_id=f"{base}/metadata/sp",
        acs_url=f"{base}/SSO",
        name_id=name_id,
        attributes=MEMBER,
        in_response_to=in_response_to,
        now=dt.datetime.now(dt.UTC),
    )


def test_a_sign_in_started_on_one_gateway_finishes_on_the_other(gateways, config):
    first, second = gateways
    login = first.request("GET", "/v/acme/saml/login?RelayState=/me")
    assert login.status == 302
    request_id = request_id_of(login.getheader("Location") or "")
    browser = (login.getheader("Set-Cookie") or "").split(";", 1)[0]  # the request's binding

    status, decision, cookie = second.post_response(
        signed(config, "sam@acme.test", request_id), browser
    )

    assert status == 200, decision
    assert decision["outcome"] == "signed_in"
    me = first.request("GET", "/me", cookie=cookie)
    assert me.status == 200 and json.loads(me.read())["user"]["email"] == "sam@acme.test"


def test_an_outstanding_request_is_spent_once_across_gateways(gateways, config):
    first, second = gateways
    login = first.request("GET", "/v/acme/saml/login")
    request_id = request_id_of(login.getheader("Location") or "")
    browser = (login.getheader("Set-Cookie") or "").split(";", 1)[0]  # the request's binding
    assert second.post_response(signed(config, "ana@acme.test", request_id), browser)[0] == 200

    status, refusal, _ = first.post_response(signed(config, "ana@acme.test", request_id), browser)

    assert status in (400, 403) and refusal["code"] == "in_response_to_unknown"


def test_a_replay_is_caught_across_gateways(gateways, config):
    first, second = gateways
    response = signed(config, "rae@acme.test")

    accepted = first.post_response(response)
    replayed = second.post_response(response)

    assert accepted[0] == 200 and accepted[1]["outcome"] == "signed_in"
    assert replayed[0] in (400, 403) and replayed[1]["code"] == "replayed"
