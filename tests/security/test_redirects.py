"""Redirects stay home: RelayState (at /saml/login and the ACS) and the console's ``next`` are
reduced to a path on this origin the way a browser reads a Location; anything else is ``/me``
(or the console's accounts page)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.app import create_app

PUBLIC = "http://127.0.0.1:8000"
ACS = f"{PUBLIC}/v/acme/saml/SSO"
SP_ENTITY = f"{PUBLIC}/v/acme/saml/metadata/sp"
HOSTILE = [
    "/\t/example.com",
    "/\n/example.com",
    "/\\example.com",
    "\\\\example.com",
    "//example.com",
    " //example.com",
    "/%2F/example.com",
    "/%5Cexample.com",
    "/%252F%252Fexample.com",
    "https://example.com/",
    "HTTP://127.0.0.1:8000@example.com/",
    "javascript:alert(1)",
    "\x01javascript:alert(1)",
]


@pytest.fixture
def idp_initiated():
    """Acme takes IdP-initiated responses here: the ACS tests post unsolicited ones."""
    return True


@pytest.fixture
def client(sqlite_store, acme):
    app = create_app({"public_url": PUBLIC}, store=sqlite_store)
    return app.test_client()


def _acs(client, idp, clock, relay_state):
    response = idp.make_response(
        sp_entity_id=SP_ENTITY, acs_url=ACS, name_id="owner@acme.test", now=clock.now()
    )
    return client.post(
        "/v/acme/saml/SSO", data={"SAMLResponse": response, "RelayState": relay_state}
    )


@pytest.mark.parametrize("relay_state", HOSTILE)
def test_a_hostile_relay_state_at_the_acs_lands_on_me(client, idp, clock, relay_state):
    answer = _acs(client, idp, clock, relay_state)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/me"


def test_a_relay_state_with_a_tab_cannot_send_the_browser_to_another_site(client, idp, clock):
    # The reported case: "/<TAB>/example.com" ended in "Location: //example.com".
    answer = _acs(client, idp, clock, "/\t/example.com")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/me")


def test_a_relay_state_with_cr_lf_is_a_redirect_not_a_500(client, idp, clock):
    answer = _acs(client, idp, clock, "/me\r\nSet-Cookie: planted=1")
    assert answer.status_code == 303
    assert "\n" not in answer.headers["Location"] and "\r" not in answer.headers["Location"]
    assert "planted" not in answer.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(
    ("relay_state", "kept"),
    [
        ("/me", "/me"),
        ("/console/accounts?x=1", "/console/accounts?x=1"),
        (f"{PUBLIC}/console/users", "/console/users"),
    ],
)
def test_a_local_relay_state_is_kept(client, idp, clock, relay_state, kept):
    assert _acs(client, idp, clock, relay_state).headers["Location"] == kept


@pytest.mark.parametrize("relay_state", HOSTILE)
def test_a_hostile_relay_state_at_saml_login_is_not_sent_to_the_idp(client, relay_state):
    answer = client.get("/v/acme/saml/login", query_string={"RelayState": relay_state})
    assert answer.status_code == 302
    sent = parse_qs(urlsplit(answer.headers["Location"]).query)["RelayState"]
    assert sent == ["/me"]


@pytest.mark.parametrize(
    "target", ["//example.com/console/", "/\\example.com/console/", "\t//example.com/console/"]
)
def test_a_hostile_console_next_falls_back_to_the_accounts_page(sqlite_store, target):
    account = sqlite_store.create_account("Acme", "owner@acme.test", actor="t", vanity="acme")
    _, token = sqlite_store.create_token(account.id, "admin", actor="t")
    client = create_app({"public_url": PUBLIC}, store=sqlite_store).test_client()
    page = client.get("/console/signin").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"token": token, "next": target, **({"csrf_token": csrf[1]} if csrf else {})}
    answer = client.post("/console/signin", data=form)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/console/accounts"
