"""Zoom's per-second rate limits on /scim2, counted per operation label for the account."""

from __future__ import annotations

from zoomapi import PUBLIC_URL, USER_URN, make_account

from gateway.app import create_app


def test_scim2_answers_429_past_the_accounts_per_second_limit_for_the_label(store):
    # A Business account: Light 80/s, Medium 60/s; a multiplier of 0.02 leaves 1 of each.
    app = create_app({"public_url": PUBLIC_URL, "zoom_rate_limits": "0.02"}, store=store)
    _, token = make_account(store)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/scim2/Users", headers=headers).status_code == 200
    refused = client.get("/scim2/Users", headers=headers)  # the same second: the clock is frozen
    assert refused.status_code == 429
    assert refused.get_json() == {
        "code": 429,
        "message": "You have reached the maximum per-second rate limit for this API. "
        "Try again later.",
    }
    assert refused.headers["X-RateLimit-Category"] == "Medium"
    assert refused.headers["Retry-After"] == "1"
    # A create is Light, counted apart from the Medium list.
    body = {"schemas": [USER_URN], "userName": "ann@acme.test"}
    assert client.post("/scim2/Users", json=body, headers=headers).status_code == 201
    assert store.find_user_by_email("ann@acme.test") is not None
    store.clock.advance(seconds=1)
    assert client.get("/scim2/Users", headers=headers).status_code == 200
