"""Through HTTP: a filter on ``emails`` finds every address a user shows (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

from urllib.parse import quote

import pytest


@pytest.fixture
def people(scim):
    scim.create_user(
        "ann@acme.test",
        emails=[
            {"value": "ann@acme.test", "type": "work", "primary": True},
            {"value": "ann.lee@home.example", "type": "home"},
        ],
        phoneNumbers=[{"value": "+44 20 7946 0000", "type": "mobile"}],
    )
    scim.create_user("bob@acme.test")
    return scim


def _names(scim, filter_text):
    response = scim.get(f"/Users?filter={quote(filter_text)}")
    assert response.status_code == 200, response.get_json()
    return sorted(r["userName"] for r in response.get_json()["Resources"])


def test_the_other_address_a_user_shows_finds_it(people):
    shown = people.get('/Users?filter=userName eq "ann@acme.test"').get_json()["Resources"][0]
    assert [e["value"] for e in shown["emails"]] == ["ann@acme.test", "ann.lee@home.example"]
    assert _names(people, 'emails.value eq "Ann.Lee@home.example"') == ["ann@acme.test"]


def test_a_value_filter_on_emails_holds_within_one_address(people):
    assert _names(people, 'emails[type eq "home" and value co "@home.example"]') == [
        "ann@acme.test"
    ]
    assert _names(people, 'emails[type eq "work" and value co "@home.example"]') == []


def test_a_user_created_without_emails_is_found_by_its_sign_in_email(people):
    assert _names(people, 'emails[value eq "bob@acme.test" and primary eq true]') == [
        "bob@acme.test"
    ]


def test_phone_numbers_can_be_filtered(people):
    assert _names(people, 'phoneNumbers[type eq "mobile" and value sw "+44"]') == ["ann@acme.test"]
