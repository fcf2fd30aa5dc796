"""A master's owner cannot consolidate away from its sub-accounts (issue 17 item 12)."""

from __future__ import annotations

import pytest

from gateway.domains.errors import ConsolidationBlocked


def _engine(demo):
    return demo.app.extensions["gateway.domains"].engine


def _blocker_codes(plan) -> list[str]:
    return [b["code"] for b in plan.to_dict()["blockers"]]


def test_the_preview_lists_the_delegated_seats_of_a_bulk_master_as_a_blocker(demo):
    owner = demo.owner("acme")
    plan = _engine(demo).plan(owner, demo.account("globex"))
    assert "master_has_sub_accounts" in _blocker_codes(plan)
    message = next(b["message"] for b in plan.to_dict()["blockers"])
    assert "delegates" in message and "Acme Healthcare" in message
    assert "unlink every sub-account first" in message


def test_accepting_is_refused_with_the_same_words_and_nothing_moves(demo):
    owner = demo.owner("acme")
    engine = _engine(demo)
    plan = engine.plan(owner, demo.account("globex"))
    with pytest.raises(ConsolidationBlocked) as refused:
        engine.start(plan, bring_all_users=True, invitation_id=None)
    assert refused.value.code == "master_has_sub_accounts"
    assert demo.store.get_user(owner.id).account_id == demo.account("acme").id


def test_the_owner_of_a_master_without_bulk_licensing_cannot_leave_a_billed_sub_behind(demo):
    store = demo.store
    master = store.create_account("Initech", "owner@initech.test", actor="t", plan={"Licensed": 5})
    store.create_account(
        "Initech East", "owner@east.initech.test", actor="t", parent_id=master.id, billing="master"
    )
    owner = store.find_user_by_email("owner@initech.test")
    plan = _engine(demo).plan(owner, demo.account("globex"))
    assert _blocker_codes(plan) == ["master_has_sub_accounts"]
    assert "billed to it" in plan.to_dict()["blockers"][0]["message"]


def test_a_standalone_owner_still_consolidates(demo):
    store = demo.store
    solo = store.create_account("Solo", "owner@solo.test", actor="t")
    owner = store.find_user_by_email("owner@solo.test")
    plan = _engine(demo).plan(owner, demo.account("globex"))
    assert _blocker_codes(plan) == []
    assert solo.account_type == "standalone"
