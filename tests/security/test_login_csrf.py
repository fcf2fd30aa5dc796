"""Login CSRF: another site's form cannot sign a visitor's browser in to an account it chose."""

from __future__ import annotations

import json

import pytest

from gateway.app import create_app

PASSWORD = "correct horse battery"
ATTACKER = "attacker@example.test"


@pytest.fixture
def client(sqlite_store):
    client = create_app({}, store=sqlite_store).test_client()
    made = client.post("/api/v1/signup", json={"email": ATTACKER, "password": PASSWORD})
    assert made.status_code == 201, made.text
    return client


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_cross_site_form_posting_json_as_text_does_not_sign_the_browser_in(client, content_type):
    body = json.dumps({"email": ATTACKER, "password": PASSWORD})
    answer = client.post("/api/v1/login", data=body, content_type=content_type)
    assert answer.status_code == 415
    assert answer.json["code"] == "unsupported_media_type"
    assert "Set-Cookie" not in answer.headers


def test_a_cross_site_form_cannot_sign_up_an_account_either(client):
    body = json.dumps({"email": "planted@example.test", "password": PASSWORD})
    answer = client.post("/api/v1/signup", data=body, content_type="text/plain")
    assert answer.status_code == 415 and answer.json["code"] == "unsupported_media_type"


def test_a_script_sending_json_still_signs_in(client):
    answer = client.post("/api/v1/login", json={"email": ATTACKER, "password": PASSWORD})
    assert answer.status_code == 200 and "Set-Cookie" in answer.headers
