"""The store contract as a reusable test class: subclass it where a ``store`` fixture exists.

Every backend must pass it unchanged (SQLite always, PostgreSQL when a DSN is given).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from seats import master, sub, unique_email

from gateway.errors import BadRequest
from gateway.store.errors import (
    Conflict,
    NotFound,
    StoreError,
    VersionMismatch,
)
from gateway.store.sql import SqlStore


def _refusal(excinfo: pytest.ExceptionInfo[Any]) -> tuple[int, str]:
    return excinfo.value.status, excinfo.value.code


class StoreContract:
    """What every store promises: copies, refusal codes, audit, uniqueness, transactions."""

    # -- records are copies ------------------------------------------------------------------

    def test_account_records_are_frozen(self, store: SqlStore) -> None:
        account = master(store, 10)
        with pytest.raises(dataclasses.FrozenInstanceError):
            account.name = "Changed"  # type: ignore[misc]

    def test_changing_a_returned_record_changes_nothing_stored(self, store: SqlStore) -> None:
        account = store.set_setting(master(store, 10).id, "recording", True, actor="test")
        account.settings["recording"] = {"value": False, "locked": True}
        account.settings["injected"] = 1
        again = store.get_account(account.id)
        assert again.settings == {"recording": {"value": True, "locked": False}}

    def test_user_records_are_frozen_copies(self, store: SqlStore) -> None:
        account = master(store, 10)
        user = store.create_user(
            account.id, unique_email(), actor="test", source="admin", profile={"title": "CTO"}
        )
        with pytest.raises(dataclasses.FrozenInstanceError):
            user.status = "deactivated"  # type: ignore[misc]
        user.profile["title"] = "Intern"
        assert store.get_user(user.id).profile == {"title": "CTO"}

    # -- refusal codes -----------------------------------------------------------------------

    def test_missing_records_raise_not_found_with_a_code(self, store: SqlStore) -> None:
        account = master(store, 10)
        cases = [
            (lambda: store.get_account(987654), "account_not_found"),
            (lambda: store.find_account("no-such-vanity"), "account_not_found"),
            (lambda: store.get_user("no-such-user"), "user_not_found"),
            (lambda: store.get_organization(987654), "organization_not_found"),
            (
                lambda: store.revoke_token(987654, account_id=account.id, actor="test"),
                "token_not_found",
            ),
        ]
        for call, code in cases:
            with pytest.raises(NotFound) as excinfo:
                call()
            assert _refusal(excinfo) == (404, code)

    def test_a_user_of_another_account_is_not_found_there(self, store: SqlStore) -> None:
        one, other = master(store, 1, name="One"), master(store, 1, name="Other")
        user = store.create_user(one.id, unique_email(), actor="test", source="admin")
        with pytest.raises(NotFound) as excinfo:
            store.get_user(user.id, account_id=other.id)
        assert _refusal(excinfo) == (404, "user_not_found")

    def test_a_stale_version_raises_version_mismatch(self, store: SqlStore) -> None:
        account = master(store, 10)
        user = store.create_user(account.id, unique_email(), actor="test", source="admin")
        store.update_user(user.id, {"first_name": "Ada"}, actor="test", expected_version=1)
        with pytest.raises(VersionMismatch) as excinfo:
            store.update_user(user.id, {"first_name": "Bob"}, actor="test", expected_version=1)
        assert _refusal(excinfo) == (412, "version_mismatch")
        with pytest.raises(VersionMismatch):
            store.delete_user(user.id, actor="test", expected_version=1)
        assert store.get_user(user.id).first_name == "Ada"

    def test_every_refusal_is_a_store_or_gateway_error_with_status_and_code(
        self, store: SqlStore
    ) -> None:
        account = master(store, 10)
        with pytest.raises(Conflict) as excinfo:
            store.create_account("Twin", account.owner_email, actor="test")
        assert isinstance(excinfo.value, StoreError)
        assert _refusal(excinfo) == (409, "owner_email_taken")

    # -- audit -------------------------------------------------------------------------------

    def test_each_change_writes_an_audit_entry_with_actor_before_and_after(
        self, store: SqlStore
    ) -> None:
        acme = master(store, 10, vanity="acme-audit")
        child = sub(store, acme)
        store.update_account(acme.id, {"name": "Acme 2"}, actor="alice")
        store.set_setting(acme.id, "recording", True, actor="alice")
        store.set_plan(acme.id, "Licensed", 20, actor="alice")
        store.delegate(child.id, "Licensed", 5, actor="alice")
        user = store.create_user(acme.id, unique_email(), actor="alice", source="admin")
        store.update_user(user.id, {"license_type": "Licensed"}, actor="alice")
        store.delete_user(user.id, actor="alice")
        store.unlink(child.id, actor="alice")

        entries = store.list_audit([acme.id, child.id], limit=500).items
        by_action = {e.action: e for e in entries}
        expected_before_after = {
            "account.update": ({"name": "Master"}, {"name": "Acme 2"}),
            "plan.set": ({"capacity": 10}, {"capacity": 20}),
            "license.delegate": ({"capacity": 0}, {"capacity": 5}),
            "user.update": ({"license_type": "Basic"}, {"license_type": "Licensed"}),
            "account.unlink": ({"account_type": "sub"}, {"account_type": "standalone"}),
        }
        for action, (before, after) in expected_before_after.items():
            entry = by_action[action]
            assert entry.actor == "alice", action
            assert before.items() <= entry.before.items(), action
            assert after.items() <= entry.after.items(), action
        assert by_action["account.setting"].after == {"value": True, "locked": False}
        assert by_action["user.create"].after["email"] == user.email
        assert by_action["user.delete"].before["id"] == user.id
        assert by_action["user.delete"].after is None
        assert by_action["account.create"].after["id"] in (acme.id, child.id)
        assert all(e.at == store.clock.now() for e in entries)

    def test_a_refused_change_leaves_no_audit_entry(self, store: SqlStore) -> None:
        account = master(store, 10)
        before = store.list_audit([account.id]).total
        with pytest.raises(StoreError) as excinfo:
            store.delegate(account.id, "Licensed", 1, actor="x")
        assert excinfo.value.code == "not_a_sub_account"
        with pytest.raises(BadRequest) as excinfo:
            store.set_plan(account.id, "Licensed", -1, actor="x")
        assert excinfo.value.code == "invalid_capacity"
        assert store.list_audit([account.id]).total == before

    # -- owner email, vanity, user email -----------------------------------------------------

    def test_owner_email_must_never_have_been_registered_case_insensitively(
        self, store: SqlStore
    ) -> None:
        first = store.create_account("First", "Owner@Example.test", actor="test")
        for taken in ("owner@example.test", "OWNER@EXAMPLE.TEST"):
            with pytest.raises(Conflict) as excinfo:
                store.create_account("Second", taken, actor="test")
            assert _refusal(excinfo) == (409, "owner_email_taken")
        member = store.create_user(first.id, "Member@Example.test", actor="test", source="admin")
        with pytest.raises(Conflict) as excinfo:
            store.create_account("Third", member.email.upper(), actor="test")
        assert _refusal(excinfo) == (409, "owner_email_taken")
        with pytest.raises(Conflict) as excinfo:
            store.create_account("Sub", "member@example.test", actor="test", parent_id=first.id)
        assert _refusal(excinfo) == (409, "owner_email_taken")
        assert [a.name for a in store.list_accounts()] == ["First"]

    @pytest.mark.parametrize("bad", ["not-an-email", "a@b", "", " @x.test", "a b@x.test"])
    def test_owner_email_must_be_valid(self, store: SqlStore, bad: str) -> None:
        with pytest.raises(BadRequest) as excinfo:
            store.create_account("Bad", bad, actor="test")
        assert excinfo.value.code == "invalid_email"

    def test_vanity_is_unique(self, store: SqlStore) -> None:
        store.create_account("One", unique_email(), actor="test", vanity="company-io")
        other = store.create_account("Two", unique_email(), actor="test", vanity="other")
        with pytest.raises(Conflict) as excinfo:
            store.create_account("Three", unique_email(), actor="test", vanity="company-io")
        assert _refusal(excinfo) == (409, "vanity_taken")
        with pytest.raises(Conflict) as excinfo:
            store.update_account(other.id, {"vanity": "company-io"}, actor="test")
        assert _refusal(excinfo) == (409, "vanity_taken")
        assert store.get_account(other.id).vanity == "other"

    @pytest.mark.parametrize(
        "bad", ["Company", "-acme", "acme-", "acme_io", "acme.io", "", "a" * 64, "é"]
    )
    def test_vanity_is_lowercase_letters_digits_and_inner_hyphens(
        self, store: SqlStore, bad: str
    ) -> None:
        with pytest.raises(BadRequest) as excinfo:
            store.create_account("Bad", unique_email(), actor="test", vanity=bad)
        assert excinfo.value.code == "invalid_vanity"

    @pytest.mark.parametrize("good", ["company-io", "a", "acme2", "9-lives"])
    def test_well_formed_vanities_are_accepted(self, store: SqlStore, good: str) -> None:
        account = store.create_account("Good", unique_email(), actor="test", vanity=good)
        assert store.find_account(good).id == account.id

    def test_user_email_is_unique_across_accounts_case_insensitively(self, store: SqlStore) -> None:
        one, two = master(store, 1, name="One"), master(store, 1, name="Two")
        store.create_user(one.id, "Bob@Example.test", actor="test", source="admin")
        with pytest.raises(Conflict) as excinfo:
            store.create_user(two.id, "bob@EXAMPLE.test", actor="test", source="scim")
        assert _refusal(excinfo) == (409, "email_taken")
        with pytest.raises(Conflict) as excinfo:
            store.create_user(two.id, one.owner_email.upper(), actor="test", source="scim")
        assert _refusal(excinfo) == (409, "email_taken")
        carol = store.create_user(two.id, "carol@example.test", actor="test", source="admin")
        with pytest.raises(Conflict) as excinfo:
            store.update_user(carol.id, {"email": "BOB@example.test"}, actor="test")
        assert _refusal(excinfo) == (409, "email_taken")
        assert store.get_user(carol.id).email == "carol@example.test"
        assert store.find_user_by_email("BOB@EXAMPLE.TEST") is not None

    # -- transactions ------------------------------------------------------------------------

    def test_a_failure_inside_a_transaction_rolls_back_every_step(self, store: SqlStore) -> None:
        keep = master(store, 10, name="Keep")
        with pytest.raises(Conflict), store.transaction():
            store.create_account("Gone", "gone@example.test", actor="test")
            store.create_user(keep.id, "gone-user@example.test", actor="test", source="admin")
            store.set_plan(keep.id, "Licensed", 50, actor="test")
            store.create_user(keep.id, keep.owner_email, actor="test", source="admin")
        assert [a.name for a in store.list_accounts()] == ["Keep"]
        assert store.find_user_by_email("gone-user@example.test") is None
        assert [(p.seat_kind, p.capacity) for p in store.pools(keep.id)] == [("Licensed", 10)]
        assert {e.action for e in store.list_audit([keep.id]).items} == {"account.create"}

    def test_a_python_error_inside_a_transaction_rolls_back_too(self, store: SqlStore) -> None:
        with pytest.raises(RuntimeError), store.transaction():
            store.create_account("Gone", "gone@example.test", actor="test")
            raise RuntimeError("boom")
        assert store.list_accounts() == []
        store.create_account("Again", "gone@example.test", actor="test")

    def test_nested_transactions_join_the_outer_one(self, store: SqlStore) -> None:
        with store.transaction() as outer, store.transaction() as inner:
            assert inner is outer
