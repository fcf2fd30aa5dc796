"""A full run against a live gateway (sign-in through the demo IdP, SCIM provisioning, activation,
password sign-up and login, admin calls, a bad token): no secret used is in its log or, apart
from hashes, in its database file."""

from __future__ import annotations

import html
import pathlib
import re
import urllib.parse

import pytest
import sqlalchemy as sa

from gateway.serving import redact_path
from gateway.store import schema
from gateway.store.base import hash_secret
from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.plugin import operator_outbox
from gateway.testing.server import LiveGateway

pytestmark = pytest.mark.live
PASSWORD = "Tr0ub4dor&3-not-in-logs"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Run the flow once; yields (server, the secrets it used)."""
    folder = tmp_path_factory.mktemp("secrets")
    url = f"sqlite:///{folder / 'gateway.db'}"
    SqlStore.from_url(url).dispose()
    server = LiveGateway(url, folder, demo=True)
    tokens = dict(re.findall(r"token \((.+?), shown once\): (\S+)", server.cli("init-demo")))
    secrets: dict[str, str] = {f"token {k}": v for k, v in tokens.items()}
    with server:
        secrets.update(_flow(server, tokens))
    yield server, secrets


def _flow(server: LiveGateway, tokens: dict[str, str]) -> dict[str, str]:
    used: dict[str, str] = {}
    admin = {"Authorization": f"Bearer {tokens['acme admin']}"}
    scim = {"Authorization": f"Bearer {tokens['acme scim']}"}
    # Sign-in through the demo IdP page: the auto-post form carries the SAMLResponse.
    _, page = http("POST", f"{server.url}/idp/sign", form={"account": "acme", "persona": "0"})
    saml_response = html.unescape(re.search(r'name="SAMLResponse" value="([^"]+)"', page)[1])
    used["SAMLResponse"] = saml_response
    status, decision = http(
        "POST", f"{server.url}/v/acme/saml/SSO", form={"SAMLResponse": saml_response}
    )
    assert status == 200, decision
    used["assertion id"] = decision["assertion"]["assertion_id"]
    # SCIM provisioning of a user outside the verified domain: pending, activation emailed.
    body = {"schemas": [USER_URN], "userName": "pending.person@elsewhere.test"}
    status, created = http("POST", f"{server.url}/scim/v2/Users", json_body=body, headers=scim)
    assert status == 201, created
    _, acme = http("GET", f"{server.url}/api/v1/accounts", headers=admin)
    acme_id = acme["accounts"][0]["id"]
    # The link is read as the operator reads it (the admin API withholds it).
    outbox = operator_outbox(server.database_url, acme_id)
    link = next(m["link"] for m in outbox if m["recipient"].startswith("pending."))
    used["activation secret"] = urllib.parse.urlsplit(link).path.rsplit("/", 1)[1]
    for method in ("GET", "POST"):  # the page, then its button
        status, _ = http(method, server.url + urllib.parse.urlsplit(link).path)
        assert status == 200
    # Password sign-up and login.
    signup = {"email": "pw.user@elsewhere.test", "password": PASSWORD}
    assert http("POST", f"{server.url}/api/v1/signup", json_body=signup)[0] in (200, 201)
    status, _ = http("POST", f"{server.url}/api/v1/login", json_body=signup)
    assert status == 200
    used["password"] = PASSWORD
    # A made-up token is refused, and is not logged either.
    bogus = "bogus-token-0123456789abcdef"
    status, _ = http(
        "GET", f"{server.url}/api/v1/accounts", headers={"Authorization": f"Bearer {bogus}"}
    )
    assert status == 401
    used["bogus token"] = bogus
    return used


def test_the_log_of_a_full_run_holds_no_secret(run):
    server, secrets = run
    log = server.log_path.read_text()
    assert "/api/v1/login" in log  # the log is the server's, and it logged the run
    leaked = [name for name, value in secrets.items() if value in log]
    assert leaked == []


def test_the_database_file_holds_no_bearer_token_or_password_in_clear(run):
    server, secrets = run
    database = pathlib.Path(server.database_url.removeprefix("sqlite:///"))
    stored = b"".join(
        p.read_bytes() for p in (database, database.with_name("gateway.db-wal")) if p.exists()
    )
    assert len(stored) > 10_000
    kept = [
        name
        for name, value in secrets.items()
        if (name.startswith("token") or name == "password") and value.encode() in stored
    ]
    assert kept == []


def test_an_activation_secret_is_kept_as_its_hash_and_only_the_outbox_email_holds_the_link(run):
    server, secrets = run
    secret = secrets["activation secret"]
    store = SqlStore.from_url(server.database_url, migrate=False)
    try:
        with store.transaction() as conn:
            hashes = set(conn.execute(sa.select(schema.action_tokens.c.token_hash)).scalars())
            holders = [
                table.name
                for table in schema.metadata.sorted_tables
                for row in conn.execute(sa.select(table))
                if any(secret in str(value) for value in row)
            ]
    finally:
        store.dispose()
    assert hash_secret(secret) in hashes
    assert holders == ["outbox"]  # the queued email itself (read by the operator only)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/activate/s3cr3t", "/activate/[redacted]"),
        ("/invitations/s3cr3t?x=1", "/invitations/[redacted]?x=1"),
        ("/api/v1/invitations/s3cr3t/accept", "/api/v1/invitations/[redacted]/accept"),
        ("/api/v1/consolidations/status/s3cr3t", "/api/v1/consolidations/status/[redacted]"),
        ("/api/v1/accounts/1/users", "/api/v1/accounts/1/users"),
        ("/no/such/route", "/no/such/route"),
    ],
)
def test_the_access_log_redacts_every_secret_url_variable(app, path, logged):
    assert redact_path(app, path) == logged
