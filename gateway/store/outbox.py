"""The outbox of emails and the single-use links they carry (SQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.clock import utc
from gateway.store import schema
from gateway.store.base import SqlBase, aware, hash_secret, new_secret
from gateway.store.errors import InvalidState, NotFound
from gateway.store.records import Page

OB = schema.outbox
AT = schema.action_tokens
_URL = re.compile(r"https?://\S+")
WITHHELD = "[link withheld: only the recipient reads it]"


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    account_id: int
    kind: str
    recipient: str
    subject: str
    body: str
    link: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    send_error: str | None

    def withheld(self) -> OutboxMessage:
        """The message as an account's admins see it: that it was sent, to whom, what and
        when, with every link taken out. A link proves that its holder reads the recipient's
        mailbox, so only the recipient (and the operator, who stands for the mailboxes) may
        read it."""
        return dataclasses.replace(self, body=_URL.sub(WITHHELD, self.body), link=None)


@dataclass(frozen=True)
class ActionToken:
    purpose: str
    account_id: int
    subject_id: str
    expires_at: dt.datetime
    # What following the link confirms, when the subject alone does not say.
    detail: dict[str, Any] | None = None


def token_from_row(row: Any) -> ActionToken:
    """The link behind an ``action_tokens`` row."""
    detail = dict(row.detail) if row.detail else None
    return ActionToken(row.purpose, row.account_id, row.subject_id, utc(row.expires_at), detail)


class LinkExpired(InvalidState):
    """The single-use link is past its expiry."""

    status = 410
    code = "link_expired"


class LinkUsed(InvalidState):
    """The single-use link was already followed."""

    status = 410
    code = "link_used"


class OutboxMixin(SqlBase):
    """Emails queued for users, and the secrets behind their links (only hashes are kept)."""

    def queue_email(
        self,
        account_id: int,
        kind: str,
        recipient: str,
        subject: str,
        body: str,
        link: str | None = None,
    ) -> OutboxMessage:
        """Queue one email in the outbox (delivery over SMTP is the mailer's job)."""
        with self.transaction() as conn:
            message_id = conn.execute(
                OB.insert()
                .values(
                    account_id=account_id,
                    kind=kind,
                    recipient=recipient,
                    subject=subject,
                    body=body,
                    link=link,
                    created_at=self.clock.now(),
                )
                .returning(OB.c.id)
            ).scalar_one()
            return self._message(conn, message_id)

    def _message(self, conn: sa.Connection, message_id: int) -> OutboxMessage:
        row = conn.execute(sa.select(OB).where(OB.c.id == message_id)).one()
        return OutboxMessage(
            **{**row._mapping, "created_at": aware(row.created_at), "sent_at": aware(row.sent_at)}
        )

    def list_outbox(
        self, account_id: int, *, offset: int = 0, limit: int = 50, recipient: str | None = None
    ) -> Page:
        """A page of the account's outbox, newest first."""
        with self.transaction() as conn:
            cond = [OB.c.account_id == account_id]
            if recipient:
                cond.append(sa.func.lower(OB.c.recipient) == recipient.lower())
            total = conn.execute(sa.select(sa.func.count()).select_from(OB).where(*cond))
            ids = (
                conn.execute(
                    sa.select(OB.c.id)
                    .where(*cond)
                    .order_by(OB.c.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            items = tuple(self._message(conn, i) for i in ids)
            return Page(items=items, total=total.scalar_one(), offset=offset, limit=limit)

    def unsent_messages(self, *, limit: int = 1000) -> list[OutboxMessage]:
        """Messages SMTP has not delivered yet (never tried, or failed), oldest first."""
        with self.transaction() as conn:
            ids = conn.execute(
                sa.select(OB.c.id).where(OB.c.sent_at.is_(None)).order_by(OB.c.id).limit(limit)
            ).scalars()
            return [self._message(conn, i) for i in list(ids)]

    def mark_sent(self, message_id: int, error: str | None = None) -> None:
        """Record an SMTP delivery (or why it failed)."""
        with self.transaction() as conn:
            conn.execute(
                OB.update()
                .where(OB.c.id == message_id)
                .values(sent_at=None if error else self.clock.now(), send_error=error)
            )

    def issue_link(
        self,
        purpose: str,
        account_id: int,
        subject_id: str,
        ttl: dt.timedelta,
        *,
        replace: bool = False,
        detail: dict[str, Any] | None = None,
    ) -> str:
        """A new single-use secret for ``purpose`` about ``subject_id``, valid for ``ttl``.

        ``replace``: the subject's earlier unused links of that purpose expire now (following
        one is refused ``link_expired``). ``detail``: what following it confirms."""
        secret = new_secret("")
        now = self.clock.now()
        with self.transaction() as conn:
            if replace:
                conn.execute(
                    AT.update()
                    .where(
                        AT.c.purpose == purpose,
                        AT.c.subject_id == subject_id,
                        AT.c.used_at.is_(None),
                        AT.c.expires_at > now,
                    )
                    .values(expires_at=now)
                )
            conn.execute(
                AT.insert().values(
                    token_hash=hash_secret(secret),
                    purpose=purpose,
                    account_id=account_id,
                    subject_id=subject_id,
                    created_at=now,
                    expires_at=now + ttl,
                    detail=detail,
                )
            )
        return secret

    def check_link(self, secret: str, purpose: str) -> ActionToken:
        """The link behind ``secret`` if following it would work now, without spending it
        (a page shows what the link does before its button acts); raises as ``use_link``."""
        with self.transaction() as conn:
            return token_from_row(self._live_link(conn, secret, purpose, lock=False))

    def use_link(self, secret: str, purpose: str) -> ActionToken:
        """Spend a single-use link; raises NotFound ``link_unknown``, LinkUsed, LinkExpired."""
        with self.transaction() as conn:
            row = self._live_link(conn, secret, purpose, lock=True)
            # The WHERE on used_at makes a concurrent second use update nothing.
            done = conn.execute(
                AT.update()
                .where(AT.c.token_hash == row.token_hash, AT.c.used_at.is_(None))
                .values(used_at=self.clock.now())
            )
            if done.rowcount != 1:
                raise LinkUsed("This link was already used; each link works once.")
            return token_from_row(row)

    def _live_link(self, conn: sa.Connection, secret: str, purpose: str, *, lock: bool) -> Any:
        stmt = sa.select(AT).where(AT.c.token_hash == hash_secret(secret), AT.c.purpose == purpose)
        row = conn.execute(self.lock_clause(stmt) if lock else stmt).first()
        if row is None:
            raise NotFound(
                "This link is not known here; check that it was copied whole.",
                code="link_unknown",
            )
        if row.used_at is not None:
            raise LinkUsed("This link was already used; each link works once.")
        if utc(row.expires_at) <= self.clock.now():
            raise LinkExpired("This link has expired; ask for a new one.")
        return row
