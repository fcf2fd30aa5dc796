"""The zoom client profile of /scim/v2 is retired: the Zoom dialect lives on /scim2 alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from zoomapi import USER_URN, make_account, zoom_error

from gateway.errors import BadRequest
from gateway.store.schema import tokens


def test_a_scim_v2_token_can_no_longer_be_made_with_the_zoom_profile(store):
    account, _ = make_account(store)
    with pytest.raises(BadRequest) as refused:
        store.create_token(account.id, "scim", actor="t", profile="zoom")
    assert refused.value.code == "invalid_profile"


def test_a_token_made_earlier_with_the_zoom_profile_is_served_as_compatible(gateway_app, store):
    account, secret = make_account(store)
    with store.transaction() as conn:
        conn.execute(
            tokens.update().where(tokens.c.account_id == account.id).values(profile="zoom")
        )
    client = gateway_app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    # Filters and user names the old profile refused are the RFC endpoint's again.
    listed = client.get('/scim/v2/Users?filter=displayName co "a"', headers=headers)
    assert listed.status_code == 200, listed.get_json()
    body = {"schemas": [USER_URN], "userName": "ann.lee", "emails": [{"value": "ann@acme.test"}]}
    created = client.post("/scim/v2/Users", json=body, headers=headers)
    assert created.status_code == 201 and created.get_json()["userName"] == "ann.lee"


def test_scim2_refuses_a_user_name_that_is_not_an_email_even_without_emails(zoom):
    status, detail = zoom_error(zoom.post("/Users", {"schemas": [USER_URN], "userName": "nobody"}))
    assert status == 400 and "'nobody' is not one" in detail
    with zoom.store.transaction() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM users")).scalar_one() == 1  # the owner
