"""Filters over multi-valued attributes see every value the user shows (RFC 7644 §3.4.2.2).

A multi-valued attribute matches when any of its values does, and a complex value filter
(``emails[type eq "work" and value co "@x"]``) holds within one value. Run on SQLite and, when
given, PostgreSQL: the lists live in the ``profile`` JSON column.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scimdb import insert_users, user_ids, user_row

from gateway.scim.errors import InvalidFilter
from gateway.scim.filters import compile_user_filter, sort_expression, user_filter
from gateway.store.schema import users


@pytest.fixture
def people(db: sa.Connection) -> sa.Connection:
    insert_users(
        db,
        # Signs in with ann@acme.test; also shows a home address of another domain.
        user_row(
            "u1",
            "ann@acme.test",
            profile={
                "emails": [
                    {"value": "ann@acme.test", "type": "work", "primary": True},
                    {"value": "Ann.Lee@Home.Example", "type": "home"},
                ],
                "phoneNumbers": [
                    {"value": "+1 555 0100", "type": "work"},
                    {"value": "+44 20 7946 0000", "type": "mobile", "primary": True},
                ],
                "addresses": [{"locality": "Leeds", "country": "GB", "type": "home"}],
            },
        ),
        # No emails list: shows its sign-in email alone, as a primary work email.
        user_row("u2", "bob@x.example"),
        # Work email elsewhere, home email at x.example: no one value is both.
        user_row(
            "u3",
            "cy@acme.test",
            profile={
                "emails": [
                    {"value": "cy@acme.test", "type": "work"},
                    {"value": "cy@x.example", "type": "home"},
                ],
                "roles": [{"value": "auditor"}],
            },
        ),
        # Lists a client stored oddly: values of the wrong JSON type are absent, not errors.
        user_row(
            "u4",
            "dee@acme.test",
            profile={
                "emails": [{"value": "dee@acme.test", "type": "work"}, "dee@x.example"],
                "phoneNumbers": "+1 555 0199",
                "ims": [{"value": 7, "primary": "yes"}, 3],
            },
        ),
    )
    return db


def found(db: sa.Connection, text: str) -> list[str]:
    return user_ids(db, compile_user_filter(text))


def test_an_email_that_is_not_the_sign_in_one_is_found(people):
    assert found(people, 'emails.value eq "ann.lee@home.example"') == ["u1"]
    assert found(people, 'emails.value ew "@home.example"') == ["u1"]


def test_a_user_without_an_emails_list_is_found_by_its_sign_in_email(people):
    assert found(people, 'emails.value eq "BOB@x.example"') == ["u2"]
    assert found(people, 'emails[type eq "work" and primary eq true]') == ["u1", "u2"]


def test_a_complex_value_filter_holds_within_one_value(people):
    # u3 has a work email and an x.example email, but not one value that is both.
    assert found(people, 'emails[type eq "work" and value co "@x.example"]') == ["u2"]
    assert found(people, 'emails[type eq "home" and value co "@x.example"]') == ["u3"]


def test_separate_conditions_on_one_attribute_may_match_different_values(people):
    assert found(people, 'emails.type eq "work" and emails.value co "@x.example"') == ["u2", "u3"]


def test_not_over_a_multi_valued_attribute_means_no_value_matches(people):
    assert found(people, 'not (emails.value co "@x.example")') == ["u1", "u4"]


def test_every_value_of_the_other_listed_attributes_is_seen(people):
    assert found(people, 'phoneNumbers.value sw "+44"') == ["u1"]
    assert found(people, 'phoneNumbers[type eq "mobile" and primary eq true]') == ["u1"]
    assert found(people, 'phoneNumbers[type eq "work" and primary eq true]') == []
    assert found(people, 'addresses[locality eq "leeds" and country eq "GB"]') == ["u1"]
    assert found(people, 'roles.value eq "Auditor"') == ["u3"]
    assert found(people, "phoneNumbers pr") == ["u1"]


def test_values_of_the_wrong_json_type_are_absent_and_raise_nothing(people):
    assert found(people, 'emails.value eq "dee@x.example"') == []
    assert found(people, 'emails.value eq "dee@acme.test"') == ["u4"]
    assert found(people, 'phoneNumbers.value eq "+1 555 0199"') == []
    assert found(people, "ims.value pr or ims.primary eq true") == []


def test_emails_pr_is_every_user_that_shows_an_email(people):
    no_email = user_row("u5", "eve@acme.test", user_name="eve", user_name_key="eve")
    no_email.update(email=None, email_key=None)
    insert_users(people, no_email)
    assert found(people, "emails pr") == ["u1", "u2", "u3", "u4"]
    assert found(people, "not (emails pr)") == ["u5"]


def test_the_user_name_fast_path_is_kept(people):
    assert user_filter('userName eq "Ann@Acme.test"') == ("ann@acme.test", None)
    key, where = user_filter('emails.value eq "ann@acme.test"')
    assert key is None and where is not None


def test_sorting_by_emails_sorts_by_the_sign_in_email(people):
    order = sort_expression("emails", "descending", "User")
    rows = people.execute(sa.select(users.c.id).order_by(*order)).scalars().all()
    assert rows == ["u4", "u3", "u2", "u1"]


def test_a_sub_attribute_the_schema_does_not_have_is_still_refused():
    with pytest.raises(InvalidFilter, match=r"phoneNumbers\.country"):
        compile_user_filter('phoneNumbers.country eq "GB"')
