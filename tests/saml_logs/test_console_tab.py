"""The console's SAML logs tab: list, detail with pretty-printed XML, explain again."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

from tests.support.console import make_demo_world


def _world(sqlite_store, tmp_path):
    world = make_demo_world(sqlite_store, tmp_path)
    acme = world.account("acme")
    config, _ = sqlite_store.get_saml_config(acme.id)
    sqlite_store.put_saml_config(acme.id, {**config, "save_response_logs": True}, actor="test")
    return world, acme


def _sign_in_by_cli_path(world, name_id):
    """Post a demo-IdP response to Acme's ACS as JSON; returns the answer."""
    from gateway.demo_idp import signed_response

    sso = world.app.extensions["gateway.sso"]
    response, acs = signed_response(sso, world.account("acme"), name_id, {"dept": ["eng"]})
    return world.client.post(
        urlsplit(acs).path, data={"SAMLResponse": response}, headers={"Accept": "application/json"}
    )


def test_the_tab_lists_entries_and_the_detail_shows_the_response_pretty_printed(
    sqlite_store, tmp_path
):
    world, _ = _world(sqlite_store, tmp_path)
    answer = _sign_in_by_cli_path(world, "tab@acme.test")
    assert answer.status_code == 200, answer.text
    tracking_id = answer.json["tracking_id"]
    world.sign_in()
    listing = world.client.get("/console/saml-logs")
    assert listing.status_code == 200
    assert tracking_id in listing.text and "tab@acme.test" in listing.text
    assert 'data-testid="saml-logs-off"' not in listing.text
    detail = world.client.get(f"/console/saml-logs/{tracking_id}")
    assert detail.status_code == 200
    raw = re.search(r'data-testid="raw-response">(.*?)</pre>', detail.text, re.S).group(1)
    assert "\n  &lt;saml:Assertion" in raw or "\n  &lt;saml2:Assertion" in raw  # indented
    assert "Explain again with the current rules" in detail.text


def test_explain_again_shows_the_decision_under_the_current_rules(sqlite_store, tmp_path):
    world, acme = _world(sqlite_store, tmp_path)
    tracking_id = _sign_in_by_cli_path(world, "again@acme.test").json["tracking_id"]
    world.app.extensions["gateway.rules"].save(
        acme.id,
        [
            {
                "category": "user_group_admin",
                "conditions": [{"attribute": "dept", "values": ["eng"]}],
                "result": "Engineering",
            }
        ],
        actor="test",
    )
    world.sign_in()
    page = world.client.get(f"/console/saml-logs/{tracking_id}?explain=1")
    section = re.search(r'data-testid="explanation">(.*?)</section>', page.text, re.S).group(1)
    decision = json.loads(html.unescape(re.search(r"<pre>(.*?)</pre>", section, re.S).group(1)))
    assert decision["settings"] == {"user_group_admin": "Engineering"}


def test_an_unknown_tracking_id_is_a_404_page(sqlite_store, tmp_path):
    world, _ = _world(sqlite_store, tmp_path)
    world.sign_in()
    missing = world.client.get("/console/saml-logs/WEB_nope")
    assert missing.status_code == 404 and "saml_log_not_found" in missing.text
