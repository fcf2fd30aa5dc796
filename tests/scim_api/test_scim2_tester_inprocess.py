"""scim2-tester in-process on the Flask app (scim2-client's WSGI engine): fast feedback.

userName is what scim2-tester generates (a UUID, not an email); every User it creates is given
a work email of the account's associated domain, as an IdP sends it, because this service needs
an email to sign a user in (see ``scimlive.SCIM2_TESTER_EXPECTED``). So every User check runs to
its end here; the live run in ``test_live_conformance.py`` is the one that counts.
"""

from __future__ import annotations

import typing
import uuid

import pytest
import scim2_tester.filling as filling
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server
from scimlive import SCIM2_TESTER_EXPECTED, documented_reasons_met, unexplained_scim2_failures

from gateway.demo import init_demo


@pytest.fixture
def users_with_an_email(monkeypatch):
    fill = filling.fill_with_random_values

    def with_an_email(context, obj, *args, **kwargs):
        filled = fill(context, obj, *args, **kwargs)
        if hasattr(filled, "user_name") and not getattr(filled, "emails", None):
            # The discovered model's own Emails class; built without the client-side check,
            # which refuses the reserved .test domain.
            annotation = type(filled).model_fields["emails"].annotation
            (items,) = [a for a in typing.get_args(annotation) if a is not type(None)]
            (emails_class,) = typing.get_args(items)
            value = f"{uuid.uuid4().hex}@acme.test"
            filled.emails = [emails_class.model_construct(value=value, type="work", primary=True)]
        return filled

    monkeypatch.setattr(filling, "fill_with_random_values", with_an_email)


def test_scim2_tester_in_process_finds_nothing_but_the_documented_deviations(
    app, sqlite_store, users_with_an_email
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
    assert documented_reasons_met(checks) == set(SCIM2_TESTER_EXPECTED)
    assert sum(1 for r in results if r.status == Status.SUCCESS) >= 135
