"""The demo IdP works whatever URL the gateway is served at (issue 17 item 1)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from gateway.app import create_app
from gateway.demo import init_demo, retrust_demo_idp
from gateway.demo_idp import DEMO_IDP_ENTITY_ID
from gateway.testing.server import LiveGateway

DEFAULT_URL = "http://127.0.0.1:8000"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post(url: str, form: dict[str, str]) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode(form).encode()
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=30) as answer:
            return answer.status, _lower(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, _lower(e.headers), e.read().decode()


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@pytest.fixture
def served_elsewhere(tmp_path):
    """init-demo run for the default URL, then the gateway served on another port."""
    database = f"sqlite:///{tmp_path}/gateway.db"
    earlier = LiveGateway(database, tmp_path, demo=True, env={"GATEWAY_PUBLIC_URL": DEFAULT_URL})
    earlier.cli("init-demo")
    with LiveGateway(database, tmp_path, demo=True) as gateway:
        assert gateway.url != DEFAULT_URL
        yield gateway


def test_the_idp_page_signs_a_persona_in_on_another_port(served_elsewhere):
    gateway = served_elsewhere
    status, _, page = _post(f"{gateway.url}/idp/sign", {"account": "acme", "persona": "1"})
    assert status == 200, page
    action = re.search(r'action="([^"]+)"', page).group(1)
    response = re.search(r'name="SAMLResponse" value="([^"]+)"', page).group(1)
    landed, _, body = _post(f"{gateway.url}{action}", {"SAMLResponse": response})
    assert landed == 303, body
    assert "untrusted_key" not in body


def test_the_cli_signs_and_posts_against_the_gateway_on_another_port(served_elsewhere):
    out = served_elsewhere.cli(
        "idp", "sign", "--account", "acme", "--nameid", "paul@acme.test",
        "--attr", "memberOf=HIPAA", "--post",
    )  # fmt: skip
    assert json.loads(out)["outcome"] == "signed_in"


def test_sp_initiated_sign_in_goes_to_the_idp_at_the_served_url(served_elsewhere):
    gateway = served_elsewhere
    status, headers, body = _post(f"{gateway.url}/console/signin/sso", {"account": "acme"})
    assert status == 303, body
    assert headers["location"].startswith(f"{gateway.url}/idp?SAMLRequest=")


def test_serving_re_trusts_a_demo_idp_named_for_an_older_url(sqlite_store, tmp_path):
    config = {"demo": True, "idp_key_dir": str(tmp_path / "idp"), "public_url": DEFAULT_URL}
    app = create_app(config, store=sqlite_store)
    init_demo(sqlite_store, app.extensions["gateway.config"])
    acme = sqlite_store.find_account("acme")
    saml, _ = sqlite_store.get_saml_config(acme.id)
    legacy = {
        **saml,
        "idp_entity_id": f"{DEFAULT_URL}/idp/metadata",
        "sign_in_url": f"{DEFAULT_URL}/idp",
        "certificates": ["-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n"],
    }
    sqlite_store.put_saml_config(acme.id, legacy, actor="t")
    moved = create_app({**config, "public_url": "http://127.0.0.1:8080"}, store=sqlite_store)
    assert retrust_demo_idp(sqlite_store, moved.extensions["gateway.config"]) == ["Acme"]
    saml, _ = sqlite_store.get_saml_config(acme.id)
    assert saml["idp_entity_id"] == DEMO_IDP_ENTITY_ID
    assert saml["sign_in_url"] == "http://127.0.0.1:8080/idp"
    assert saml["attribute_map"] == legacy["attribute_map"]
    assert retrust_demo_idp(sqlite_store, moved.extensions["gateway.config"]) == []


def test_re_trusting_leaves_an_account_pointed_at_another_idp_alone(sqlite_store, tmp_path):
    config = {"demo": True, "idp_key_dir": str(tmp_path / "idp"), "public_url": DEFAULT_URL}
    app = create_app(config, store=sqlite_store)
    init_demo(sqlite_store, app.extensions["gateway.config"])
    acme = sqlite_store.find_account("acme")
    saml, _ = sqlite_store.get_saml_config(acme.id)
    own = {
        **saml,
        "idp_entity_id": "https://idp.acme.test",
        "sign_in_url": "https://idp.acme.test/sso",
    }
    sqlite_store.put_saml_config(acme.id, own, actor="t")
    assert retrust_demo_idp(sqlite_store, app.extensions["gateway.config"]) == []
    assert sqlite_store.get_saml_config(acme.id)[0] == own
