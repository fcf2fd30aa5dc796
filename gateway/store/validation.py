"""Shape checks on identifiers the store keeps: emails, vanity names, plan keys."""

from __future__ import annotations

import re

from gateway.errors import BadRequest
from gateway.store.records import ADDONS, COUNTED_LICENSE_TYPES, addon_seat_kind

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_VANITY = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
SEAT_KINDS = frozenset(COUNTED_LICENSE_TYPES) | {addon_seat_kind(a) for a in ADDONS}


def normalize_email(value: str, *, field: str = "email") -> str:
    """Return the email trimmed; raises BadRequest ``invalid_email`` when it is not one."""
    email = (value or "").strip()
    if len(email) > 320 or not _EMAIL.match(email):
        raise BadRequest(
            f"'{value}' is not a valid email address for {field}.", code="invalid_email"
        )
    return email


def email_domain(email: str) -> str:
    """The lower-cased domain part of an email."""
    return email.rsplit("@", 1)[-1].lower()


def check_vanity(value: str) -> str:
    """Return the vanity name; raises BadRequest ``invalid_vanity`` unless like ``company-io``."""
    if not _VANITY.match(value):
        raise BadRequest(
            f"Vanity '{value}' must be lowercase letters, digits and inner hyphens "
            "(1-63 characters), like 'company-io'.",
            code="invalid_vanity",
        )
    return value


def check_seat_kind(value: str) -> str:
    """Return the seat kind; raises BadRequest ``unknown_seat_kind`` for anything unknown."""
    if value not in SEAT_KINDS:
        known = ", ".join(sorted(SEAT_KINDS))
        raise BadRequest(f"Unknown seat kind '{value}'. Known: {known}.", code="unknown_seat_kind")
    return value
