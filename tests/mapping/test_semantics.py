"""The real service's mapping semantics, each checked with both evaluators."""

from __future__ import annotations

from mapping_helpers import MASTER_SSO, SEED_RULES, Decide, Load, cond, rule

from mapping import AccountFacts, UserState

LICENSED_USER = UserState(exists=True, license_type="Licensed")


def test_seed_example_routes_global_users_with_hipaa_into_healthcare(
    load: Load, decide: Decide
) -> None:
    decision = decide(load(*SEED_RULES), {"memberOf": ["global_users", "HIPAA"]})
    assert decision.sub_account == "acme-health"
    assert decision.trace.decided_by["sub_account"] == (1,)


def test_partial_match_of_sub_account_rule_routes_nowhere(load: Load, decide: Decide) -> None:
    ruleset = load(*SEED_RULES)
    assert decide(ruleset, {"memberOf": ["global_users", "Sales"]}).sub_account is None
    assert decide(ruleset, {"memberOf": ["HIPAA", "Developer"]}).sub_account is None


def test_sub_account_rules_do_not_route_outside_the_masters_sso(load: Load, decide: Decide) -> None:
    own_sso = AccountFacts(routes_sub_accounts=False)
    decision = decide(load(*SEED_RULES), {"memberOf": ["global_users", "HIPAA"]}, account=own_sso)
    assert decision.sub_account is None
    assert "sub_account" not in decision.trace.decided_by


def test_first_matching_rule_decides_license(load: Load, decide: Decide) -> None:
    ruleset = load(
        rule("license", "On-Prem", cond("dept", "nowhere")),
        rule("license", "Licensed", cond("dept", "sales")),
        rule("license", "Basic", cond("dept", "sales")),
    )
    decision = decide(ruleset, {"dept": ["sales"]})
    assert decision.license_type == "Licensed"
    assert decision.trace.decided_by["license"] == (2,)
    assert decision.trace.rules[2].matched
    assert "rule 2 decided license first" in (decision.trace.rules[2].note or "")


def test_license_none_blocks_sign_in(load: Load, decide: Decide) -> None:
    ruleset = load(
        rule("license", "None", cond("dept", "contractors")),
        rule("addon:webinar", True, cond("dept", "contractors")),
    )
    decision = decide(ruleset, {"dept": ["contractors"]})
    assert decision.blocked == "license_none"
    assert decision.addons == frozenset()


def test_default_license_none_blocks_a_new_user(load: Load, decide: Decide) -> None:
    ruleset = load(rule("license", "Licensed", cond("dept", "sales")))
    closed = AccountFacts(default_license_type="None")
    assert decide(ruleset, {"dept": ["hr"]}, account=closed).blocked == "license_none"


def test_new_user_without_match_gets_default_license(load: Load, decide: Decide) -> None:
    ruleset = load(rule("license", "Licensed", cond("dept", "sales")))
    account = AccountFacts(default_license_type="On-Prem")
    decision = decide(ruleset, {"dept": ["hr"]}, account=account)
    assert decision.license_type == "On-Prem"
    assert any("account default On-Prem" in note for note in decision.trace.notes)


def test_existing_user_without_match_keeps_license(load: Load, decide: Decide) -> None:
    ruleset = load(rule("license", "Basic", cond("dept", "sales")))
    decision = decide(ruleset, {"dept": ["hr"]}, LICENSED_USER)
    assert decision.license_type == "Licensed"
    assert any("keeps Licensed" in note for note in decision.trace.notes)


def test_licensed_user_with_upcoming_meetings_not_downgraded(load: Load, decide: Decide) -> None:
    ruleset = load(rule("license", "Basic", cond("dept", "hr")))
    busy = UserState(exists=True, license_type="Licensed", has_upcoming_meetings=True)
    decision = decide(ruleset, {"dept": ["hr"]}, busy)
    assert decision.license_type == "Licensed"
    assert any("upcoming meetings" in note for note in decision.trace.notes)
    assert decide(ruleset, {"dept": ["hr"]}, LICENSED_USER).license_type == "Basic"


def test_addon_removed_when_section_mapped_but_unmatched(load: Load, decide: Decide) -> None:
    ruleset = load(rule("addon:webinar", True, cond("dept", "marketing")))
    user = UserState(
        exists=True, license_type="Licensed", addons=frozenset({"webinar", "whiteboard"})
    )
    decision = decide(ruleset, {"dept": ["hr"]}, user)
    assert decision.addons == {"whiteboard"}
    assert decision.addons_removed == {"webinar"}
    [removal] = decision.trace.removed
    assert removal.item == "webinar"
    assert "none matched" in removal.reason


def test_addon_turned_off_by_a_matching_rule(load: Load, decide: Decide) -> None:
    ruleset = load(rule("addon:whiteboard", False, cond("dept", "hr")))
    user = UserState(exists=True, addons=frozenset({"whiteboard"}))
    decision = decide(ruleset, {"dept": ["hr"]}, user)
    assert decision.addons_removed == {"whiteboard"}
    assert "rule 1 turns addon:whiteboard off" in decision.trace.removed[0].reason


def test_each_addon_is_its_own_chain(load: Load, decide: Decide) -> None:
    ruleset = load(
        rule("addon:webinar", True, cond("dept", "sales")),
        rule("addon:large_meeting", True, cond("dept", "sales")),
        rule("addon:webinar", False, cond("dept", "sales")),
    )
    decision = decide(ruleset, {"dept": ["sales"]})
    assert decision.addons == {"webinar", "large_meeting"}


def test_addon_without_rules_is_unchanged(load: Load, decide: Decide) -> None:
    ruleset = load(rule("addon:webinar", True, cond("dept", "sales")))
    user = UserState(exists=True, addons=frozenset({"cloud_recording_storage"}))
    decision = decide(ruleset, {"dept": ["sales"]}, user)
    assert decision.addons == {"webinar", "cloud_recording_storage"}
    assert decision.addons_removed == frozenset()


def test_rules_never_apply_to_owner(load: Load, decide: Decide) -> None:
    ruleset = load(
        *SEED_RULES,
        rule("license", "None", cond("memberOf", "global")),
        rule("addon:webinar", True, cond("memberOf", "nothing")),
    )
    owner = UserState(
        exists=True, is_owner=True, license_type="Licensed", addons=frozenset({"webinar"})
    )
    decision = decide(ruleset, {"memberOf": ["global_users", "HIPAA"]}, owner)
    assert decision.owner_exempt
    assert decision.blocked is None
    assert decision.sub_account is None
    assert decision.license_type == "Licensed"
    assert decision.addons == {"webinar"}
    assert any("owner" in note for note in decision.trace.notes)


def test_routed_user_gets_only_license_and_addons(load: Load, decide: Decide) -> None:
    ruleset = load(
        *SEED_RULES,
        rule("license", "Licensed", cond("memberOf", "HIPAA")),
        rule("addon:webinar", True, cond("memberOf", "HIPAA")),
        rule("user_group", "Clinicians", cond("memberOf", "HIPAA")),
        rule("role", "Admin", cond("memberOf", "HIPAA")),
        rule("recording_location", "EU", cond("memberOf", "HIPAA")),
    )
    user = UserState(exists=True, license_type="Basic", groups={"user_group": frozenset({"Old"})})
    decision = decide(ruleset, {"memberOf": ["global_users", "HIPAA"]}, user)
    assert decision.sub_account == "acme-health"
    assert decision.license_type == "Licensed"
    assert decision.addons == {"webinar"}
    assert decision.groups["user_group"] == {"Old"}
    assert decision.groups_removed["user_group"] == frozenset()
    assert decision.role is None
    assert decision.recording_location is None
    left_out = {x.category: x for x in decision.trace.left_out}
    assert set(left_out) == {"user_group", "role", "recording_location"}
    assert left_out["role"].positions == (5,)
    assert "left out because routed into sub-account acme-health" in left_out["role"].reason


def test_groups_are_authoritative(load: Load, decide: Decide) -> None:
    ruleset = load(
        rule("user_group", "Sales", cond("dept", "sales")),
        rule("user_group", "Managers", cond("title", "manager")),
        rule("user_group", "Engineers", cond("dept", "engineering")),
    )
    user = UserState(
        exists=True,
        groups={"user_group": frozenset({"Engineers", "Sales"}), "im_group": frozenset({"Chat"})},
    )
    decision = decide(ruleset, {"dept": ["sales"], "title": ["Sales Manager"]}, user)
    assert decision.groups["user_group"] == {"Sales", "Managers"}
    assert decision.groups_removed["user_group"] == {"Engineers"}
    # A kind without rules is left alone.
    assert decision.groups["im_group"] == {"Chat"}
    assert decision.trace.decided_by["user_group"] == (1, 2)
    assert [r.item for r in decision.trace.removed] == ["Engineers"]


def test_first_matching_rule_decides_role_and_recording_location(
    load: Load, decide: Decide
) -> None:
    ruleset = load(
        rule("role", "Auditor", cond("dept", "audit")),
        rule("role", "Admin", cond("dept", "it")),
        rule("recording_location", "EU", cond("country", "de", operator="equals")),
    )
    decision = decide(ruleset, {"dept": ["it", "audit"], "country": ["DE"]})
    assert decision.role == "Auditor"
    assert decision.recording_location == "EU"
    assert decide(ruleset, {"dept": ["hr"]}).role is None


def test_sub_account_rule_may_name_a_number(load: Load, decide: Decide) -> None:
    ruleset = load(rule("sub_account", 12345, cond("dept", "labs")))
    assert decide(ruleset, {"dept": ["labs"]}, account=MASTER_SSO).sub_account == "12345"
