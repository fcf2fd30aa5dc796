"""scim2-tester in-process on the Flask app (scim2-client's WSGI engine): fast feedback.

userName is generated as an email of the account's associated domain, as this service requires
(see ``scimlive.SCIM2_TESTER_EXPECTED``), so every User check runs to its end here; the live
run in ``test_live_conformance.py`` is the one that counts.
"""

from __future__ import annotations

import uuid

import pytest
import scim2_tester.filling as filling
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server
from scimlive import unexplained_scim2_failures

from gateway.demo import init_demo


@pytest.fixture
def email_user_names(monkeypatch):
    generate = filling.generate_random_value

    def with_email_user_names(context, path, mutability=None, required=None):
        value = generate(context, path, mutability, required)
        if isinstance(value, str) and str(path).endswith("userName"):
            return f"{uuid.uuid4().hex}@acme.test"
        return value

    monkeypatch.setattr(filling, "generate_random_value", with_email_user_names)


def test_scim2_tester_in_process_finds_nothing_but_the_documented_deviations(
    app, sqlite_store, email_user_names
):
    token = init_demo(sqlite_store).tokens["acme scim"]
    acme = sqlite_store.find_account("acme")
    sqlite_store.set_plan(acme.id, "On-Prem", 100, actor="test")
    client = WSGISCIMClient(
        app, base_url="http://localhost/scim/v2", headers={"Authorization": f"Bearer {token}"}
    )
    client.discover()
    results = check_server(client)
    checks = [(r.status.name, r.title or "", r.reason or "") for r in results]
    assert unexplained_scim2_failures(checks) == []
    assert sum(1 for r in results if r.status == Status.SUCCESS) >= 130
