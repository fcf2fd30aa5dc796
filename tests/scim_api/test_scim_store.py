"""The SCIM parts of the store contract, on each backend: bulk loads, groups, searches."""

from __future__ import annotations

import pytest

from gateway.errors import BadRequest
from gateway.scim.filters import compile_user_filter, sort_expression
from gateway.store.errors import Conflict, LicensePoolExhausted, NotFound, VersionMismatch


@pytest.fixture
def account(store):
    return store.create_account("Acme", "owner@acme.test", actor="t", plan={"Licensed": 5})


def _licensed_used(store, account_id):
    return next(p.used for p in store.pools(account_id) if p.seat_kind == "Licensed")


def test_a_bulk_load_inserts_every_row_and_takes_seats_in_aggregate(store, account):
    rows = [
        {"email": f"u{i}@acme.test", "license_type": "Licensed" if i < 4 else "Basic"}
        for i in range(2500)
    ]
    ids = store.bulk_create_users(account.id, rows, actor="t")
    assert len(set(ids)) == 2500 and _licensed_used(store, account.id) == 4
    found = store.search_users(
        account.id,
        compile_user_filter('userName eq "U2499@acme.test"'),
        sort_expression(None, None, "User"),
        0,
        10,
    )
    assert found.total == 1 and found.items[0].user.email == "u2499@acme.test"


def test_a_bulk_load_over_the_pool_inserts_nothing(store, account):
    rows = [{"email": f"u{i}@acme.test", "license_type": "Licensed"} for i in range(6)]
    with pytest.raises(LicensePoolExhausted):
        store.bulk_create_users(account.id, rows, actor="t")
    assert store.list_users(account.id).total == 1 and _licensed_used(store, account.id) == 0


def test_a_bulk_load_with_a_taken_or_repeated_email_inserts_nothing(store, account):
    with pytest.raises(Conflict) as taken:
        store.bulk_create_users(
            account.id, [{"email": "x@acme.test"}, {"email": "OWNER@acme.test"}], actor="t"
        )
    assert taken.value.code == "email_taken"
    with pytest.raises(Conflict):
        store.bulk_create_users(
            account.id, [{"email": "y@acme.test"}, {"email": "Y@acme.test"}], actor="t"
        )
    assert store.list_users(account.id).total == 1


def test_group_changes_bump_versions_and_check_the_expected_one(store, account):
    user = store.create_user(account.id, "ann@acme.test", actor="t", source="scim")
    group = store.create_scim_group(
        account.id, "Eng", external_id=None, member_ids=[user.id], actor="t"
    )
    assert group.version == 1 and store.get_user(user.id).version == 2
    renamed = store.update_scim_group(
        account.id,
        group.id,
        {"display_name": "R&D"},
        member_ids=None,
        actor="t",
        expected_version=1,
    )
    assert renamed.version == 2 and [m.id for m in renamed.members] == [user.id]
    with pytest.raises(VersionMismatch):
        store.delete_scim_group(account.id, group.id, actor="t", expected_version=1)


def test_groups_are_only_visible_to_their_account(store, account):
    other = store.create_account("Globex", "owner@globex.test", actor="t")
    group = store.create_scim_group(account.id, "Eng", external_id=None, member_ids=[], actor="t")
    with pytest.raises(NotFound):
        store.get_scim_group(other.id, group.id)
    stranger = store.create_user(other.id, "gus@globex.test", actor="t", source="admin")
    with pytest.raises(NotFound) as refused:
        store.update_scim_group(account.id, group.id, {}, member_ids=[stranger.id], actor="t")
    assert refused.value.code == "member_not_found"


def test_a_user_name_is_unique_case_insensitively_and_kept_apart_from_emails(store, account):
    ann = store.create_user(
        account.id, "ann@acme.test", actor="t", source="scim", user_name="Ann.Lee"
    )
    assert ann.user_name == "Ann.Lee" and ann.email == "ann@acme.test"
    with pytest.raises(Conflict) as taken:
        store.create_user(account.id, "al@acme.test", actor="t", source="scim", user_name="ANN.lee")
    assert taken.value.code == "user_name_taken"
    bob = store.create_user(account.id, "bob@acme.test", actor="t", source="scim")
    with pytest.raises(Conflict) as renamed:
        store.update_user(bob.id, {"user_name": "ann.LEE"}, actor="t")
    assert renamed.value.code == "user_name_taken"
    with pytest.raises(BadRequest) as email_shaped:
        store.update_user(bob.id, {"user_name": "ann@acme.test"}, actor="t")
    assert email_shaped.value.code == "invalid_user_name"
    assert store.update_user(ann.id, {"user_name": None}, actor="t").user_name is None


def test_a_bulk_load_with_a_taken_or_repeated_user_name_inserts_nothing(store, account):
    store.create_user(account.id, "ann@acme.test", actor="t", source="scim", user_name="ann")
    for rows in (
        [
            {"email": "a1@acme.test", "user_name": "x"},
            {"email": "a2@acme.test", "user_name": "ANN"},
        ],
        [{"email": "a3@acme.test", "user_name": "y"}, {"email": "a4@acme.test", "user_name": "Y"}],
    ):
        with pytest.raises(Conflict) as taken:
            store.bulk_create_users(account.id, rows, actor="t")
        assert taken.value.code == "user_name_taken"
    ids = store.bulk_create_users(
        account.id,
        [{"email": "a5@acme.test", "user_name": "z"}, {"email": "a6@acme.test"}],
        actor="t",
    )
    assert [store.get_user(i).user_name for i in ids] == ["z", None]
