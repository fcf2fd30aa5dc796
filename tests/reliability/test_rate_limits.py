"""Per-token rate limits: 429 with Retry-After, per token, per minute, shared through the store."""

from __future__ import annotations

from gateway.app import create_app


def _app(sqlite_store, limit):
    return create_app({"rate_limit_per_minute": limit}, store=sqlite_store)


def _token(store, name):
    account = store.create_account(name, f"owner@{name}.test", actor="t")
    _, secret = store.create_token(account.id, "admin", actor="t")
    return {"Authorization": f"Bearer {secret}"}


def test_requests_over_the_limit_get_429_with_retry_after(sqlite_store, clock):
    client = _app(sqlite_store, 3).test_client()
    auth = _token(sqlite_store, "acme")
    assert [client.get("/api/v1/accounts", headers=auth).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    refused = client.get("/api/v1/accounts", headers=auth)
    assert refused.status_code == 429 and refused.json["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_the_limit_resets_with_the_next_minute(sqlite_store, clock):
    client = _app(sqlite_store, 1).test_client()
    auth = _token(sqlite_store, "acme")
    assert client.get("/api/v1/accounts", headers=auth).status_code == 200
    assert client.get("/api/v1/accounts", headers=auth).status_code == 429
    clock.advance(minutes=1)
    assert client.get("/api/v1/accounts", headers=auth).status_code == 200


def test_each_token_has_its_own_budget(sqlite_store, clock):
    client = _app(sqlite_store, 1).test_client()
    first, second = _token(sqlite_store, "acme"), _token(sqlite_store, "globex")
    assert client.get("/api/v1/accounts", headers=first).status_code == 200
    assert client.get("/api/v1/accounts", headers=first).status_code == 429
    assert client.get("/api/v1/accounts", headers=second).status_code == 200


def test_two_apps_on_one_database_share_the_counters(sqlite_store, clock):
    auth = _token(sqlite_store, "acme")
    one, two = _app(sqlite_store, 2).test_client(), _app(sqlite_store, 2).test_client()
    assert one.get("/api/v1/accounts", headers=auth).status_code == 200
    assert two.get("/api/v1/accounts", headers=auth).status_code == 200
    assert one.get("/api/v1/accounts", headers=auth).status_code == 429


def test_a_zero_limit_turns_limiting_off(sqlite_store, clock):
    client = _app(sqlite_store, 0).test_client()
    auth = _token(sqlite_store, "acme")
    assert all(client.get("/api/v1/accounts", headers=auth).status_code == 200 for _ in range(5))


def _store_count(store):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT coalesce(sum(count), 0) FROM rate_limits").scalar()


def test_far_from_the_limit_a_worker_writes_its_hits_in_batches(sqlite_store, clock):
    client = _app(sqlite_store, 100_000).test_client()
    auth = _token(sqlite_store, "acme")
    assert all(client.get("/api/v1/accounts", headers=auth).status_code == 200 for _ in range(120))
    # Batches of MAX_BATCH (50): two written, the last 20 hits still counted in the worker.
    assert _store_count(sqlite_store) == 100


def test_two_workers_sharing_a_limit_stop_within_a_few_requests_of_it(sqlite_store, clock):
    auth = _token(sqlite_store, "acme")
    apps = [_app(sqlite_store, 200).test_client() for _ in range(2)]
    accepted = 0
    for i in range(400):
        if apps[i % 2].get("/api/v1/accounts", headers=auth).status_code == 200:
            accepted += 1
    # Each worker holds back at most headroom/16 unwritten hits, so the overshoot is small.
    assert 200 <= accepted <= 200 + 2 * 2
    assert apps[0].get("/api/v1/accounts", headers=auth).status_code == 429
