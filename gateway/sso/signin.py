"""What a verified SAML response does: basic and advanced mapping, JIT or prior provisioning."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.activation import Activation
from gateway.rules import RulesService
from gateway.saml.types import SamlAttribute, VerifiedAssertion
from gateway.sso.config import SamlConfig
from gateway.sso.mapped_settings import settings_of, with_settings
from gateway.sso.profile import BasicProfile, SignInRefused, basic_profile
from gateway.store.records import Account, User
from gateway.store.sql import SqlStore
from mapping import AccountFacts, Attribute, Decision, SignInFacts, UserState

SESSION_TTL = dt.timedelta(hours=8)
GROUP_KINDS = ("user_group", "im_group", "contact_group")
ROUTED_NOTE = (
    "Routed into sub-account {name} through the master's SSO: only the meeting "
    "license and meeting add-ons come from the mapping; groups, role and the rest are "
    "set by {name}'s admins (or by its own SSO)."
)

# Up to this many rules a sign-in's answer traces every rule (the reference evaluation, a few
# milliseconds at most); beyond it the indexed evaluation decides and its trace names the rules
# that decided, since a per-rule trace of thousands of rules would cost more than the sign-in
# and bloat its answer. The explain endpoint always traces every rule.
FULL_TRACE_RULES = 200
TRACE_NOTE = (
    f"The account has {{count:,}} mapping rules, more than the {FULL_TRACE_RULES} a sign-in "
    "traces one by one: trace.decided_by names the rules that decided; POST "
    "/api/v1/accounts/{account_id}/mapping/explain traces every rule."
)


@dataclass(frozen=True)
class SignInResult:
    """The outcome of one sign-in, with everything needed to explain it."""

    outcome: str  # signed_in | activation_required
    account: Account
    user: User
    decision: Decision
    assertion: VerifiedAssertion
    routed_from: Account | None = None
    notes: tuple[str, ...] = ()
    session_secret: str | None = field(default=None, repr=False)

    @functools.cached_property
    def decision_dict(self) -> dict[str, Any]:
        """``decision.to_dict()``, made once for the answer and the response log (read only)."""
        return self.decision.to_dict()


@dataclass
class SignInService:
    """Applies a verified assertion to the account model."""

    store: SqlStore
    rules: RulesService
    activation: Activation

    def apply(
        self,
        account: Account,
        config: SamlConfig,
        assertion: VerifiedAssertion,
        *,
        explain: bool = True,
        has_subaccounts: bool = True,
    ) -> SignInResult:
        """Map, provision and open a session; raises SignInRefused or a store refusal.

        One transaction for the whole sign-in: its reads and writes see one state, and it
        costs one BEGIN/COMMIT instead of one per store call (the profile in BENCHMARKS.md).
        ``has_subaccounts`` False (read with the account: ``AcsStamp``) spares the tree's read.
        """
        basic = basic_profile(config, assertion)
        with self.store.transaction():
            tree = self.store.account_tree(account.id) if has_subaccounts else []
            subs = [a for a in tree if a.parent_id == account.id]
            existing, groups = self._existing(basic, {account.id} | {a.id for a in tree})
            if existing is None and config.provisioning == "prior":
                raise SignInRefused(
                    f"{basic.email} has not been provisioned in {account.name}, and "
                    "this account provisions users before sign-in. Create the user "
                    "first (SCIM or the admin API).",
                    code="not_provisioned",
                )
            state = self.user_state(existing, groups)
            decision = self.decide(
                account,
                assertion.attributes,
                existing,
                explain=explain,
                trace_limit=FULL_TRACE_RULES,
                subs=subs,
                state=state,
            )
            if decision.blocked:
                raise SignInRefused(
                    f"The mapping gives {basic.email} no license (license type 'None'), which "
                    "blocks sign-in; nobody was created or changed. Change the account's "
                    "license rules or its default license type to let this user in.",
                    code=decision.blocked,
                    mapping=decision.to_dict(),
                )
            target = self.target(account, decision, subs)
            user = self._provision(target, config, basic, existing, decision, account, state)
            ttl = config.session_ttl(SESSION_TTL)  # "Enforce automatic logout after"
            result = self._finish(account, target, user, decision, assertion, basic, ttl)
        if explain and not decision.trace.complete:  # more rules than the trace limit
            count = len(self.rules.compiled(account.id).ruleset.rules)
            note = TRACE_NOTE.format(count=count, account_id=account.id)
            result = replace(result, notes=(*result.notes, note))
        return result

    def _existing(
        self, basic: BasicProfile, family: set[int]
    ) -> tuple[User | None, dict[str, frozenset[str]]]:
        """The user signing in (row locked until the sign-in commits) and its groups by kind;
        raises SignInRefused for a user of another account or a deactivated one."""
        found = self.store.find_user_for_sign_in(basic.email, basic.employee_id, family, lock=True)
        user, groups = found if found is not None else (None, {})
        if user is not None and user.account_id not in family:
            raise SignInRefused(
                f"{basic.email} belongs to a user of another account; SSO never "
                "takes over a user of another account. Invite them to "
                "consolidate instead.",
                code="email_taken_elsewhere",
            )
        if user is not None and user.status == "deactivated":
            raise SignInRefused(
                f"{user.email} is deactivated in this account.", code="user_deactivated"
            )
        return user, groups

    def decide(
        self,
        account: Account,
        attributes: Iterable[SamlAttribute],
        user: User | None,
        *,
        explain: bool,
        trace_limit: int | None = None,
        subs: Sequence[Account] | None = None,
        state: UserState | None = None,
    ) -> Decision:
        """Evaluate the account's rules for these attributes and this user (None: a new one).

        ``explain`` traces every rule, unless the account has more than ``trace_limit``
        rules: the indexed evaluation then decides, with its trace of the deciding rules.
        ``subs`` (the direct sub-accounts) and ``state`` (``user_state(user)``) save their
        queries when the caller has them already.
        """
        facts = SignInFacts(tuple(Attribute(a.name, a.values, a.friendly_name) for a in attributes))
        state = state or self.user_state(user)
        if subs is None:
            subs = self.store.list_accounts(parent_id=account.id)
        facts_account = AccountFacts(
            default_license_type=account.default_license_type, routes_sub_accounts=bool(subs)
        )
        compiled = self.rules.compiled(account.id)
        if trace_limit is not None and len(compiled.ruleset.rules) > trace_limit:
            explain = False
        return compiled.evaluate(facts, state, facts_account, explain=explain)

    def user_state(
        self, user: User | None, groups: dict[str, frozenset[str]] | None = None
    ) -> UserState:
        """What the mapping needs to know of the user before this sign-in; ``groups`` (by
        kind, as ``find_user_for_sign_in`` gives them) saves reading them."""
        if user is None:
            return UserState()
        if groups is None:
            groups = {k: frozenset(self.store.user_groups(user.id, k)) for k in GROUP_KINDS}
        return UserState(
            exists=True,
            is_owner=user.role == "Owner",
            license_type=user.license_type,
            addons=frozenset(user.addons),
            has_upcoming_meetings=user.has_upcoming_meetings,
            groups={kind: groups.get(kind, frozenset()) for kind in GROUP_KINDS},
            settings=settings_of(user),
        )

    def target(
        self, account: Account, decision: Decision, subs: Sequence[Account] | None = None
    ) -> Account:
        """The account the user lands in; raises SignInRefused ``unknown_sub_account``."""
        if decision.sub_account is None:
            return account
        if subs is None:
            subs = self.store.list_accounts(parent_id=account.id)
        for sub in subs:
            if decision.sub_account in (sub.number, sub.vanity):
                return sub
        raise SignInRefused(
            f"The mapping routes to sub-account '{decision.sub_account}', which "
            f"is no longer a sub-account of {account.name}. Fix the rule.",
            code="unknown_sub_account",
        )

    def _provision(
        self,
        target: Account,
        config: SamlConfig,
        basic: BasicProfile,
        existing: User | None,
        decision: Decision,
        entry: Account,
        before: UserState,
    ) -> User:
        routed = target.id != entry.id
        license_fields = (
            {}
            if decision.owner_exempt
            else {
                "license_type": decision.license_type or target.default_license_type,
                "addons": sorted(decision.addons),
            }
        )
        if existing is None:
            self.store.check_address_claim(target.id, basic.email)
            # The domain may be vouched for by the account the user signed in through (the
            # master, when routed) or by the account they land in.
            pending = all(
                self.activation.needs_activation(a.id, basic.email)
                for a in {entry.id: entry, target.id: target}.values()
            )
            user = self.store.create_user(
                target.id,
                basic.email,
                actor="sso",
                source="jit",
                login_type="sso",
                status="pending" if pending else "active",
                first_name=basic.first_name,
                last_name=basic.last_name,
                display_name=basic.display_name,
                employee_id=basic.employee_id,
                profile=basic.profile,
                **license_fields,
            )
            if pending:
                self.activation.send(user, reason="first sign-in through SSO")
        else:
            user = existing
            if user.account_id != target.id:
                user = self.store.move_user(user.id, target.id, actor="sso", source="jit")
                before = self.user_state(user)  # groups belong to accounts: read them anew
            changes = _profile_changes(config, basic, user)
            user = self.store.update_locked_user(user, {**changes, **license_fields}, actor="sso")
        if not routed and not decision.owner_exempt:
            user = self._apply_account_only(user, decision, before)
        return user

    def _apply_account_only(self, user: User, decision: Decision, before: UserState) -> User:
        # ``user`` is this transaction's current record of a row it locked (or created).
        if decision.role and user.role != "Owner" and decision.role != user.role:
            user = self.store.update_locked_user(user, {"role": decision.role}, actor="sso")
        for kind in GROUP_KINDS:
            wanted = decision.groups.get(kind, frozenset())
            if before.groups_of(kind) != frozenset(wanted):
                user = self.store.set_user_groups(user.id, kind, sorted(wanted), actor="sso")
        if decision.recording_location:
            profile = {**user.profile, "recording_location": decision.recording_location}
            user = self.store.update_locked_user(user, {"profile": profile}, actor="sso")
        profile = with_settings(user.profile, decision.settings)
        if profile != user.profile:  # user group admin, room admin, phone plan and site
            user = self.store.update_locked_user(user, {"profile": profile}, actor="sso")
        return user

    def _finish(
        self,
        entry: Account,
        target: Account,
        user: User,
        decision: Decision,
        assertion: VerifiedAssertion,
        basic: BasicProfile,
        ttl: dt.timedelta,
    ) -> SignInResult:
        routed_from = entry if target.id != entry.id else None
        notes = [ROUTED_NOTE.format(name=target.name)] if routed_from else []
        if user.status == "pending":
            notes.append(
                f"{user.email} is outside the associated domains of {target.name}: an "
                "activation email was sent, and sign-in works once it is followed."
            )
            outcome, secret = "activation_required", None
        else:
            outcome = "signed_in"
            secret = self.store.create_session(
                "sso",
                target.id,
                user.id,
                {
                    "name_id": assertion.name_id,
                    "name_id_format": assertion.name_id_format,
                    "session_index": assertion.session_index,
                    "idp": assertion.issuer,
                    "sso_account_id": entry.id,  # whose SSO signs this session out
                },
                ttl,
            )
        self.store.audit_event(
            actor="sso",
            account_id=target.id,
            action=f"sso.{outcome}",
            target=user.id,
            after={
                "email": basic.email,
                "entry_account": entry.number,
                "assertion_id": assertion.assertion_id,
            },
        )
        return SignInResult(
            outcome, target, user, decision, assertion, routed_from, tuple(notes), secret
        )


def _profile_changes(config: SamlConfig, basic: BasicProfile, user: User) -> dict[str, Any]:
    """Names at first sign-in unless updated at every login; email only through an employee ID;
    other profile fields at every sign-in."""
    changes: dict[str, Any] = {"profile": {**user.profile, **basic.profile}}
    if config.update_names_every_login:
        changes.update(
            {
                k: v
                for k, v in (
                    ("first_name", basic.first_name),
                    ("last_name", basic.last_name),
                    ("display_name", basic.display_name),
                )
                if v
            }
        )
    if basic.employee_id and user.employee_id == basic.employee_id and user.email != basic.email:
        changes["email"] = basic.email
    return changes
