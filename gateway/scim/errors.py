"""SCIM refusals: each class carries its HTTP status and RFC 7644 §3.12 ``scimType``."""

from __future__ import annotations

from typing import Any, ClassVar

from gateway.errors import GatewayError

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(GatewayError):
    """A SCIM refusal, rendered as the RFC 7644 §3.12 Error resource by ``to_scim``."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "scim_error"
    scim_type: ClassVar[str | None] = None

    def __init_subclass__(cls, *, scim_type: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if scim_type is not None:
            cls.scim_type = scim_type
        if "code" not in cls.__dict__ and cls.scim_type is not None:
            cls.code = cls.scim_type  # the stable code a test asserts is the scimType itself

    def to_scim(self) -> dict[str, Any]:
        """The RFC 7644 §3.12 Error body; ``status`` is a string, ``scimType`` only when set."""
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type is not None:
            body["scimType"] = self.scim_type
        body["detail"] = self.message
        return body


class InvalidFilter(ScimError, scim_type="invalidFilter"):
    """The filter syntax is invalid or names something the server cannot filter on."""


class InvalidSyntax(ScimError, scim_type="invalidSyntax"):
    """The request body is not a valid SCIM message (e.g. a malformed PatchOp)."""


class InvalidPath(ScimError, scim_type="invalidPath"):
    """A PATCH ``path`` is malformed or names no attribute of the schema."""


class NoTarget(ScimError, scim_type="noTarget"):
    """A PATCH path or value filter selected nothing to operate on."""


class InvalidValue(ScimError, scim_type="invalidValue"):
    """A value is missing, of the wrong type, or outside its canonical values."""


class Mutability(ScimError, scim_type="mutability"):
    """The change would modify a readOnly or immutable attribute."""


class Uniqueness(ScimError, status=409, scim_type="uniqueness"):
    """A unique attribute (e.g. ``userName``) is already taken."""


class TooMany(ScimError, scim_type="tooMany"):
    """The query would return more results than the server is willing to process."""


class InvalidVersion(ScimError, scim_type="invalidVers"):
    """The requested SCIM protocol version is not supported."""


class Sensitive(ScimError, status=403, scim_type="sensitive"):
    """The request carried sensitive data in the URI (RFC 7644 §7.5.2)."""


class NotFound(ScimError, status=404, code="not_found"):
    """The resource or endpoint does not exist (or is not visible to this token)."""


class PreconditionFailed(ScimError, status=412, code="precondition_failed"):
    """``If-Match`` named a version that is no longer current (RFC 7644 §3.14)."""


class PayloadTooLarge(ScimError, status=413, code="too_large"):
    """The body exceeds ``maxPayloadSize`` or a bulk request exceeds ``maxOperations``."""


class Unauthorized(ScimError, status=401, code="unauthorized"):
    """No valid bearer token was presented."""


class Forbidden(ScimError, status=403, code="forbidden"):
    """The token is valid but may not perform this operation."""
