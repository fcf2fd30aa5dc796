"""The account model: kinds, nesting, billing, unlinking, settings and organizations."""

from __future__ import annotations

import pytest
from seats import add_licensed_users, licensed_pool, master, sub, unique_email

from gateway.store.errors import Conflict, InvalidState
from gateway.store.records import Account
from gateway.store.sql import SqlStore


def _standalone(store: SqlStore, name: str = "Solo", **kwargs: object) -> Account:
    return store.create_account(name, unique_email("solo"), actor="test", **kwargs)  # type: ignore[arg-type]


def test_a_standalone_account_becomes_a_master_when_it_gets_a_sub_account(
    store: SqlStore,
) -> None:
    acme = _standalone(store)
    assert acme.account_type == "standalone"
    child = sub(store, acme)
    assert store.get_account(acme.id).account_type == "master"
    assert (child.account_type, child.parent_id) == ("sub", acme.id)


def test_a_direct_master_cannot_have_third_level_sub_accounts(store: SqlStore) -> None:
    acme = _standalone(store, channel="direct")
    child = sub(store, acme)
    with pytest.raises(InvalidState) as excinfo:
        sub(store, child)
    assert (excinfo.value.status, excinfo.value.code) == (409, "nesting_not_allowed")
    assert store.get_account(child.id).account_type == "sub"


@pytest.mark.parametrize("channel", ["reseller", "distributor", "carrier"])
def test_reseller_distributor_and_carrier_masters_allow_a_third_level(
    store: SqlStore, channel: str
) -> None:
    top = _standalone(store, channel=channel)
    middle = sub(store, top)
    first = sub(store, middle, name="Customer 1")
    second = sub(store, middle, name="Customer 2")
    assert store.get_account(middle.id).account_type == "pseudo_master"
    assert {a.id for a in store.descendants(top.id)} == {middle.id, first.id, second.id}
    with pytest.raises(InvalidState) as excinfo:
        sub(store, first, name="Fourth level")
    assert excinfo.value.code == "nesting_not_allowed"


@pytest.mark.parametrize("channel", ["reseller", "distributor", "carrier"])
def test_reseller_masters_always_bill_their_sub_accounts_to_the_master(
    store: SqlStore, channel: str
) -> None:
    top = _standalone(store, channel=channel)
    child = sub(store, top, billing="self")
    assert (child.billing, child.billing_type) == ("master", "paid_by_master")


def test_a_direct_master_without_bulk_licensing_may_let_a_sub_account_pay_itself(
    store: SqlStore,
) -> None:
    acme = _standalone(store)
    itself = sub(store, acme, billing="self")
    by_master = sub(store, acme, billing="master")
    assert itself.billing_type == "paid_by_self"
    assert by_master.billing_type == "paid_by_master"
    assert store.set_plan(itself.id, "Licensed", 25, actor="test").capacity == 25


def test_unlinking_keeps_users_settings_and_configuration(store: SqlStore) -> None:
    acme = master(store, 100)
    child = sub(store, acme, vanity="acme-labs", support_name="Labs IT")
    store.delegate(child.id, "Licensed", 30, actor="test")
    users = add_licensed_users(store, child.id, 4)
    store.set_setting(child.id, "cloud_recording", True, locked=True, actor="test")
    store.add_verified_domain(child.id, "labs.example.test", actor="test")
    token, _ = store.create_token(child.id, "admin", actor="test")

    unlinked = store.unlink(child.id, actor="test")

    assert (unlinked.account_type, unlinked.parent_id) == ("standalone", None)
    assert unlinked.vanity == "acme-labs" and unlinked.support_name == "Labs IT"
    assert unlinked.settings == {"cloud_recording": {"value": True, "locked": True}}
    assert [d.domain for d in store.list_domains(child.id)] == ["labs.example.test"]
    assert store.is_associated(child.id, "labs.example.test")
    assert store.list_users(child.id).total == 5
    assert {u.id for u in store.list_users(child.id).items} >= set(users)
    assert store.authenticate(_, "admin") is not None
    assert token.account_id == child.id
    assert licensed_pool(store, child.id) == (30, 4, 0, 26)


def test_unlinking_takes_the_delegated_seats_out_of_the_master_s_plan(store: SqlStore) -> None:
    # docs/accounts.md: the seats leave with the sub-account, so none is counted twice.
    acme = master(store, 100)
    stay, leave = sub(store, acme), sub(store, acme)
    store.delegate(stay.id, "Licensed", 10, actor="test")
    store.delegate(leave.id, "Licensed", 30, actor="test")
    assert licensed_pool(store, acme.id) == (100, 0, 40, 60)
    store.unlink(leave.id, actor="test")
    assert licensed_pool(store, acme.id) == (70, 0, 10, 60)
    assert licensed_pool(store, leave.id)[0] == 30
    assert store.get_account(acme.id).account_type == "master"
    store.unlink(stay.id, actor="test")
    assert licensed_pool(store, acme.id) == (60, 0, 0, 60)
    assert store.get_account(acme.id).account_type == "standalone"


def test_only_a_sub_account_can_be_unlinked(store: SqlStore) -> None:
    acme = master(store, 10)
    with pytest.raises(InvalidState) as excinfo:
        store.unlink(acme.id, actor="test")
    assert excinfo.value.code == "not_a_sub_account"


def test_a_setting_locked_on_the_master_has_no_effect_on_a_sub_account(
    store: SqlStore,
) -> None:
    acme = master(store, 10)
    existing = sub(store, acme)
    store.set_setting(acme.id, "waiting_room", True, locked=True, actor="test")
    later = sub(store, acme)
    assert store.get_account(existing.id).settings == {}
    assert store.get_account(later.id).settings == {}
    store.set_setting(existing.id, "waiting_room", False, actor="test")
    assert store.get_account(existing.id).settings == {
        "waiting_room": {"value": False, "locked": False}
    }
    assert store.get_account(acme.id).settings["waiting_room"] == {"value": True, "locked": True}


def test_an_account_is_in_at_most_one_organization(store: SqlStore) -> None:
    acme, globex, initech = (_standalone(store, n) for n in ("Acme", "Globex", "Initech"))
    first = store.create_organization("First", acme.id, actor="test")
    second = store.create_organization("Second", initech.id, actor="test")
    store.link_organization(first.id, globex.id, actor="test")
    with pytest.raises(Conflict) as excinfo:
        store.link_organization(second.id, globex.id, actor="test")
    assert (excinfo.value.status, excinfo.value.code) == (409, "already_in_organization")
    with pytest.raises(Conflict) as excinfo:
        store.create_organization("Third", acme.id, actor="test")
    assert excinfo.value.code == "already_in_organization"
    assert store.get_organization(first.id).account_ids == (acme.id, globex.id)
    assert store.get_organization(second.id).account_ids == (initech.id,)


def test_linking_an_organization_merges_nothing(store: SqlStore) -> None:
    acme = master(store, 20, name="Acme")
    globex = store.create_account(
        "Globex", unique_email(), actor="test", plan={"Licensed": 5}, vanity="globex"
    )
    acme_users = add_licensed_users(store, acme.id, 3)
    globex_users = add_licensed_users(store, globex.id, 2)
    store.set_setting(acme.id, "chat", True, locked=True, actor="test")
    org = store.create_organization("Acme & Globex", acme.id, actor="test")
    store.link_organization(org.id, globex.id, actor="test")

    assert {u.id for u in store.list_users(acme.id).items} >= set(acme_users)
    assert {u.id for u in store.list_users(globex.id).items} >= set(globex_users)
    assert all(store.get_user(u).account_id == globex.id for u in globex_users)
    assert store.list_users(globex.id).total == 3
    assert store.get_account(globex.id).settings == {}
    assert licensed_pool(store, globex.id) == (5, 2, 0, 3)
    assert licensed_pool(store, acme.id) == (20, 3, 0, 17)
    assert store.get_account(globex.id).account_type == "standalone"
    store.unlink_organization(globex.id, actor="test")
    assert store.get_organization(org.id).account_ids == (acme.id,)
    with pytest.raises(InvalidState) as excinfo:
        store.unlink_organization(globex.id, actor="test")
    assert excinfo.value.code == "not_in_organization"
