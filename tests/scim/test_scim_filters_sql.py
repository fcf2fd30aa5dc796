"""Filters compiled to SQL and run against the real tables: one test per known trap."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from scimdb import NOW, group_ids, insert_group, insert_users, user_ids, user_row

from gateway.scim.errors import InvalidFilter
from gateway.scim.filters import compile_group_filter, compile_user_filter

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOOM = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"


@pytest.fixture
def people(db: sa.Connection) -> sa.Connection:
    insert_users(
        db,
        user_row(
            "u1",
            "Alice@Acme.test",
            first_name="Alice",
            last_name="Smith",
            external_id="EXT-1",
            profile={"department": "Sales", "title": "Boss", "manager": {"value": "u2"}},
            created_at=NOW - timedelta(days=10),
            updated_at=NOW - timedelta(days=1),
        ),
        user_row(
            "u2",
            "bob@example.test",
            first_name="Bob",
            email_type="home",
            status="pending",
            login_type="sso",
            license_type="Licensed",
            external_id="ext-1",
            profile={"department": "R&D", "title": ""},
        ),
        user_row("u3", "a_b@acme.test", status="deactivated", employee_id="42"),
        user_row("u4", "axb@acme.test", display_name='Say "hi"', profile={"nickName": "100%"}),
    )
    insert_group(db, "g1", "Admins", ["u1", "u3"])
    insert_group(db, "g2", "Everyone", ["u1", "u2", "u3", "u4"])
    return db


def users_for(db: sa.Connection, text: str) -> list[str]:
    return user_ids(db, compile_user_filter(text))


def test_unknown_attribute_is_invalid_filter_not_a_wider_query() -> None:
    with pytest.raises(InvalidFilter, match="'nosuchThing'"):
        compile_user_filter('userName eq "x" or nosuchThing eq "y"')


def test_unknown_sub_attribute_and_unknown_extension_are_invalid_filter() -> None:
    for text in ('name.nickname eq "x"', 'urn:example:ext:1.0:User:dept eq "x"'):
        with pytest.raises(InvalidFilter):
            compile_user_filter(text)


def test_attribute_names_and_operators_are_case_insensitive(people: sa.Connection) -> None:
    assert users_for(people, 'USERNAME EQ "bob@example.test"') == ["u2"]
    assert users_for(people, 'Name.GivenName Eq "alice"') == ["u1"]
    assert users_for(people, f'{ENT.upper()}:DEPARTMENT eq "sales"') == ["u1"]


def test_true_false_and_null_are_literals_not_strings(people: sa.Connection) -> None:
    assert users_for(people, "active eq true") == ["u1", "u4"]
    assert users_for(people, "active eq false") == ["u2", "u3"]
    assert users_for(people, "active ne false") == ["u1", "u4"]
    assert users_for(people, "externalId eq null") == ["u3", "u4"]
    assert users_for(people, "externalId ne null") == ["u1", "u2"]
    with pytest.raises(InvalidFilter, match="boolean"):
        compile_user_filter('active eq "true"')


def test_escaped_quotes_and_backslashes_in_strings(people: sa.Connection) -> None:
    assert users_for(people, r'displayName eq "Say \"hi\""') == ["u4"]
    assert users_for(people, r'displayName co "\"hi\""') == ["u4"]
    assert users_for(people, r'displayName eq "\u0053ay \"hi\""') == ["u4"]


def test_like_wildcards_are_escaped_in_co_sw_ew(people: sa.Connection) -> None:
    assert users_for(people, 'userName co "a_b"') == ["u3"]
    assert users_for(people, 'userName sw "a_"') == ["u3"]
    assert users_for(people, 'nickName ew "0%"') == ["u4"]
    assert users_for(people, 'nickName co "%"') == ["u4"]
    assert users_for(people, 'userName co "/"') == []


def test_more_than_26_parameters_work(people: sa.Connection) -> None:
    clauses = [f'userName eq "nobody{i}@acme.test"' for i in range(40)]
    text = " or ".join([*clauses, 'userName eq "axb@acme.test"'])
    assert users_for(people, text) == ["u4"]


def test_and_binds_tighter_than_or(people: sa.Connection) -> None:
    # The library parses this as (u1 or u2) and u3's address, which matches nobody.
    text = 'userName eq "alice@acme.test" or userName eq "bob@example.test" and active eq false'
    assert users_for(people, text) == ["u1", "u2"]
    assert users_for(people, '(userName sw "a" or userName sw "b") and active eq true') == [
        "u1",
        "u4",
    ]


def test_not_and_grouping(people: sa.Connection) -> None:
    assert users_for(people, 'not (userName sw "a")') == ["u2"]
    assert users_for(people, 'not (title eq "Boss")') == ["u2", "u3", "u4"]
    assert users_for(people, "not (not (name.givenName pr))") == ["u1", "u2"]


def test_value_path_applies_all_conditions_to_the_email(people: sa.Connection) -> None:
    assert users_for(people, 'emails[type eq "work" and value co "@acme.test"]') == [
        "u1",
        "u3",
        "u4",
    ]
    assert users_for(people, 'emails[type eq "home" and value co "@acme.test"]') == []
    assert users_for(people, 'emails[type eq "work"].value sw "alice"') == ["u1"]


def test_two_value_paths_on_one_attribute(people: sa.Connection) -> None:
    text = 'emails[type eq "work"] and emails[value ew "@acme.test"] and emails[primary eq true]'
    assert users_for(people, text) == ["u1", "u3", "u4"]
    assert users_for(people, 'emails[type eq "home"] or emails[value sw "axb"]') == ["u2", "u4"]


def test_group_membership_value_paths_use_exists(people: sa.Connection) -> None:
    assert users_for(people, 'groups[display eq "admins"]') == ["u1", "u3"]
    assert users_for(people, 'groups.value eq "g1" and not (active eq true)') == ["u3"]
    assert group_ids(people, compile_group_filter('members[value eq "u4"]')) == ["g2"]
    assert group_ids(people, compile_group_filter("members.display pr")) == ["g2"]
    assert group_ids(people, compile_group_filter("members pr")) == ["g1", "g2"]


def test_dates_compare_chronologically(people: sa.Connection) -> None:
    assert users_for(people, 'meta.created lt "2024-05-25T00:00:00Z"') == ["u1"]
    assert users_for(people, 'meta.lastModified gt "2024-06-01T11:00:00+00:00"') == [
        "u2",
        "u3",
        "u4",
    ]
    assert users_for(people, 'meta.lastModified ge "2024-06-01T14:00:00+02:00"') == [
        "u2",
        "u3",
        "u4",
    ]
    with pytest.raises(InvalidFilter, match="ISO 8601"):
        compile_user_filter('meta.created gt "yesterday"')


def test_pr_means_non_null_and_non_empty(people: sa.Connection) -> None:
    assert users_for(people, "title pr") == ["u1"]
    assert users_for(people, "externalId pr") == ["u1", "u2"]
    assert users_for(people, "name pr") == ["u1", "u2"]
    assert users_for(people, f"{ENT}:manager pr") == ["u1"]
    assert users_for(people, "groups pr") == ["u1", "u2", "u3", "u4"]


def test_case_exact_follows_the_attribute(people: sa.Connection) -> None:
    assert users_for(people, 'userName eq "ALICE@acme.TEST"') == ["u1"]
    assert users_for(people, 'emails.value eq "BOB@EXAMPLE.TEST"') == ["u2"]
    assert users_for(people, 'externalId eq "EXT-1"') == ["u1"]
    assert users_for(people, 'externalId eq "ext-1"') == ["u2"]
    assert users_for(people, 'id eq "U1"') == []


def test_json_profile_attributes_filter_through_json_paths(people: sa.Connection) -> None:
    assert users_for(people, f'{ENT}:department eq "r&d"') == ["u2"]
    assert users_for(people, f'{ENT}:manager.value eq "u2"') == ["u1"]
    assert users_for(people, f'{ENT}:employeeNumber eq "42"') == ["u3"]
    assert users_for(people, f'{ZOOM}:loginType eq "SSO"') == ["u2"]
    assert users_for(people, f'{ZOOM}:loginType eq "workEmail"') == ["u1", "u3", "u4"]
    assert users_for(people, f'{ZOOM}:status eq "pending"') == ["u2"]
    assert users_for(people, 'userType eq "licensed"') == ["u2"]


def test_values_are_bound_parameters_never_sql_text() -> None:
    text = "userName eq \"x' OR '1'='1\""
    compiled = compile_user_filter(text).compile()
    assert "OR '1'='1" not in str(compiled)
    assert "x' or '1'='1" in compiled.params.values()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("active gt true", "boolean"),
        ('name eq "x"', "complex"),
        ('name[givenName eq "x"]', "multi-valued"),
        ('emails[type eq "work" and emails[value pr]]', "nested"),
        ("userName eq 42", "quoted string"),
        ('meta.created co "2024"', "dateTime"),
        ('meta.location eq "x"', "cannot be used in filters"),
        ("userName eq", "ends too early"),
        ('userName eq "x', "Unterminated"),
        ('userName regex "x"', "Unexpected"),
        ('userName eq "a\\q"', "escape"),
        ('userName eq "x" and', "ends too early"),
        ("userName eq null and active gt null", "null"),
    ],
)
def test_invalid_filters_say_what_was_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InvalidFilter, match=fragment) as caught:
        compile_user_filter(text)
    assert caught.value.to_scim()["scimType"] == "invalidFilter"
    assert caught.value.status == 400


def test_length_and_depth_are_capped() -> None:
    with pytest.raises(InvalidFilter, match="longer than"):
        compile_user_filter('userName eq "' + "x" * 4000 + '"')
    deep = "(" * 60 + 'userName eq "x"' + ")" * 60
    with pytest.raises(InvalidFilter, match="deeper than"):
        compile_user_filter(deep)
    assert compile_user_filter("(" * 20 + 'userName eq "x"' + ")" * 20) is not None


def test_lone_surrogates_and_capitalised_literals_are_explained() -> None:
    with pytest.raises(InvalidFilter, match="UTF-8"):
        compile_user_filter(r'userName eq "\ud800"')
    with pytest.raises(InvalidFilter, match="lower case"):
        compile_user_filter("active eq True")
