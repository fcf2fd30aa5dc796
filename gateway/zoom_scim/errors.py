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
