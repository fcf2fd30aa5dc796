"""Delivering outbox emails over SMTP when ``GATEWAY_SMTP_URL`` is set."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

from gateway.store.outbox import OutboxMessage
from gateway.store.sql import SqlStore

log = logging.getLogger("gateway.mail")
SENDER = "no-reply@gateway.localhost"


def deliver(store: SqlStore, smtp_url: str | None, message: OutboxMessage) -> None:
    """Send ``message`` if SMTP is configured, once the transaction that queued it (if any)
    has committed; failures are recorded on it, never raised."""
    if smtp_url:
        store.after_commit(lambda: _send(store, smtp_url, message))


def resend_unsent(store: SqlStore, smtp_url: str) -> int:
    """Send every outbox message SMTP has not delivered (its send after the commit was lost
    to a crash, or failed); returns how many were tried."""
    messages = store.unsent_messages()
    for message in messages:
        _send(store, smtp_url, message)
    return len(messages)


def _send(store: SqlStore, smtp_url: str, message: OutboxMessage) -> None:
    parts = urlsplit(smtp_url)
    email = EmailMessage()
    email["From"] = SENDER
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    try:
        with smtplib.SMTP(parts.hostname or "127.0.0.1", parts.port or 25, timeout=10) as smtp:
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as e:
        log.warning("SMTP delivery of outbox message %s failed: %s", message.id, type(e).__name__)
        store.mark_sent(message.id, error=f"{type(e).__name__}: {e}"[:500])
        return
    store.mark_sent(message.id)
