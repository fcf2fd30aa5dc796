"""Zoom's SCIM2 refusals: the SCIM Error schema with an integer ``status`` and a ``detail``."""

from __future__ import annotations

from typing import Any, ClassVar

from gateway.errors import GatewayError

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ZoomScimError(GatewayError):
    """A refusal on ``/scim2``, rendered as Zoom renders it by ``to_zoom``."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "zoom_scim_error"

    def to_zoom(self) -> dict[str, Any]:
        """Zoom's body: ``schemas``, ``detail`` and an integer ``status`` (no ``scimType``)."""
        return {"schemas": [ERROR_SCHEMA], "detail": self.message, "status": self.status}


class InvalidRequest(ZoomScimError):
    """A body, filter or value Zoom would refuse (400)."""

    code = "invalid_request"


class SsoRequired(ZoomScimError):
    """The account misses a prerequisite of SCIM2: SSO, an approved vanity URL, a plan."""

    code = "sso_required"


class NotVisible(ZoomScimError):
    """A pending user (awaiting its activation email), which Zoom does not show (400)."""

    code = "user_not_visible"


class SeatsExhausted(ZoomScimError):
    """No license or add-on seat is left for what the body asks (400)."""

    code = "seats_exhausted"


class NotDeactivatable(ZoomScimError):
    """Zoom deactivates only members through SCIM (400)."""

    code = "admin_not_deactivatable"


class DefaultGroupUndeletable(ZoomScimError):
    """The account's default group cannot be deleted (400)."""

    code = "default_group_undeletable"


class BodyTooLarge(ZoomScimError):
    """A PATCH body over Zoom's limit (400)."""

    code = "body_too_large"


class Unauthorized(ZoomScimError):
    """No usable access token (401)."""

    status = 401
    code = "invalid_access_token"


class Forbidden(ZoomScimError):
    """A token without the ``scim2`` scope (403)."""

    status = 403
    code = "missing_scope"


class NotFound(ZoomScimError):
    """An unknown user, group or operation (404)."""

    status = 404
    code = "not_found"


def zoom_error(error: GatewayError) -> ZoomScimError:
    """Any refusal of the SCIM service or the store, in Zoom's shape, status and code kept."""
    if isinstance(error, ZoomScimError):
        return error
    return ZoomScimError(error.message, code=error.code, status=error.status, **error.details)
