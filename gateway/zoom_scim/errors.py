"""Zoom's SCIM2 refusals: the SCIM Error schema with an integer ``status`` and a ``detail``."""

from __future__ import annotations

from typing import Any, ClassVar

from gateway.errors import GatewayError
from gateway.scim.errors import ERROR_SCHEMA  # Zoom's errors use the RFC's Error schema URN


class ZoomScimError(GatewayError):
    """A refusal on ``/scim2``, rendered as Zoom renders it by ``to_zoom``."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "zoom_scim_error"

    def to_zoom(self) -> dict[str, Any]:
        """Zoom's body: ``schemas``, ``detail`` and an integer ``status`` (no ``scimType``)."""
        return {"schemas": [ERROR_SCHEMA], "detail": self.message, "status": self.status}


class InvalidRequest(ZoomScimError, code="invalid_request"):
    """A body, filter or value Zoom would refuse (400)."""


class SsoRequired(ZoomScimError, code="sso_required"):
    """The account misses a prerequisite of SCIM2: SSO, an approved vanity URL, a plan."""


class NotVisible(ZoomScimError, code="user_not_visible"):
    """A pending user (awaiting its activation email), which Zoom does not show (400)."""


class SeatsExhausted(ZoomScimError, code="seats_exhausted"):
    """No license or add-on seat is left for what the body asks (400)."""


class NotDeactivatable(ZoomScimError, code="admin_not_deactivatable"):
    """Zoom deactivates only members through SCIM (400)."""


class DefaultGroupUndeletable(ZoomScimError, code="default_group_undeletable"):
    """The account's default group cannot be deleted (400)."""


class BodyTooLarge(ZoomScimError, code="body_too_large"):
    """A PATCH body over Zoom's limit (400)."""


class Unauthorized(ZoomScimError, status=401, code="invalid_access_token"):
    """No usable access token (401)."""


class Forbidden(ZoomScimError, status=403, code="missing_scope"):
    """A token without the ``scim2`` scope (403)."""


class NotFound(ZoomScimError, status=404, code="not_found"):
    """An unknown user, group or operation (404)."""


def zoom_error(error: GatewayError) -> ZoomScimError:
    """Any refusal of the SCIM service or the store, in Zoom's shape, status and code kept."""
    if isinstance(error, ZoomScimError):
        return error
    return ZoomScimError(error.message, code=error.code, status=error.status, **error.details)
