"""``gateway oauth-app create|list|revoke``, then the token call with what create printed."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.oauth import storage
from tests.support.zoom_oauth import basic, new_account


@pytest.fixture
def cli(backend, request, tmp_path, store, monkeypatch):
    """A CLI runner on the test's database (GATEWAY_DATABASE_URL)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/gateway.db"
    else:
        url = request.getfixturevalue("postgres_migrated_url")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["oauth-app", *args])


def printed(output, field):
    found = re.search(rf"^{field}:\s+(\S+)$", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def test_create_prints_the_account_id_client_id_and_secret_once(cli, store, http):
    account = new_account(store, "Acme")
    done = cli("create", "--account", account.vanity, "--scopes", "scim2")
    assert done.exit_code == 0, done.output
    assert printed(done.output, "account_id") == account.number
    client_id = printed(done.output, "client_id")
    secret = printed(done.output, "client_secret")
    url = f"/oauth/token?grant_type=account_credentials&account_id={account.number}"
    response = http.post(url, headers=basic(client_id, secret))
    assert response.status_code == 200
    assert response.get_json()["scope"] == "scim2"
    listed = cli("list", "--account", account.number)
    assert listed.exit_code == 0
    assert client_id in listed.output
    assert secret not in listed.output


def test_revoke_by_client_id_stops_the_app(cli, store, http):
    account = new_account(store, "Acme")
    app, secret = storage.create_app(store, account.id, "scim2", actor="test")
    done = cli("revoke", "--account", account.vanity, app.client_id)
    assert done.exit_code == 0, done.output
    assert "revoked" in done.output
    url = f"/oauth/token?grant_type=account_credentials&account_id={account.number}"
    response = http.post(url, headers=basic(app.client_id, secret))
    assert response.get_json()["error"] == "invalid_client"
    assert "revoked" in cli("list", "--account", account.vanity).output


def test_an_app_of_another_account_cannot_be_revoked_through_this_one(cli, store):
    acme = new_account(store, "Acme")
    globex = new_account(store, "Globex")
    app, _ = storage.create_app(store, globex.id, "scim2", actor="test")
    done = cli("revoke", "--account", acme.vanity, str(app.id))
    assert done.exit_code == 2
    assert "oauth_app_not_found" in done.output
    assert storage.get_app(store, globex.id, app.id).live


def test_a_scope_written_wrongly_is_refused_with_its_code(cli, store):
    account = new_account(store, "Acme")
    done = cli("create", "--account", account.vanity, "--scopes", "SCIM2 admin!")
    assert done.exit_code == 2
    assert "invalid_scope" in done.output
    assert storage.list_apps(store, account.id) == []


def test_an_unknown_account_is_refused_with_its_code(cli, store):
    done = cli("create", "--account", "nosuchaccount", "--scopes", "scim2")
    assert done.exit_code == 2
    assert "account_not_found" in done.output
