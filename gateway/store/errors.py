"""Storage refusals: each carries the HTTP status and stable code the API renders."""

from __future__ import annotations

from gateway.errors import GatewayError


class StoreError(GatewayError):
    """Base of every refusal raised by a store."""

    status = 400
    code = "store_error"


class NotFound(StoreError):
    """The record does not exist (or is not visible to the caller)."""

    status = 404
    code = "not_found"


class Conflict(StoreError):
    """A uniqueness rule would be broken (email, vanity, owner email, ...)."""

    status = 409
    code = "conflict"


class VersionMismatch(StoreError):
    """The record changed since the version the caller read."""

    status = 412
    code = "version_mismatch"


class LicensePoolExhausted(StoreError):
    """No seat of the requested kind is left in the pool."""

    status = 409
    code = "license_pool_exhausted"


class DelegationBelowUsage(StoreError):
    """A delegation would drop below what the sub-account already uses."""

    status = 409
    code = "delegation_below_usage"


class InvalidState(StoreError):
    """The operation does not apply to the record as it stands."""

    status = 409
    code = "invalid_state"


class OwnerProtected(StoreError):
    """The account owner cannot be deactivated, deleted or given another role."""

    status = 409
    code = "owner_protected"
