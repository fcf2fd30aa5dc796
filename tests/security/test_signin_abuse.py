"""Password sign-in under attack: guessing is limited per email and per client address, and an
unknown email answers like a wrong password, at the cost of one password hash."""

from __future__ import annotations

import hashlib

import pytest

from gateway.app import create_app
from gateway.domains import passwords

PASSWORD = "correct horse battery"
VICTIM = "victim@example.test"
# The documented limits (docs/security.md): failures per email, and per client address.
MAX_FAILURES_PER_EMAIL = 10
MAX_FAILURES_PER_CLIENT = 50


@pytest.fixture
def client(sqlite_store):
    app = create_app({"public_url": "http://127.0.0.1:8000"}, store=sqlite_store)
    client = app.test_client()
    made = client.post("/api/v1/signup", json={"email": VICTIM, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return client


def _login(client, email, password, address="203.0.113.7"):
    return client.post(
        "/api/v1/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guessing_a_password_stops_even_the_right_one_until_the_window_ends(client, clock):
    for n in range(MAX_FAILURES_PER_EMAIL):
        wrong = _login(client, VICTIM, f"guess number {n}", address=f"198.51.100.{n}")
        assert wrong.status_code == 401 and wrong.json["code"] == "invalid_credentials"
    locked = _login(client, VICTIM, PASSWORD, address="198.51.100.200")
    assert locked.status_code == 429
    assert locked.json["code"] == "too_many_failed_sign_ins"
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60
    clock.advance(minutes=15)
    assert _login(client, VICTIM, PASSWORD).status_code == 200


def test_one_address_spraying_passwords_over_many_emails_is_limited(client):
    for n in range(MAX_FAILURES_PER_CLIENT):
        answer = _login(client, f"someone{n}@example.test", "Winter2026!")
        assert answer.status_code == 401, n
    sprayed = _login(client, VICTIM, PASSWORD)
    assert sprayed.status_code == 429 and sprayed.json["code"] == "too_many_failed_sign_ins"
    assert _login(client, VICTIM, PASSWORD, address="192.0.2.1").status_code == 200


def test_an_unknown_email_costs_one_password_hash_and_answers_like_a_wrong_password(
    client, monkeypatch
):
    hashes = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        hashes.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords.hashlib, "scrypt", counting)
    wrong = _login(client, VICTIM, "not the password")
    known_cost = len(hashes)
    unknown = _login(client, "nobody@example.test", "not the password")
    assert known_cost == 1 and len(hashes) - known_cost == 1
    assert (unknown.status_code, unknown.json) == (wrong.status_code, wrong.json)
