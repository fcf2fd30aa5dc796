"""Bulk licensing: the seed's three examples and every refusal that keeps remaining >= 0.

The examples with 900 users used run on SQLite (900 users through the store is slow on a
loaded PostgreSQL); the same arithmetic runs on every backend with the third example.
"""

from __future__ import annotations

import pytest
from seats import add_licensed_users, licensed_pool, master, sub

from gateway.store.errors import DelegationBelowUsage, InvalidState, LicensePoolExhausted
from gateway.store.sql import SqlStore

SEED_EXAMPLES = [
    # purchased, used on master, delegations, remaining
    pytest.param(1000, 900, (100, 0), 0, id="1000-900-100+0-0"),
    pytest.param(1000, 900, (50, 50), 0, id="1000-900-50+50-0"),
    pytest.param(5000, 10, (1000, 1000), 2990, id="5000-10-1000+1000-2990"),
]


@pytest.mark.parametrize(("purchased", "used", "delegations", "remaining"), SEED_EXAMPLES)
def test_the_seed_examples_leave_exactly_the_remaining_seats(
    sqlite_store: SqlStore,
    purchased: int,
    used: int,
    delegations: tuple[int, int],
    remaining: int,
) -> None:
    _check_seed_example(sqlite_store, purchased, used, delegations, remaining)


def test_the_seed_arithmetic_holds_on_every_backend(store: SqlStore) -> None:
    _check_seed_example(store, 5000, 10, (1000, 1000), 2990)


def _check_seed_example(
    store: SqlStore, purchased: int, used: int, delegations: tuple[int, int], remaining: int
) -> None:
    acme = master(store, purchased)
    subs = [sub(store, acme, name=f"Sub {i}") for i in range(len(delegations))]
    add_licensed_users(store, acme.id, used)
    for child, seats in zip(subs, delegations, strict=True):
        store.delegate(child.id, "Licensed", seats, actor="test")

    assert licensed_pool(store, acme.id) == (purchased, used, sum(delegations), remaining)
    assert [licensed_pool(store, c.id)[0] for c in subs] == list(delegations)
    with pytest.raises(LicensePoolExhausted) as excinfo:
        store.delegate(subs[-1].id, "Licensed", delegations[-1] + remaining + 1, actor="test")
    assert (excinfo.value.status, excinfo.value.code) == (409, "license_pool_exhausted")
    assert licensed_pool(store, acme.id) == (purchased, used, sum(delegations), remaining)


def test_delegating_beyond_what_remains_is_refused(store: SqlStore) -> None:
    acme = master(store, 100)
    health, labs = sub(store, acme), sub(store, acme)
    add_licensed_users(store, acme.id, 90)
    store.delegate(health.id, "Licensed", 10, actor="test")
    with pytest.raises(LicensePoolExhausted) as excinfo:
        store.delegate(labs.id, "Licensed", 1, actor="test")
    assert (excinfo.value.status, excinfo.value.code) == (409, "license_pool_exhausted")
    with pytest.raises(LicensePoolExhausted):
        store.delegate(health.id, "Licensed", 11, actor="test")
    assert licensed_pool(store, acme.id) == (100, 90, 10, 0)
    assert licensed_pool(store, labs.id)[0] == 0


def test_a_full_master_cannot_license_another_user(store: SqlStore) -> None:
    acme = master(store, 3)
    child = sub(store, acme)
    store.delegate(child.id, "Licensed", 2, actor="test")
    add_licensed_users(store, acme.id, 1)
    with pytest.raises(LicensePoolExhausted) as excinfo:
        add_licensed_users(store, acme.id, 1)
    assert excinfo.value.code == "license_pool_exhausted"
    assert licensed_pool(store, acme.id) == (3, 1, 2, 0)


def test_a_sub_account_cannot_use_more_than_its_delegation(store: SqlStore) -> None:
    acme = master(store, 100)
    child = sub(store, acme)
    store.delegate(child.id, "Licensed", 2, actor="test")
    add_licensed_users(store, child.id, 2)
    with pytest.raises(LicensePoolExhausted) as excinfo:
        add_licensed_users(store, child.id, 1)
    assert excinfo.value.code == "license_pool_exhausted"
    assert licensed_pool(store, child.id) == (2, 2, 0, 0)


def test_a_delegation_never_drops_below_what_the_sub_account_uses(store: SqlStore) -> None:
    acme = master(store, 100)
    child = sub(store, acme)
    store.delegate(child.id, "Licensed", 10, actor="test")
    add_licensed_users(store, child.id, 5)
    with pytest.raises(DelegationBelowUsage) as excinfo:
        store.delegate(child.id, "Licensed", 4, actor="test")
    assert (excinfo.value.status, excinfo.value.code) == (409, "delegation_below_usage")
    assert licensed_pool(store, child.id) == (10, 5, 0, 5)
    assert licensed_pool(store, acme.id) == (100, 0, 10, 90)
    store.delegate(child.id, "Licensed", 5, actor="test")
    assert licensed_pool(store, acme.id) == (100, 0, 5, 95)


def test_a_plan_cannot_drop_below_what_is_used_and_delegated(store: SqlStore) -> None:
    acme = master(store, 100)
    child = sub(store, acme)
    store.delegate(child.id, "Licensed", 30, actor="test")
    add_licensed_users(store, acme.id, 20)
    with pytest.raises(DelegationBelowUsage) as excinfo:
        store.set_plan(acme.id, "Licensed", 49, actor="test")
    assert (excinfo.value.status, excinfo.value.code) == (409, "capacity_below_usage")
    assert store.set_plan(acme.id, "Licensed", 50, actor="test").remaining == 0


def test_a_bulk_licensed_sub_account_has_no_plan_of_its_own(store: SqlStore) -> None:
    acme = master(store, 100)
    child = sub(store, acme)
    with pytest.raises(InvalidState) as excinfo:
        store.set_plan(child.id, "Licensed", 500, actor="test")
    assert excinfo.value.code == "plan_is_delegated"
    with pytest.raises(InvalidState) as excinfo:
        store.create_account(
            "Free seats",
            "free@example.test",
            actor="test",
            parent_id=acme.id,
            plan={"Licensed": 500},
        )
    assert excinfo.value.code == "plan_is_delegated"
    assert licensed_pool(store, acme.id) == (100, 0, 0, 100)
    assert sum(licensed_pool(store, a.id)[0] for a in store.descendants(acme.id)) == 0


def test_delegation_needs_bulk_licensing_on_the_master(store: SqlStore) -> None:
    plain = store.create_account("Plain", "plain@example.test", actor="test", plan={"Licensed": 10})
    child = sub(store, plain, billing="self")
    with pytest.raises(InvalidState) as excinfo:
        store.delegate(child.id, "Licensed", 1, actor="test")
    assert excinfo.value.code == "bulk_licensing_off"
    assert store.set_plan(child.id, "Licensed", 7, actor="test").capacity == 7
    assert licensed_pool(store, plain.id) == (10, 0, 0, 10)


def test_turning_bulk_licensing_off_with_sub_accounts_is_refused(store: SqlStore) -> None:
    acme = master(store, 100)
    child = sub(store, acme)
    store.delegate(child.id, "Licensed", 40, actor="test")
    with pytest.raises(InvalidState) as excinfo:
        store.update_account(acme.id, {"bulk_licensing": False}, actor="test")
    assert excinfo.value.code == "has_sub_accounts"
    assert store.get_account(acme.id).bulk_licensing is True


def test_a_pseudo_master_delegates_from_what_it_was_delegated(store: SqlStore) -> None:
    carrier = master(store, 100, channel="carrier")
    reseller = sub(store, carrier, bulk_licensing=True)
    customer = sub(store, reseller)
    store.delegate(reseller.id, "Licensed", 30, actor="test")
    store.delegate(customer.id, "Licensed", 20, actor="test")
    with pytest.raises(LicensePoolExhausted):
        store.delegate(customer.id, "Licensed", 31, actor="test")
    with pytest.raises(DelegationBelowUsage) as excinfo:
        store.delegate(reseller.id, "Licensed", 19, actor="test")
    assert excinfo.value.code == "delegation_below_usage"
    assert licensed_pool(store, carrier.id) == (100, 0, 30, 70)
    assert licensed_pool(store, reseller.id) == (30, 0, 20, 10)
    assert licensed_pool(store, customer.id) == (20, 0, 0, 20)
