"""Email activation: users outside an associated domain stay pending until they follow a link.

The link opens a page with a button; only its POST activates (mail scanners fetch links with
GET). The email is written in the transaction of the change that needs it (the outbox row),
and goes out over SMTP after that commit, so a pending user always has its link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template_string, request
from flask.typing import ResponseReturnValue

from gateway.config import GatewayConfig
from gateway.errors import BadRequest, ConflictError, GatewayError
from gateway.mail import deliver, resend_unsent
from gateway.store.outbox import OutboxMessage
from gateway.store.records import User
from gateway.store.sql import SqlStore
from gateway.store.validation import email_domain

ACTIVATION_TTL = dt.timedelta(days=7)
PURPOSE = "activation"
REPAIR_REASON = "a new link, as the earlier one was lost or expired"


@dataclass(frozen=True)
class Activation:
    """Decides who must activate by email, queues the email, and activates."""

    store: SqlStore
    config: GatewayConfig

    def needs_activation(self, account_id: int, email: str) -> bool:
        """True unless the email's domain is an associated, verified domain of the account."""
        return not self.store.is_associated(account_id, email_domain(email))

    def send(self, user: User, *, reason: str) -> OutboxMessage:
        """Queue (and send when SMTP is set) the activation email with a 7-day single-use link.

        The link and the outbox row are written in the caller's transaction (or one of their
        own), so the change that made the user pending and its email commit together.
        Raises BadRequest ``no_email`` for a user without an email (a SCIM user whose userName
        is not an email and who has no ``emails``): nothing is sent until one is set.
        """
        if user.email is None:
            raise BadRequest(
                "This user has no email, so no activation email can be sent; set one first.",
                code="no_email",
            )
        with self.store.transaction():
            # The newest link replaces the earlier ones: they were for an email that may have
            # changed since, and following one must not confirm the new email.
            secret = self.store.issue_link(
                PURPOSE, user.account_id, user.id, ACTIVATION_TTL, replace=True
            )
            link = f"{self.config.public_url.rstrip('/')}/activate/{secret}"
            account = self.store.get_account(user.account_id)
            body = (
                f"Hello,\n\nAn account on {account.name} was set up for {user.email} "
                f"({reason}). Your email domain is not an associated domain of this account, "
                f"so you need to confirm it before you can sign in.\n\nActivate: {link}\n\n"
                "This link works once and expires in 7 days.\n"
            )
            message = self.store.queue_email(
                user.account_id,
                PURPOSE,
                user.email,
                f"Activate your {account.name} account",
                body,
                link,
            )
            deliver(self.store, self.config.smtp_url, message)
        return message

    def check(self, secret: str) -> User:
        """The user the link would activate, without spending it; raises the link's
        refusals."""
        token = self.store.check_link(secret, PURPOSE)
        return self.store.get_user(token.subject_id)

    def activate(self, secret: str) -> User:
        """Spend the link and make the user active; raises the link's refusals, and
        ConflictError ``user_deactivated`` (the link is kept) when the user was deactivated
        while it waited: deactivation wins until the user is reactivated."""
        with self.store.transaction():
            token = self.store.use_link(secret, PURPOSE)
            user = self.store.get_user(token.subject_id)
            if user.status == "deactivated":
                raise ConflictError(
                    f"{user.email} was deactivated by an administrator of this account, so "
                    "this link cannot activate it; it works again if the user is reactivated.",
                    code="user_deactivated",
                )
            if user.status == "pending":
                user = self.store.update_user(
                    user.id, {"status": "active"}, actor=f"activation:{user.email}"
                )
            return user

    def admin_change(self, user: User, changes: dict[str, Any], *, actor: str) -> User:
        """Apply an admin's status or role change. An admin never activates an email that
        awaits its link: a pending user asked to be active is refused (ConflictError
        ``activation_required``), and a deactivated user that never confirmed its email comes
        back pending, with a new link in the same transaction."""
        wanted_active = changes.get("status") == "active" and user.awaiting_activation
        if wanted_active and user.status == "pending":
            raise ConflictError(
                f"{user.email} activates by following the link mailed to it; an administrator "
                "cannot confirm someone else's email.",
                code="activation_required",
            )
        with self.store.transaction():
            if wanted_active:
                changes = {**changes, "status": "pending"}
            updated = self.store.update_user(user.id, changes, actor=actor)
            if wanted_active:
                self.send(updated, reason="reactivated by an administrator")
            return updated

    def resend_unsent(self) -> int:
        """With SMTP set, send the outbox messages it has not delivered (``gateway check
        --repair``); returns how many were tried (0 without SMTP)."""
        if not self.config.smtp_url:
            return 0
        return resend_unsent(self.store, self.config.smtp_url)

    def repair(self) -> list[User]:
        """Send a new link to every pending user without a live one (``gateway check
        --repair``); returns those users."""
        repaired = []
        for user_id in self.store.pending_without_activation_link():
            with self.store.transaction():
                user = self.store.get_user(user_id)
                if user.status == "pending" and user.email is not None:
                    self.send(user, reason=REPAIR_REASON)
                    repaired.append(user)
        return repaired


blueprint = Blueprint("activation", __name__)

PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Activation</title><body style="font-family:sans-serif;max-width:40rem;margin:2rem auto">
<h1>{{ title }}</h1>{% if code %}<p role="alert"><code>{{ code }}</code> {{ text }}</p>
{% else %}<p>{{ text }}</p>{% endif %}
{% if button %}<form method="post"><button>{{ button }}</button></form>{% endif %}
</body></html>"""


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@blueprint.get("/activate/<secret>")
def activation_page(secret: str) -> ResponseReturnValue:
    """What the link does, and a button: a GET never activates (scanners prefetch links)."""
    try:
        user = activation_service().check(secret)
    except GatewayError as e:
        if _wants_json():
            raise
        return render_template_string(PAGE, title="Activation", code=e.code, text=e.message), (
            e.status
        )
    text = f"Confirm that {user.email} is your address to activate your account."
    if _wants_json():
        return jsonify({"status": user.status, "email": user.email, "activate": "POST"})
    return render_template_string(PAGE, title="Activate your account", text=text, button="Activate")


@blueprint.post("/activate/<secret>")
def activate(secret: str) -> ResponseReturnValue:
    try:
        user = activation_service().activate(secret)
    except GatewayError as e:
        if _wants_json():
            raise
        return render_template_string(PAGE, title="Activation", code=e.code, text=e.message), (
            e.status
        )
    if _wants_json():
        return jsonify({"status": user.status, "user_id": user.id, "email": user.email})
    return render_template_string(
        PAGE, title="Account activated", text=f"{user.email} is active and can now sign in."
    )


def activation_service() -> Activation:
    """The app's activation service."""
    return current_app.extensions["gateway.activation"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Register the activation service and its link route."""
    app.extensions["gateway.activation"] = Activation(
        app.extensions["gateway.store"], app.extensions["gateway.config"]
    )
    app.register_blueprint(blueprint)
