"""SCIM userName apart from the sign-in email: RFC clients may send any userName, the SaaS's
``zoom`` profile keeps its rule that userName is the email."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scimapi import USER_URN, error_of, scim_for

from gateway.scim.filters import compile_user_filter
from gateway.store.schema import users

BOTH = 'userName sw "ann" or userName sw "jit"'


def _search(scim, filter_text, **extra):
    response = scim.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": filter_text,
            **extra,
        },
    )
    assert response.status_code == 200, response.get_json()
    return [r["userName"] for r in response.get_json()["Resources"]]


def test_a_user_name_that_is_not_an_email_signs_in_with_the_primary_email(scim):
    body = scim.create_user(
        "ann.lee",
        emails=[
            {"value": "ann@home.test", "type": "home"},
            {"value": "Ann@acme.test", "type": "work", "primary": True},
        ],
    )
    assert body["userName"] == "ann.lee"
    assert body["active"] is True and scim.status(body["id"]) == "active"
    assert [e["value"] for e in body["emails"]] == ["ann@home.test", "Ann@acme.test"]
    user = scim.store.get_user(body["id"])
    assert (user.email, user.email_type, user.user_name) == ("Ann@acme.test", "work", "ann.lee")
    assert scim.get(f"/Users/{body['id']}").get_json() == body


def test_without_a_primary_email_the_first_work_email_then_the_first_email_signs_in(scim):
    work = scim.create_user(
        "u1",
        emails=[
            {"value": "u1@home.test", "type": "home"},
            {"value": "u1@acme.test", "type": "work"},
        ],
    )
    first = scim.create_user("u2", emails=[{"value": "u2@acme.test", "type": "other"}])
    assert scim.store.get_user(work["id"]).email == "u1@acme.test"
    assert scim.store.get_user(first["id"]).email == "u2@acme.test"


def test_the_sign_in_email_from_emails_decides_activation_as_a_user_name_email_would(scim):
    body = scim.create_user("carl", emails=[{"value": "carl@elsewhere.test", "primary": True}])
    assert body["active"] is False and scim.status(body["id"]) == "pending"
    outbox = scim.store.list_outbox(scim.account_id)
    assert [m.recipient for m in outbox.items] == ["carl@elsewhere.test"]


def test_a_sign_in_entry_of_emails_that_is_not_an_email_is_refused(scim):
    refused = scim.post(
        "/Users",
        {"schemas": [USER_URN], "userName": "nobody", "emails": [{"value": "not-an-email"}]},
    )
    assert error_of(refused) == (400, "invalidValue")
    assert "'not-an-email' is not one" in refused.get_json()["detail"]


@pytest.mark.parametrize("profile", ["strict", "okta", "entra"])
def test_rfc_and_idp_profiles_accept_a_user_name_that_is_not_an_email(gateway_app, store, profile):
    client = scim_for(gateway_app, store, profile=profile)
    body = client.create_user("ann.lee", emails=[{"value": "ann@acme.test", "primary": True}])
    assert body["userName"] == "ann.lee"


def test_user_names_are_unique_case_insensitively_across_the_service(scim):
    scim.create_user("Ann.Lee", emails=[{"value": "ann@acme.test"}])
    other = scim.store.create_account("Globex", "owner@globex.test", actor="t")
    _, secret = scim.store.create_token(other.id, "scim", actor="t")
    globex = type(scim)(scim.client, secret, scim.store, other.id)
    response = globex.post(
        "/Users",
        {"schemas": [USER_URN], "userName": "ann.lee", "emails": [{"value": "al@globex.test"}]},
    )
    assert error_of(response) == (409, "uniqueness")
    detail = response.get_json()["detail"]
    assert "Acme" not in detail and "ann@acme.test" not in detail


def test_a_user_name_cannot_take_another_users_email_nor_an_email_another_users_name(scim):
    scim.create_user("bob@acme.test")
    scim.create_user("ann.lee", emails=[{"value": "ann@acme.test"}])
    taken_email = scim.post(
        "/Users",
        {"schemas": [USER_URN], "userName": "bob2", "emails": [{"value": "BOB@acme.test"}]},
    )
    assert error_of(taken_email) == (409, "uniqueness")
    taken_as_user_name = scim.post("/Users", {"schemas": [USER_URN], "userName": "ANN@acme.test"})
    assert error_of(taken_as_user_name) == (409, "uniqueness")


def test_renaming_to_a_taken_user_name_is_refused_and_changes_nothing(scim):
    scim.create_user("ann.lee", emails=[{"value": "ann@acme.test"}])
    bob = scim.create_user("bob@acme.test")
    response = scim.patch(
        f"/Users/{bob['id']}", [{"op": "replace", "path": "userName", "value": "ANN.LEE"}]
    )
    assert error_of(response) == (409, "uniqueness")
    assert scim.get(f"/Users/{bob['id']}").get_json()["userName"] == "bob@acme.test"


def test_an_email_user_renamed_to_a_non_email_keeps_signing_in_with_its_email(scim):
    bob = scim.create_user("bob@acme.test")
    response = scim.patch(
        f"/Users/{bob['id']}", [{"op": "replace", "path": "userName", "value": "bob"}]
    )
    assert response.status_code == 200 and response.get_json()["userName"] == "bob"
    user = scim.store.get_user(bob["id"])
    assert (user.email, user.user_name) == ("bob@acme.test", "bob")
    back = scim.patch(
        f"/Users/{bob['id']}", [{"op": "replace", "path": "userName", "value": "Bob@acme.test"}]
    )
    assert back.get_json()["userName"] == "Bob@acme.test"
    assert scim.store.get_user(bob["id"]).user_name is None


def test_changing_the_primary_email_of_a_non_email_user_changes_its_sign_in_email(scim):
    ann = scim.create_user("ann.lee", emails=[{"value": "ann@acme.test", "primary": True}])
    response = scim.put(
        f"/Users/{ann['id']}",
        {
            "schemas": [USER_URN],
            "userName": "ann.lee",
            "emails": [{"value": "ann@elsewhere.test", "primary": True}],
        },
    )
    assert response.status_code == 200 and scim.status(ann["id"]) == "pending"
    assert scim.store.get_user(ann["id"]).email == "ann@elsewhere.test"
    removed = scim.patch(f"/Users/{ann['id']}", [{"op": "remove", "path": "emails"}])
    assert removed.status_code == 200 and "emails" not in removed.get_json()
    # Left without an email it has nothing awaiting confirmation: it keeps active false,
    # now as deactivated, and cannot sign in.
    assert removed.get_json()["active"] is False and scim.status(ann["id"]) == "deactivated"
    assert scim.store.get_user(ann["id"]).email is None


def test_user_name_filters_match_both_kinds_of_users_case_insensitively(scim):
    scim.create_user("ann.lee", emails=[{"value": "ann@acme.test"}])
    scim.store.create_user(scim.account_id, "Jit.User@acme.test", actor="t", source="jit")
    assert _search(scim, 'userName eq "ANN.LEE"') == ["ann.lee"]
    assert _search(scim, 'userName eq "jit.user@ACME.test"') == ["Jit.User@acme.test"]
    assert _search(scim, 'userName eq "ann@acme.test"') == []
    assert _search(scim, 'emails.value eq "ann@acme.test"') == ["ann.lee"]
    assert _search(scim, 'userName sw "ann"') == ["ann.lee"]
    assert _search(scim, 'userName co ".USER@"') == ["Jit.User@acme.test"]
    assert _search(scim, BOTH, sortBy="userName") == ["ann.lee", "Jit.User@acme.test"]
    assert _search(scim, BOTH, sortBy="userName", sortOrder="descending") == [
        "Jit.User@acme.test",
        "ann.lee",
    ]


def test_users_made_outside_scim_show_their_email_as_user_name(scim):
    user = scim.store.create_user(scim.account_id, "dee@acme.test", actor="t", source="admin")
    assert user.user_name is None
    assert scim.get(f"/Users/{user.id}").get_json()["userName"] == "dee@acme.test"


def test_user_name_eq_lookups_use_the_unique_user_name_index(sqlite_store):
    where = compile_user_filter('userName eq "Ann.Lee"')
    stmt = sa.select(users.c.id).where(users.c.account_id == 1, where)
    sql = str(stmt.compile(sqlite_store.engine, compile_kwargs={"literal_binds": True}))
    with sqlite_store.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "USING INDEX ix_users_scim_user_name" in plan
