"""Invitations, consolidations and prorated refunds (SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.clock import utc
from gateway.store import schema
from gateway.store.base import SqlBase, aware, hash_secret
from gateway.store.errors import NotFound, StoreError
from gateway.store.outbox import ActionToken, token_from_row

INV = schema.invitations
CON = schema.consolidations
REF = schema.refunds
AT = schema.action_tokens
A = schema.accounts
D = schema.domains
# The holder of a verified domain and its options: asked before any address is given out.
_CLAIM = sa.select(D.c.account_id, D.c.options).where(D.c.verified_domain == sa.bindparam("d"))
_PARENT = sa.select(A.c.parent_id).where(A.c.id == sa.bindparam("account_id"))


class DomainManagedElsewhere(StoreError):
    """The address is under a verified domain that another account manages."""

    status = 403
    code = "domain_managed_elsewhere"


def managing(options: dict[str, Any] | None) -> bool:
    """Whether a verified domain's options claim its addresses (manage or consolidation)."""
    options = options or {}
    return bool(options.get("manage") or options.get("allow_consolidation"))


@dataclass(frozen=True)
class Invitation:
    id: int
    account_id: int
    email: str
    vip: bool
    status: str
    invited_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Consolidation:
    id: int
    user_id: str
    from_account_id: int
    to_account_id: int
    invitation_id: int | None
    state: str
    bring_all_users: bool
    moved_user_ids: tuple[str, ...]
    lost_phone_numbers: tuple[str, ...]
    ready_at: dt.datetime | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class Refund:
    id: int
    account_id: int
    consolidation_id: int
    seats: dict[str, int]
    amount_cents: int
    note: str
    created_at: dt.datetime


def _invitation(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        account_id=row.account_id,
        email=row.email,
        vip=bool(row.vip),
        status=row.status,
        invited_by=row.invited_by,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


def _consolidation(row: Any) -> Consolidation:
    return Consolidation(
        id=row.id,
        user_id=row.user_id,
        from_account_id=row.from_account_id,
        to_account_id=row.to_account_id,
        invitation_id=row.invitation_id,
        state=row.state,
        bring_all_users=bool(row.bring_all_users),
        moved_user_ids=tuple(row.moved_user_ids or ()),
        lost_phone_numbers=tuple(row.lost_phone_numbers or ()),
        ready_at=aware(row.ready_at),
        created_at=utc(row.created_at),
        completed_at=aware(row.completed_at),
    )


class ConsolidationMixin(SqlBase):
    """Who was invited where, each consolidation's state, and the refunds it caused."""

    def upsert_invitation(
        self, account_id: int, email: str, *, vip: bool, actor: str
    ) -> tuple[Invitation, bool]:
        """The account's invitation of ``email``, created when new (then ``True``)."""
        key = email.strip().lower()
        with self.transaction() as conn:
            cond = (INV.c.account_id == account_id, INV.c.email_key == key)
            row = conn.execute(sa.select(INV).where(*cond)).first()
            if row is not None:
                return _invitation(row), False
            now = self.clock.now()
            values = dict(account_id=account_id, email=email.strip(), email_key=key, vip=vip)
            error = self.guarded(
                conn,
                INV.insert().values(
                    **values, status="sent", invited_by=actor, created_at=now, updated_at=now
                ),
            )
            row = conn.execute(sa.select(INV).where(*cond)).one()
            if error is None:
                self.audit(
                    conn,
                    actor=actor,
                    account_id=account_id,
                    action="invitation.create",
                    target=str(row.id),
                    after={"email": row.email, "vip": bool(row.vip)},
                )
            return _invitation(row), error is None

    def get_invitation(self, invitation_id: int) -> Invitation:
        """The invitation; raises NotFound ``invitation_not_found``."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(INV).where(INV.c.id == invitation_id)).first()
            if row is None:
                raise NotFound("No such invitation.", code="invitation_not_found")
            return _invitation(row)

    def list_invitations(self, account_id: int) -> list[Invitation]:
        """The account's invitations, oldest first."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(INV).where(INV.c.account_id == account_id).order_by(INV.c.id)
            )
            return [_invitation(r) for r in rows]

    def set_invitation_status(self, invitation_id: int, status: str, *, actor: str) -> Invitation:
        """Move an invitation to ``status`` (audited); raises NotFound."""
        with self.transaction() as conn:
            before = self.get_invitation(invitation_id)
            conn.execute(
                INV.update()
                .where(INV.c.id == invitation_id)
                .values(status=status, updated_at=self.clock.now())
            )
            self.audit(
                conn,
                actor=actor,
                account_id=before.account_id,
                action="invitation.status",
                target=str(invitation_id),
                before=before.status,
                after=status,
            )
            return self.get_invitation(invitation_id)

    def peek_link(self, secret: str, purpose: str) -> ActionToken | None:
        """The unused, unexpired link behind ``secret`` without spending it, or None."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(AT).where(AT.c.token_hash == hash_secret(secret), AT.c.purpose == purpose)
            ).first()
            if row is None or row.used_at is not None or utc(row.expires_at) <= self.clock.now():
                return None
            return token_from_row(row)

    def check_address_claim(self, account_id: int, email: str | None) -> None:
        """Refuse to give ``email`` to a user of ``account_id`` when its domain is a verified
        domain that another account manages (``manage`` or ``allow_consolidation``).

        The one rule behind every path that creates a user or sets a sign-in email (SCIM
        create, PUT and PATCH, JIT, invitations, sign-up, an email change, a new account's
        owner). The holder and the sub-accounts below it (which its admins manage, and into
        which its SSO routes users) may use the address. Raises DomainManagedElsewhere.
        """
        if email is None or "@" not in email:
            return
        domain = email.rsplit("@", 1)[1].strip().lower()
        with self.transaction() as conn:
            row = conn.execute(_CLAIM, {"d": domain}).first()
            if row is None or not managing(row.options):
                return
            holder, seen = int(row.account_id), set()
            current: int | None = account_id
            while current is not None and current not in seen:
                if current == holder:
                    return
                seen.add(current)
                current = conn.execute(_PARENT, {"account_id": current}).scalar()
        raise DomainManagedElsewhere(
            f"{domain} is a verified domain managed by another account: its addresses can "
            "only be given to users of that account. Use an address of another domain, or ask "
            "that account to invite the user.",
            domain=domain,
        )

    def create_consolidation(
        self,
        user_id: str,
        from_account_id: int,
        to_account_id: int,
        *,
        invitation_id: int | None,
        bring_all_users: bool,
        ready_at: dt.datetime | None,
    ) -> Consolidation:
        """Record a consolidation about to run, or waiting for its backend migration."""
        with self.transaction() as conn:
            new_id = conn.execute(
                CON.insert()
                .values(
                    user_id=user_id,
                    from_account_id=from_account_id,
                    to_account_id=to_account_id,
                    invitation_id=invitation_id,
                    state="backend_migration_pending" if ready_at else "running",
                    bring_all_users=bring_all_users,
                    moved_user_ids=[],
                    lost_phone_numbers=[],
                    ready_at=ready_at,
                    created_at=self.clock.now(),
                )
                .returning(CON.c.id)
            ).scalar_one()
            return self.get_consolidation(new_id)

    def get_consolidation(self, consolidation_id: int) -> Consolidation:
        """The consolidation; raises NotFound ``consolidation_not_found``."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(CON).where(CON.c.id == consolidation_id)).first()
            if row is None:
                raise NotFound("No such consolidation.", code="consolidation_not_found")
            return _consolidation(row)

    def pending_consolidation_of(self, user_id: str) -> Consolidation | None:
        """The user's consolidation still waiting for its backend migration, if any."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(CON).where(
                    CON.c.user_id == user_id, CON.c.state == "backend_migration_pending"
                )
            ).first()
            return None if row is None else _consolidation(row)

    def due_consolidations(self) -> list[Consolidation]:
        """Consolidations whose backend migration is done by now."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(CON)
                .where(CON.c.state == "backend_migration_pending")
                .where(CON.c.ready_at <= self.clock.now())
                .order_by(CON.c.id)
            )
            return [_consolidation(r) for r in rows]

    def finish_consolidation(
        self, consolidation_id: int, moved: list[str], lost_numbers: list[str]
    ) -> Consolidation:
        """Mark a consolidation completed with who moved and which numbers were lost."""
        with self.transaction() as conn:
            conn.execute(
                CON.update()
                .where(CON.c.id == consolidation_id)
                .values(
                    state="completed",
                    moved_user_ids=moved,
                    lost_phone_numbers=lost_numbers,
                    completed_at=self.clock.now(),
                )
            )
            return self.get_consolidation(consolidation_id)

    def record_refund(
        self, account_id: int, consolidation_id: int, seats: dict[str, int], cents: int, note: str
    ) -> Refund:
        """Record a prorated refund of seats bought on ``account_id``."""
        with self.transaction() as conn:
            new_id = conn.execute(
                REF.insert()
                .values(
                    account_id=account_id,
                    consolidation_id=consolidation_id,
                    seats=seats,
                    amount_cents=cents,
                    note=note,
                    created_at=self.clock.now(),
                )
                .returning(REF.c.id)
            ).scalar_one()
            self.audit(
                conn,
                actor="consolidation",
                account_id=account_id,
                action="refund.record",
                target=str(new_id),
                after={"seats": seats, "amount_cents": cents, "note": note},
            )
            return self.list_refunds(account_id)[-1]

    def list_refunds(self, account_id: int) -> list[Refund]:
        """Refunds recorded for the account, oldest first."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(REF).where(REF.c.account_id == account_id).order_by(REF.c.id)
            )
            return [
                Refund(
                    r.id,
                    r.account_id,
                    r.consolidation_id,
                    dict(r.seats),
                    r.amount_cents,
                    r.note,
                    utc(r.created_at),
                )
                for r in rows
            ]
