"""The store calls a sign-in makes, on each backend: they give what the general calls give,
in fewer statements."""

from __future__ import annotations

import pytest

from gateway.store.sql import SqlStore
from gateway.store.users import user_public


def _tree(store: SqlStore) -> int:
    top = store.create_account("Top", "top@top.test", actor="test", channel="reseller")
    middle = store.create_account("Middle", "mid@top.test", actor="test", parent_id=top.id)
    for name in ("First", "Second"):
        store.create_account(name, f"{name.lower()}@top.test", actor="test", parent_id=middle.id)
    store.create_account("Elsewhere", "owner@elsewhere.test", actor="test", vanity="elsewhere")
    return top.id


def test_the_account_tree_holds_exactly_the_descendants(store):
    top = _tree(store)
    tree = store.account_tree(top)
    assert sorted(tree, key=lambda a: a.id) == sorted(store.descendants(top), key=lambda a: a.id)
    assert [a.name for a in tree] == ["Middle", "First", "Second"]
    assert store.account_tree(tree[-1].id) == []


def test_the_acs_stamp_says_whether_the_account_has_sub_accounts(store):
    top = _tree(store)
    middle, first, _second = store.account_tree(top)
    assert store.acs_stamp(str(top)).has_subaccounts
    assert store.acs_stamp(str(middle.id)).has_subaccounts
    assert not store.acs_stamp(str(first.id)).has_subaccounts
    assert not store.acs_stamp("elsewhere").has_subaccounts


def test_the_acs_stamp_moves_with_the_configuration_the_keys_and_the_rules(store):
    acme = store.create_account("Acme", "owner@acme.test", actor="test", vanity="acme")
    first = store.acs_stamp("acme")
    assert (first.account, first.config_version, first.keys, first.rules_version) == (
        store.get_account(acme.id),
        None,
        (None, None, None),
        0,
    )
    store.put_saml_config(acme.id, {"idp_entity_id": "x"}, actor="test")
    store.put_rules(acme.id, [], actor="test")
    store.add_sp_key(acme.id, "current", "cert-1", "key-1", actor="test")
    store.add_sp_key(acme.id, "next", "cert-2", "key-2", actor="test")
    stamp = store.acs_stamp(acme.number)
    assert (stamp.config_version, stamp.rules_version) == (1, 1)
    assert stamp.keys == (1, 2, None)
    store.rotate_sp_key(acme.id, actor="test")
    assert store.acs_stamp(str(acme.id)).keys == (2, None, 1)
    store.rollback_sp_key(acme.id, actor="test")
    assert store.acs_stamp("ACME").keys == (1, 2, None)


def test_the_acs_stamp_of_an_unknown_account_is_not_found(store):
    with pytest.raises(Exception) as excinfo:
        store.acs_stamp("nobody")
    assert getattr(excinfo.value, "code", None) == "account_not_found"


def test_a_user_found_for_sign_in_comes_with_its_groups_by_kind(store):
    acme = store.create_account("Acme", "owner@acme.test", actor="test")
    user = store.create_user(acme.id, "sam@acme.test", actor="test", source="admin")
    store.set_user_groups(user.id, "user_group", ["eng", "all"], actor="test")
    store.set_user_groups(user.id, "im_group", ["chat"], actor="test")
    found = store.find_user_for_sign_in("SAM@acme.test")
    assert found is not None
    assert found[0] == store.get_user(user.id)
    assert found[1] == {"user_group": frozenset({"eng", "all"}), "im_group": frozenset({"chat"})}
    store.update_user(user.id, {"employee_id": "E7"}, actor="test")
    by_id = store.find_user_for_sign_in("other@acme.test", "E7", [acme.id])
    assert by_id is not None and by_id[0].id == user.id
    assert store.find_user_for_sign_in("other@acme.test", "E7", [acme.id + 1]) is None


def test_updating_a_locked_user_gives_and_audits_what_a_read_gives(store):
    acme = store.create_account("Acme", "owner@acme.test", actor="test", plan={"addon:webinar": 2})
    user = store.create_user(acme.id, "kim@acme.test", actor="test", source="admin")
    store.set_user_groups(user.id, "user_group", ["eng"], actor="test")
    changes = {
        "first_name": "Kim",
        "profile": {"department": "R&D"},
        "addons": ["webinar", "webinar"],
        "role": "Admin",
    }
    with store.transaction():
        found = store.find_user_for_sign_in("kim@acme.test", lock=True)
        assert found is not None
        updated = store.update_locked_user(found[0], changes, actor="sso")
    assert updated == store.get_user(user.id)
    assert updated.version == found[0].version + 1 and updated.groups == ("eng",)
    entry = store.list_audit([acme.id], action="user.update").items[0]
    assert (entry.before, entry.after) == (user_public(found[0]), user_public(updated))


def test_updating_a_locked_user_outside_its_transaction_is_refused(store):
    acme = store.create_account("Acme", "owner@acme.test", actor="test")
    user = store.create_user(acme.id, "kim@acme.test", actor="test", source="admin")
    with pytest.raises(RuntimeError):
        store.update_locked_user(user, {"first_name": "Kim"}, actor="sso")
    assert store.get_user(user.id).first_name is None


def test_single_statement_reads_leave_sqlite_connections_as_the_engine_set_them(sqlite_store):
    """Each pooled SQLite connection stays in the driver's autocommit mode, where only the
    engine's BEGIN IMMEDIATE opens a transaction (and takes the write lock up front)."""
    acme = sqlite_store.create_account("Acme", "owner@acme.test", actor="test", vanity="acme")
    for _ in range(3):
        assert sqlite_store.acs_stamp("acme").account.id == acme.id
        with sqlite_store.engine.connect() as conn:
            assert conn.connection.dbapi_connection.isolation_level is None
    with sqlite_store.transaction() as conn:
        assert conn.connection.dbapi_connection.in_transaction
