"""Consolidating a user (or an owner's whole account) into another account."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gateway.config import GatewayConfig
from gateway.domains.datalists import data_changes
from gateway.domains.enforcement import setting_value
from gateway.domains.errors import ConsolidationBlocked
from gateway.store.consolidation import Consolidation
from gateway.store.records import Account, User
from gateway.store.sql import SqlStore
from gateway.store.validation import email_domain

ACTOR = "consolidation"


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str


@dataclass(frozen=True)
class Plan:
    """What consolidating ``user`` into ``target`` would do, before anything is changed."""

    user: User
    source: Account
    target: Account
    target_domains: frozenset[str]
    movers: tuple[User, ...]
    whole_account: bool
    refund_seats: dict[str, int]
    refund_cents: int
    refund_note: str
    lost_phone_numbers: tuple[str, ...]
    backend_migration: bool
    blockers: tuple[Blocker, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def needs_all_users_ack(self) -> bool:
        """An owner of a multi-user account must acknowledge that everyone comes along."""
        return self.whole_account and len(self.movers) > 1

    def to_dict(self) -> dict[str, Any]:
        """The preview the user reads (their own account's people only)."""
        return {
            "user": self.user.email,
            "from_account": {"number": self.source.number, "name": self.source.name},
            "to_account": {"number": self.target.number, "name": self.target.name},
            "data_changes": data_changes(),
            "users_coming_along": [u.email for u in self.movers],
            "external_users_coming_along": self.external_emails(),
            "bring_all_users_required": self.needs_all_users_ack,
            "refund": {
                "seats": self.refund_seats,
                "amount_cents": self.refund_cents,
                "note": self.refund_note,
            },
            "phone_numbers_lost": list(self.lost_phone_numbers),
            "backend_migration_required": self.backend_migration,
            "blockers": [{"code": b.code, "message": b.message} for b in self.blockers],
            "warnings": list(self.warnings),
        }

    def external_emails(self) -> list[str]:
        """Movers whose email is not under one of the target's verified domains (movers without
        an email have none to list)."""
        return [
            u.email
            for u in self.movers
            if u.email is not None and email_domain(u.email) not in self.target_domains
        ]


@dataclass(frozen=True)
class ConsolidationEngine:
    """Plans and runs consolidations; each run is one transaction."""

    store: SqlStore
    config: GatewayConfig

    def plan(self, user: User, target: Account) -> Plan:
        """Work out movers, refund, lost numbers, blockers and warnings."""
        source = self.store.get_account(user.account_id)
        whole = user.role == "Owner"
        movers = tuple(self.store.users_of_account(source.id)) if whole else (user,)
        seats, cents, note = self._refund(source) if whole else ({}, 0, "")
        plan = Plan(
            user=user,
            source=source,
            target=target,
            target_domains=frozenset(
                d.domain for d in self.store.list_domains(target.id) if d.verified
            ),
            movers=movers,
            whole_account=whole,
            refund_seats=seats,
            refund_cents=cents,
            refund_note=note,
            lost_phone_numbers=_unported_numbers(source) if whole else (),
            backend_migration=self.cluster(source) != self.cluster(target),
            blockers=(
                *_blockers(user, source, target, movers, whole),
                *self._master_blockers(source, whole),
            ),
        )
        return dataclasses.replace(plan, warnings=_warnings(plan))

    def _master_blockers(self, source: Account, whole: bool) -> tuple[Blocker, ...]:
        """A master's owner cannot take the whole account away from its sub-accounts: that
        would leave an empty master paying for them (the seed leaves it to the account team)."""
        subs = self.store.list_accounts(parent_id=source.id) if whole else []
        if not subs:
            return ()
        names = ", ".join(a.name for a in subs)
        if source.bulk_licensing:
            delegated = sum(p.delegated for p in self.store.pools(source.id))
            why = f"it delegates {delegated} seat(s) to its sub-accounts ({names})"
        else:
            why = f"its sub-accounts ({names}) are billed to it"
        return (
            Blocker(
                "master_has_sub_accounts",
                f"{source.name} is a master account and {why}: unlink every sub-account first "
                "(as the master's admin), or ask the account team to move the master.",
            ),
        )

    def cluster(self, account: Account) -> str:
        """The server cluster an account lives on."""
        return str(setting_value(account, "cluster", self.config.cluster))

    def start(
        self, plan: Plan, *, bring_all_users: bool, invitation_id: int | None
    ) -> Consolidation:
        """Run the plan now, or park it until its backend migration is done.

        Raises ConsolidationBlocked (``rooms_must_be_deleted``, ``multi_user_account``...).
        """
        _check(plan, bring_all_users)
        pending = self.store.pending_consolidation_of(plan.user.id)
        if pending is not None:
            return pending
        ready_at = None
        if plan.backend_migration:
            ready_at = self.store.clock.now() + dt.timedelta(
                minutes=self.config.backend_migration_minutes
            )
        with self.store.transaction():
            record = self.store.create_consolidation(
                plan.user.id,
                plan.source.id,
                plan.target.id,
                invitation_id=invitation_id,
                bring_all_users=bring_all_users,
                ready_at=ready_at,
            )
            if ready_at is not None:
                self._audit(plan, record, "consolidation.backend_migration_pending")
                return record
            return self._complete(plan, record)

    def run_due(self) -> list[Consolidation]:
        """Finish every consolidation whose backend migration is over; returns them."""
        done = []
        for record in self.store.due_consolidations():
            user = self.store.get_user(record.user_id)
            plan = self.plan(user, self.store.get_account(record.to_account_id))
            _check(plan, record.bring_all_users)
            with self.store.transaction():
                done.append(self._complete(plan, record))
        return done

    def _complete(self, plan: Plan, record: Consolidation) -> Consolidation:
        for mover in plan.movers:
            self.store.move_user(mover.id, plan.target.id, actor=ACTOR, source="consolidation")
            self.store.end_user_sessions(mover.id)
            if self.store.get_prompt(mover.id) is not None:
                self.store.record_choice(mover.id, "consolidate")
        if plan.whole_account:
            self._close_account(plan, record)
        if record.invitation_id is not None:
            self.store.set_invitation_status(record.invitation_id, "consolidated", actor=ACTOR)
        finished = self.store.finish_consolidation(
            record.id, [u.id for u in plan.movers], list(plan.lost_phone_numbers)
        )
        self._audit(plan, finished, "consolidation.complete")
        return finished

    def _close_account(self, plan: Plan, record: Consolidation) -> None:
        for kind in plan.refund_seats:
            self.store.set_plan(plan.source.id, kind, 0, actor=ACTOR)
        if plan.refund_seats:
            self.store.record_refund(
                plan.source.id, record.id, plan.refund_seats, plan.refund_cents, plan.refund_note
            )
        self.store.set_setting(plan.source.id, "phone_numbers", [], actor=ACTOR)
        self.store.set_setting(plan.source.id, "consolidated_into", plan.target.number, actor=ACTOR)

    def _audit(self, plan: Plan, record: Consolidation, action: str) -> None:
        detail = {
            "users": [u.id for u in plan.movers],
            "state": record.state,
            "lost_phone_numbers": list(plan.lost_phone_numbers),
        }
        for account_id in {plan.source.id, plan.target.id}:
            self.store.audit_event(
                actor=ACTOR,
                account_id=account_id,
                action=action,
                target=str(record.id),
                after=detail,
            )

    def _refund(self, source: Account) -> tuple[dict[str, int], int, str]:
        if source.parent_id is not None or source.billing != "self":
            return {}, 0, "Seats of this account are paid by its master: nothing to refund."
        seats = {p.seat_kind: p.capacity for p in self.store.pools(source.id) if p.capacity}
        if not seats:
            return {}, 0, "No licenses were bought on this account."
        cents, note = prorate(
            sum(seats.values()),
            self.config.seat_price_cents_per_year,
            source.subscription_end,
            self.store.clock.now(),
        )
        return seats, cents, note


def prorate(
    seats: int, price_per_year: int, end: dt.datetime | None, now: dt.datetime
) -> tuple[int, str]:
    """The refund in cents of ``seats`` for what is left of the subscription."""
    if end is None or end <= now:
        return 0, "No subscription time left: licenses do not move and nothing is refunded."
    left = end - now
    cents = round(seats * price_per_year * left.total_seconds() / (365 * 86400))
    return cents, (
        f"{seats} seat(s) at {price_per_year / 100:.2f}/year, {left.days} day(s) left: "
        "licenses do not move; this prorated amount is refunded."
    )


def _unported_numbers(source: Account) -> tuple[str, ...]:
    numbers = setting_value(source, "phone_numbers", []) or []
    return tuple(
        str(n.get("number")) if isinstance(n, dict) else str(n)
        for n in numbers
        if not (isinstance(n, dict) and n.get("ported"))
    )


def _blockers(
    user: User, source: Account, target: Account, movers: tuple[User, ...], whole: bool
) -> tuple[Blocker, ...]:
    found = []
    if source.id == target.id:
        found.append(Blocker("already_member", f"{user.email} is already in {target.name}."))
    rooms = int(setting_value(source, "zoom_rooms", 0) or 0)
    if whole and rooms > 0 and len(movers) > 1:
        found.append(
            Blocker(
                "rooms_must_be_deleted",
                f"{source.name} has {rooms} Zoom Room(s) and other users: delete every Room "
                "before the account can move.",
            )
        )
    return tuple(found)


def _warnings(plan: Plan) -> tuple[str, ...]:
    notes = []
    if plan.needs_all_users_ack:
        notes.append(
            f"You own {plan.source.name}: all {len(plan.movers)} of its users come along, "
            f"{len(plan.external_emails())} of them external. Unlink users or hand ownership "
            "over first to leave them behind."
        )
    if plan.lost_phone_numbers:
        notes.append(
            "Phone numbers not ported first are lost: " + ", ".join(plan.lost_phone_numbers) + "."
        )
    if plan.backend_migration:
        notes.append(
            "Your account is on another server cluster: a backend migration runs "
            "first, which delays the consolidation."
        )
    if plan.source.vanity and plan.source.vanity != plan.target.vanity:
        notes.append(
            f"Meeting links with the old vanity URL ({plan.source.vanity}) show a "
            "security warning until calendar invitations are updated."
        )
    if plan.refund_seats:
        notes.append(plan.refund_note)
    return tuple(notes)


def _check(plan: Plan, bring_all_users: bool) -> None:
    if plan.blockers:
        first = plan.blockers[0]
        raise ConsolidationBlocked(first.message, code=first.code, preview=plan.to_dict())
    if plan.needs_all_users_ack and not bring_all_users:
        raise ConsolidationBlocked(
            plan.warnings[0] + " Confirm with bring_all_users=true.",
            code="multi_user_account",
            preview=plan.to_dict(),
        )
