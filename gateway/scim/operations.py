"""What every resource's operations share: the caller, the outcome, quirk logging, If-Match."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.scim.discovery import ScimLimits
from gateway.scim.errors import NotFound, PreconditionFailed
from gateway.scim.profiles import ClientProfile
from gateway.scim.schema_model import ResourceType
from gateway.scim.schemas import GROUP, USER
from gateway.store.records import User
from gateway.store.sql import SqlStore

log = logging.getLogger("gateway.scim")


class Activator(Protocol):
    """The part of the activation service SCIM uses (kept abstract: no Flask here)."""

    def needs_activation(self, account_id: int, email: str) -> bool:
        """True unless the email's domain is an associated, verified domain of the account."""

    def send(self, user: User, *, reason: str) -> Any:
        """Queue (and send) the activation email with its single-use link."""


@dataclass(frozen=True)
class Caller:
    """Who is asking: the token's account, its client profile, and where resources live."""

    account_id: int
    token_id: int
    profile: ClientProfile = "compatible"
    base_url: str = ""

    @property
    def actor(self) -> str:
        """The audit actor of changes made with this token."""
        return f"scim-token:{self.token_id}"


@dataclass(frozen=True)
class Outcome:
    """One resource as returned: its SCIM body, version (for the ETag) and location."""

    resource: dict[str, Any]
    version: int
    location: str


@dataclass(frozen=True)
class Context:
    """The services an operation needs."""

    store: SqlStore
    activation: Activator
    limits: ScimLimits


def note_quirks(caller: Caller, resource_type: ResourceType, quirks: Sequence[str]) -> None:
    """Log the client quirks a request needed, by token id (never the token or the body)."""
    if quirks:
        log.info(
            "SCIM token %s (%s profile): accepted client quirks on %s: %s",
            caller.token_id,
            caller.profile,
            resource_type.name,
            ", ".join(quirks),
        )


def check_if_match(current: int, expected: int | None) -> None:
    """Refuse a stale ``If-Match`` (RFC 7644 §3.14); raises PreconditionFailed (412)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f'The resource is at version W/"{current}", not the one in If-Match; read it again.'
        )


ENDPOINTS = {"users": USER, "groups": GROUP}


def resource_type_of(endpoint: str) -> ResourceType:
    """The resource type served at ``/Users`` or ``/Groups`` (case-insensitive); else NotFound."""
    found = ENDPOINTS.get(endpoint.strip("/").casefold())
    if found is None:
        raise NotFound(f"There is no /{endpoint} endpoint; resources live at /Users and /Groups.")
    return found
