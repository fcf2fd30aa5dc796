"""``userName eq "..."`` is answered by one prebuilt statement on the unique userName index:
it must answer exactly as the general filter path does, and only within the token's account."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from scimapi import GROUP_URN, USER_URN, Scim, error_of

from gateway.scim.filters import user_filter
from gateway.store.scim_store import BY_USER_NAME_KEY
from gateway.store.sql import SqlStore
from gateway.testing.postgres import fresh_schema


def _search(scim, filter_text, extra=""):
    response = scim.get(f"/Users?filter={quote(filter_text)}{extra}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def people(scim):
    ann = scim.create_user("Ann.Lee@ACME.test", name={"givenName": "Ann"})
    scim.post("/Users", {"schemas": [USER_URN], "userName": "Build-Bot"})
    scim.post(
        "/Groups", {"schemas": [GROUP_URN], "displayName": "Eng", "members": [{"value": ann["id"]}]}
    )
    return scim


@pytest.mark.parametrize(
    "value", ["ann.lee@acme.test", "ANN.LEE@acme.TEST", "build-bot", "BUILD-BOT", "nobody"]
)
@pytest.mark.parametrize("extra", ["", "&startIndex=1&count=10", "&startIndex=2", "&count=0"])
def test_the_lookup_answers_as_the_general_filter_path(people, value, extra):
    fast = _search(people, f'userName eq "{value}"', extra)
    # The same condition the fast path does not take: the general compiler answers it.
    general = _search(people, f'userName eq "{value}" and userName pr', extra)
    assert fast == general
    assert fast["totalResults"] == (0 if value == "nobody" else 1)


def test_only_the_exact_form_takes_the_fast_path():
    assert user_filter('userName eq "A@B.test"')[0] == "a@b.test"
    assert user_filter('  USERNAME   Eq "x"  ')[0] == "x"
    assert user_filter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"')[0] == "x"
    for other in (
        'userName ne "x"',
        'userName sw "x"',
        'userName eq "x" or userName eq "y"',
        'externalId eq "x"',
        'not (userName eq "x")',
        "userName pr",
    ):
        key, where = user_filter(other)
        assert key is None and where is not None


def test_another_account_s_user_is_not_found(people, gateway_app, store):
    other = store.create_account("Globex", "owner@globex.test", actor="t", vanity="globex")
    _, secret = store.create_token(other.id, "scim", actor="t")
    globex = Scim(gateway_app.test_client(), secret, store, other.id)
    assert _search(globex, 'userName eq "ann.lee@acme.test"')["totalResults"] == 0
    assert _search(people, 'userName eq "ann.lee@acme.test"')["totalResults"] == 1


def test_a_bad_sort_is_still_refused_on_the_fast_path(people):
    lookup = quote('userName eq "x"')
    response = people.get(f"/Users?filter={lookup}&sortBy=nope")
    assert error_of(response) == (400, "invalidValue")


def _lookup_plan(store, key):
    """PostgreSQL's plan of the lookup statement for ``key``, as text."""
    compiled = BY_USER_NAME_KEY.compile(dialect=store.engine.dialect)
    with store.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(f"EXPLAIN {compiled}", {**compiled.params, "key": key})
        return "\n".join(row[0] for row in cursor.fetchall())


def test_postgresql_plans_the_lookup_on_the_user_name_index_before_any_statistics():
    """A table filled by single creates and not analyzed yet (autovacuum off, or not run yet)
    has no statistics: the lookup must still walk the unique userName index, not every user
    of the account (as it did while its WHERE also named ``account_id``)."""
    url = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("GATEWAY_TEST_POSTGRES_URL is not set")
    with fresh_schema(url, prefix="gw_lookup_plan") as schema_url:
        store = SqlStore.from_url(schema_url)
        try:
            account = store.create_account("Acme", "owner@acme.test", actor="t")
            for i in range(100):
                store.create_user(account.id, f"u{i}@acme.test", actor="t", source="scim")
            plan = _lookup_plan(store, "u7@acme.test")
        finally:
            store.dispose()
    assert "ix_users_scim_user_name" in plan, plan
