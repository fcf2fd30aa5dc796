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

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "code" not in cls.__dict__ and cls.scim_type is not None:
            cls.code = cls.scim_type  # the stable code a test asserts is the scimType itself

    def to_scim(self) -> dict[str, Any]:
        """The RFC 7644 §3.12 Error body; ``status`` is a string, ``scimType`` only when set."""
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type is not None:
            body["scimType"] = self.scim_type
        body["detail"] = self.message
        return body


class InvalidFilter(ScimError):
    """The filter syntax is invalid or names something the server cannot filter on."""

    scim_type = "invalidFilter"


class InvalidSyntax(ScimError):
    """The request body is not a valid SCIM message (e.g. a malformed PatchOp)."""

    scim_type = "invalidSyntax"


class InvalidPath(ScimError):
    """A PATCH ``path`` is malformed or names no attribute of the schema."""

    scim_type = "invalidPath"


class NoTarget(ScimError):
    """A PATCH path or value filter selected nothing to operate on."""

    scim_type = "noTarget"


class InvalidValue(ScimError):
    """A value is missing, of the wrong type, or outside its canonical values."""

    scim_type = "invalidValue"


class Mutability(ScimError):
    """The change would modify a readOnly or immutable attribute."""

    scim_type = "mutability"


class Uniqueness(ScimError):
    """A unique attribute (e.g. ``userName``) is already taken."""

    status = 409
    scim_type = "uniqueness"


class TooMany(ScimError):
    """The query would return more results than the server is willing to process."""

    scim_type = "tooMany"


class InvalidVersion(ScimError):
    """The requested SCIM protocol version is not supported."""

    scim_type = "invalidVers"


class Sensitive(ScimError):
    """The request carried sensitive data in the URI (RFC 7644 §7.5.2)."""

    status = 403
    scim_type = "sensitive"


class NotFound(ScimError):
    """The resource or endpoint does not exist (or is not visible to this token)."""

    status = 404
    code = "not_found"


class PreconditionFailed(ScimError):
    """``If-Match`` named a version that is no longer current (RFC 7644 §3.14)."""

    status = 412
    code = "precondition_failed"


class PayloadTooLarge(ScimError):
    """The body exceeds ``maxPayloadSize`` or a bulk request exceeds ``maxOperations``."""

    status = 413
    code = "too_large"


class Unauthorized(ScimError):
    """No valid bearer token was presented."""

    status = 401
    code = "unauthorized"


class Forbidden(ScimError):
    """The token is valid but may not perform this operation."""

    status = 403
    code = "forbidden"
