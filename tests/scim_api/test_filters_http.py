"""The scim2-filter-parser traps, end to end through HTTP: each is a 400 invalidFilter or works."""

from __future__ import annotations

import pytest
from scimapi import error_of


@pytest.fixture
def people(scim):
    scim.create_user(
        "ann@acme.test",
        displayName='Ann "the" Lee',
        title="100%_sure",
        emails=[
            {"value": "ann@acme.test", "type": "work"},
            {"value": "ann@home.test", "type": "home"},
        ],
    )
    scim.create_user("bob@acme.test", displayName="Bob", active=False, title="ops")
    return scim


def _names(scim, filter_text):
    response = scim.post(
        "/Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter_text},
    )
    assert response.status_code == 200, response.get_json()
    return sorted(r["userName"] for r in response.get_json()["Resources"])


def test_an_unknown_attribute_is_invalid_filter_not_every_row(people):
    response = people.get('/Users?filter=nickname2 eq "x"')
    assert error_of(response) == (400, "invalidFilter")


def test_attribute_names_match_case_insensitively(people):
    assert _names(people, 'USERNAME eq "ann@acme.test"') == ["ann@acme.test"]


def test_user_name_comparison_is_case_insensitive(people):
    assert _names(people, 'userName eq "ANN@ACME.TEST"') == ["ann@acme.test"]


def test_true_and_false_are_booleans_not_strings(people):
    assert _names(people, "active eq false") == ["bob@acme.test"]
    assert "ann@acme.test" in _names(people, "active eq true")


def test_escaped_quotes_in_a_literal_work(people):
    assert _names(people, r'displayName eq "Ann \"the\" Lee"') == ["ann@acme.test"]


def test_like_wildcards_in_a_literal_are_taken_literally(people):
    assert _names(people, 'title co "%_"') == ["ann@acme.test"]
    assert _names(people, 'title sw "_"') == []


def test_a_filter_with_more_than_26_values_works(people):
    clauses = " or ".join(f'userName eq "n{i}@acme.test"' for i in range(40))
    assert _names(people, f'{clauses} or userName eq "bob@acme.test"') == ["bob@acme.test"]


def test_value_paths_and_two_on_the_same_attribute(people):
    assert _names(people, 'emails[type eq "work" and value sw "ANN"]') == ["ann@acme.test"]
    both = 'emails[type eq "work"] and emails[value ew "bob@acme.test"]'
    assert _names(people, both) == ["bob@acme.test"]


def test_dates_compare_with_gt_and_lt(people):
    assert len(_names(people, 'meta.created gt "2000-01-01T00:00:00Z"')) == 3
    assert _names(people, 'meta.lastModified lt "2000-01-01T00:00:00Z"') == []


def test_not_grouping_and_present(people):
    assert _names(people, 'not (userName sw "ann") and title pr') == ["bob@acme.test"]


def test_garbage_is_invalid_filter_with_a_message(people):
    response = people.get("/Users?filter=userName eq")
    assert error_of(response) == (400, "invalidFilter")
    assert error_of(people.get('/Users?filter=userName zz "a"')) == (400, "invalidFilter")
