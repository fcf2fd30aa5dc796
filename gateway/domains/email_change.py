"""A user's change of sign-in email: it takes effect only when the link sent to the new
address is followed (which proves the user reads that mailbox)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.config import GatewayConfig
from gateway.mail import deliver
from gateway.store.errors import Conflict
from gateway.store.records import User
from gateway.store.sql import SqlStore
from gateway.store.validation import normalize_email

PURPOSE = "email_change"
LINK_TTL = dt.timedelta(days=2)


@dataclass(frozen=True)
class EmailChange:
    """Asks the new address to confirm, then changes the user's sign-in email."""

    store: SqlStore
    config: GatewayConfig

    def request(self, user: User, new_email: str) -> str:
        """Send the confirmation link to ``new_email``; the email stays as it is until the
        link is followed. Returns the normalized new address.

        Raises BadRequest ``invalid_email``, Conflict ``email_taken``,
        DomainManagedElsewhere (another account manages the new address's domain).
        """
        address = normalize_email(new_email)
        self.store.check_address_claim(user.account_id, address)
        self._refuse_taken(user, address)
        with self.store.transaction():
            secret = self.store.issue_link(
                PURPOSE, user.account_id, user.id, LINK_TTL, replace=True, detail={"email": address}
            )
            link = f"{self.config.public_url.rstrip('/')}/confirm-email/{secret}"
            body = (
                f"Hello,\n\nSomeone signed in as {user.email} asked to change its sign-in "
                f"email to {address}. Nothing changes until you confirm here: {link}\n\n"
                "If it was not you, ignore this email. The link works once and expires in "
                "2 days.\n"
            )
            message = self.store.queue_email(
                user.account_id, PURPOSE, address, "Confirm your new sign-in email", body, link
            )
            deliver(self.store, self.config.smtp_url, message)
        return address

    def preview(self, secret: str) -> tuple[User, str]:
        """The user and the new address the link would set, without spending it."""
        token = self.store.check_link(secret, PURPOSE)
        return self.store.get_user(token.subject_id), str((token.detail or {}).get("email"))

    def confirm(self, secret: str) -> User:
        """Spend the link and set the new email (checked again: the domain's rules or the
        address's holder may have changed since); raises the link's refusals, Conflict
        ``email_taken``, DomainManagedElsewhere."""
        with self.store.transaction():
            token = self.store.use_link(secret, PURPOSE)
            user = self.store.get_user(token.subject_id)
            address = str((token.detail or {}).get("email"))
            self.store.check_address_claim(user.account_id, address)
            self._refuse_taken(user, address)
            updated = self.store.update_user(user.id, {"email": address}, actor=f"user:{user.id}")
            if self.store.get_prompt(user.id) is not None:
                self.store.record_choice(user.id, "change_email")
            return updated

    def _refuse_taken(self, user: User, address: str) -> None:
        holder = self.store.find_user_by_email(address)
        if holder is not None and holder.id != user.id:
            raise Conflict(
                f"{address} already belongs to a user of this service.", code="email_taken"
            )
