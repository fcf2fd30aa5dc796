"""Invitations to join an account, one address or a CSV, with accept and decline links."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from gateway.config import GatewayConfig
from gateway.domains.consolidation import ConsolidationEngine
from gateway.domains.passwords import hash_password
from gateway.errors import BadRequest, Forbidden, GatewayError
from gateway.mail import deliver
from gateway.store.consolidation import Consolidation, DomainManagedElsewhere, Invitation
from gateway.store.errors import InvalidState, NotFound
from gateway.store.records import Account
from gateway.store.sql import SqlStore
from gateway.store.validation import email_domain, normalize_email

ACCEPT = "invitation_accept"
DECLINE = "invitation_decline"
STATUS = "consolidation_status"
LINK_TTL = dt.timedelta(days=30)
TRUE_WORDS = {"1", "true", "yes", "vip", "y"}
FALSE_WORDS = {"", "0", "false", "no", "n"}
DONE = {"consolidated": "already_member", "declined": "declined_before"}


@dataclass(frozen=True)
class RowResult:
    """The outcome of one invitation row."""

    row: int
    email: str
    result: str
    code: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether the row was applied or was already in place (a re-run)."""
        return self.code is None

    def to_dict(self) -> dict[str, Any]:
        """The JSON row of the report."""
        return {
            "row": self.row,
            "email": self.email,
            "result": self.result,
            "code": self.code,
            "message": self.message,
        }


class InvitationClosed(InvalidState):
    """The invitation was already accepted, declined or consolidated."""

    status = 410
    code = "invitation_closed"


class InviteeSignInRequired(Forbidden):
    """Only the invited user, signed in as itself, may move its account."""

    code = "invitee_sign_in_required"


@dataclass(frozen=True)
class InvitationService:
    """Sends invitations and lets invitees accept (consolidate) or decline."""

    store: SqlStore
    config: GatewayConfig
    engine: ConsolidationEngine

    def invite(
        self, account: Account, email: str, *, vip: bool, actor: str, row: int = 1
    ) -> RowResult:
        """Invite one address; refusals become the row's code, never an exception."""
        try:
            address = normalize_email(email)
        except BadRequest as e:
            return RowResult(row, email, "refused", e.code, e.message)
        holder = self.store.find_user_by_email(address)
        if holder is not None and holder.account_id == account.id:
            return RowResult(row, address, "already_member")
        try:
            if holder is None:  # accepting would create the user here
                self.store.check_address_claim(account.id, address)
        except DomainManagedElsewhere as e:
            return RowResult(row, address, "refused", e.code, e.message)
        # The invitation and its email commit together: no invitation is left without one.
        with self.store.transaction():
            invitation, created = self.store.upsert_invitation(
                account.id, address, vip=vip, actor=actor
            )
            if not created:
                return RowResult(row, address, DONE.get(invitation.status, "already_invited"))
            self._send(account, invitation)
        return RowResult(row, address, "invited")

    def invite_rows(
        self, account: Account, lines: Iterable[str], *, actor: str
    ) -> Iterator[RowResult]:
        """Invite from CSV lines (email[,vip]) as they stream in, one result per row."""
        seen: set[str] = set()
        for number, fields in enumerate(csv.reader(lines), start=1):
            email = fields[0].strip() if fields else ""
            if not any(f.strip() for f in fields) or (number == 1 and email.lower() == "email"):
                continue
            flag = fields[1].strip().lower() if len(fields) > 1 else ""
            if flag not in TRUE_WORDS | FALSE_WORDS or len(fields) > 2:
                yield RowResult(
                    number,
                    email,
                    "refused",
                    "invalid_row",
                    "A row is 'email' or 'email,vip' (vip: yes/no).",
                )
                continue
            if email.lower() in seen:
                yield RowResult(
                    number,
                    email,
                    "refused",
                    "duplicate_row",
                    "This address is already on an earlier row.",
                )
                continue
            seen.add(email.lower())
            yield self.invite(account, email, vip=flag in TRUE_WORDS, actor=actor, row=number)

    def _send(self, account: Account, invitation: Invitation) -> None:
        accept = self.store.issue_link(ACCEPT, account.id, str(invitation.id), LINK_TTL)
        decline = self.store.issue_link(DECLINE, account.id, str(invitation.id), LINK_TTL)
        base = self.config.public_url.rstrip("/")
        ignorable = not self.store.is_associated(account.id, email_domain(invitation.email))
        body = (
            f"Hello,\n\n{account.name} invites {invitation.email} to join its account.\n\n"
            f"See what changes and accept: {base}/invitations/{accept}\n"
            f"Decline: {base}/invitations/decline/{decline}\n\n"
            + ("You may also simply ignore this invitation.\n" if ignorable else "")
        )
        message = self.store.queue_email(
            account.id,
            "invitation",
            invitation.email,
            f"Join {account.name}",
            body,
            f"{base}/invitations/{accept}",
        )
        deliver(self.store, self.config.smtp_url, message)

    def _open(self, secret: str) -> tuple[Invitation, Account]:
        token = self.store.peek_link(secret, ACCEPT)
        if token is None:
            raise NotFound("This invitation link is unknown, used or expired.", code="link_unknown")
        invitation = self.store.get_invitation(int(token.subject_id))
        if invitation.status != "sent":
            raise InvitationClosed(f"This invitation was already {invitation.status}.")
        return invitation, self.store.get_account(invitation.account_id)

    def preview(self, secret: str) -> dict[str, Any]:
        """What accepting would change, without spending the link."""
        invitation, account = self._open(secret)
        user = self.store.find_user_by_email(invitation.email)
        if user is None:
            return {
                "invitation": invitation.email,
                "new_user": True,
                "password_required": True,
                "to_account": {"number": account.number, "name": account.name},
            }
        return {
            "invitation": invitation.email,
            "new_user": False,
            **self.engine.plan(user, account).to_dict(),
        }

    def accept(
        self, secret: str, body: dict[str, Any], *, signed_in_user: str | None
    ) -> dict[str, Any]:
        """Confirm and consolidate (or create the user); raises ConsolidationBlocked, ...

        An address somebody holds moves only with its holder's consent: ``signed_in_user``
        (the user id of the browser's password or SSO session) must be that user, or
        InviteeSignInRequired. An address nobody holds becomes a new user, active at once
        (the link, read only in its mailbox, proved it) with the password the invitee sets
        here; raises BadRequest ``password_required``/``weak_password``,
        DomainManagedElsewhere.
        """
        invitation, account = self._open(secret)
        if body.get("confirm") is not True:
            raise GatewayError(
                "Read the changes (GET this link) and send confirm=true.",
                code="confirmation_required",
                preview=self.preview(secret),
            )
        user = self.store.find_user_by_email(invitation.email)
        if user is not None and user.id != signed_in_user:
            raise InviteeSignInRequired(
                f"Sign in as {invitation.email} (password or SSO) in this browser, then "
                "accept: an invitation moves an existing user only with that user's own "
                "consent."
            )
        with self.store.transaction():
            self.store.use_link(secret, ACCEPT)
            self.store.set_invitation_status(invitation.id, "accepted", actor=_actor(invitation))
            if user is None:
                return self._create(account, invitation, body)
            plan = self.engine.plan(user, account)
            record = self.engine.start(
                plan,
                bring_all_users=body.get("bring_all_users") is True,
                invitation_id=invitation.id,
            )
        return self.consolidation_json(record)

    def _create(
        self, account: Account, invitation: Invitation, body: dict[str, Any]
    ) -> dict[str, Any]:
        actor = _actor(invitation)
        password = body.get("password")
        if not isinstance(password, str) or not password:
            raise BadRequest(
                "Choose your password: an invitation to a new address creates your user, "
                "and you set its password when you accept.",
                code="password_required",
            )
        password_hash = hash_password(password)
        self.store.check_address_claim(account.id, invitation.email)
        user = self.store.create_user(
            account.id, invitation.email, actor=actor, source="invitation"
        )
        self.store.set_password_hash(user.id, password_hash, actor=actor)
        self.store.set_invitation_status(invitation.id, "consolidated", actor=actor)
        return {"state": "completed", "user_id": user.id, "account": account.number}

    def decline(self, secret: str) -> Invitation:
        """Spend the decline link; the accept link then refuses with ``invitation_closed``."""
        with self.store.transaction():
            token = self.store.use_link(secret, DECLINE)
            invitation = self.store.get_invitation(int(token.subject_id))
            if invitation.status != "sent":
                raise InvitationClosed(f"This invitation was already {invitation.status}.")
            return self.store.set_invitation_status(
                invitation.id, "declined", actor=_actor(invitation)
            )

    def consolidation_json(self, record: Consolidation) -> dict[str, Any]:
        """A consolidation's state, with a status link while a backend migration runs."""
        answer: dict[str, Any] = {
            "consolidation_id": record.id,
            "state": record.state,
            "moved_users": len(record.moved_user_ids),
            "phone_numbers_lost": list(record.lost_phone_numbers),
        }
        if record.state == "backend_migration_pending":
            secret = self.store.issue_link(STATUS, record.to_account_id, str(record.id), LINK_TTL)
            answer["ready_at"] = record.ready_at.isoformat() if record.ready_at else None
            answer["status_url"] = f"/api/v1/consolidations/status/{secret}"
            answer["message"] = (
                "Your account needs a backend migration to this cluster first; "
                "the consolidation completes when it is done."
            )
        return answer

    def status(self, secret: str) -> dict[str, Any]:
        """The state behind a status link, finishing due backend migrations first."""
        token = self.store.peek_link(secret, STATUS)
        if token is None:
            raise NotFound("This status link is unknown or expired.", code="link_unknown")
        self.engine.run_due()
        record = self.store.get_consolidation(int(token.subject_id))
        return {
            "consolidation_id": record.id,
            "state": record.state,
            "moved_users": len(record.moved_user_ids),
        }


def _actor(invitation: Invitation) -> str:
    return f"invitee:{invitation.id}"
