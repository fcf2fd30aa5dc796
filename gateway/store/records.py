"""Plain records the stores hand out: frozen copies, never live rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

LICENSE_TYPES = ("Basic", "Licensed", "On-Prem")
COUNTED_LICENSE_TYPES = ("Licensed", "On-Prem")
ADDONS = (
    "webinar",
    "large_meeting",
    "zoom_events",
    "whiteboard",
    "translated_captions",
    "concurrent_meeting",
    "cloud_recording_storage",
    # Zoom's SCIM2 plan and add-on fields (gateway/zoom_scim/choices.py maps them).
    "whiteboard_plus",
    "zoom_iq",
    "huddles",
    "customer_managed_key",
    "zoom_united",
    "zoom_one_biz_plus",
)
ACCOUNT_TYPES = ("standalone", "master", "sub", "pseudo_master")
CHANNELS = ("direct", "reseller", "distributor", "carrier")
PLAN_KINDS = ("free", "pro", "business", "enterprise", "education")
USER_STATUSES = ("active", "pending", "deactivated")
ROLES = ("Owner", "Admin", "Member")


def addon_seat_kind(addon: str) -> str:
    """The pool key of an add-on."""
    return f"addon:{addon}"


@dataclass(frozen=True)
class Account:
    id: int
    number: str
    name: str
    owner_email: str
    vanity: str | None
    parent_id: int | None
    account_type: str
    channel: str
    plan_kind: str
    bulk_licensing: bool
    billing: str
    support_name: str | None
    support_email: str | None
    default_license_type: str
    organization_id: int | None
    settings: dict[str, Any]
    subscription_start: dt.datetime | None
    subscription_end: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def billing_type(self) -> str:
        """The list column: "paid by master" or "paid by itself"."""
        return "paid_by_master" if self.billing == "master" else "paid_by_self"


@dataclass(frozen=True)
class Pool:
    account_id: int
    seat_kind: str
    capacity: int
    used: int
    delegated: int

    @property
    def remaining(self) -> int:
        """Seats neither used here nor delegated down: never below 0."""
        return self.capacity - self.used - self.delegated


@dataclass(frozen=True)
class User:
    id: str
    account_id: int
    email: str | None
    email_type: str
    external_id: str | None
    first_name: str | None
    last_name: str | None
    display_name: str | None
    status: str
    license_type: str
    addons: tuple[str, ...]
    role: str
    login_type: str
    source: str
    employee_id: str | None
    profile: dict[str, Any]
    vip: bool
    has_upcoming_meetings: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    groups: tuple[str, ...] = field(default=())
    # The SCIM userName when a client set one that is not an email; None: it is ``email``.
    user_name: str | None = None
    # The email awaits confirmation by its activation link (pending, or deactivated while
    # pending): reactivating such a user makes it pending again, not active.
    awaiting_activation: bool = False


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    created_at: dt.datetime
    account_ids: tuple[int, ...]


@dataclass(frozen=True)
class Token:
    id: int
    account_id: int
    kind: str
    label: str | None
    profile: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    account_id: int | None
    action: str
    target: str | None
    before: Any
    after: Any


@dataclass(frozen=True)
class Page:
    """One page of a listing with the total, for paged routes."""

    items: tuple[Any, ...]
    total: int
    offset: int
    limit: int
