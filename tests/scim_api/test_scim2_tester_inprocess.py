"""scim2-tester in-process on the Flask app (scim2-client's WSGI engine): fast feedback.

Users are created as scim2-tester makes them (userName a UUID, no emails: accepted, with no
email); the live run in ``test_live_conformance.py`` is the one that counts.
"""

from __future__ import annotations

from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server
from scimlive import failed_checks

from gateway.demo import init_demo


def test_scim2_tester_in_process_finds_no_failure(app, sqlite_store):
    token = init_demo(sqlite_store).tokens["acme scim"]
    acme = sqlite_store.find_account("acme")
    sqlite_store.set_plan(acme.id, "On-Prem", 100, actor="test")
    client = WSGISCIMClient(
        app, base_url="http://localhost/scim/v2", headers={"Authorization": f"Bearer {token}"}
    )
    client.discover()
    results = check_server(client)
    checks = [(r.status.name, r.title or "", r.reason or "") for r in results]
    assert failed_checks(checks) == []
    assert sum(1 for r in results if r.status == Status.SUCCESS) >= 140
