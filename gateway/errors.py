"""The one exception base of the gateway: every refusal carries an HTTP status and a stable code."""

from __future__ import annotations

from typing import Any, ClassVar


class GatewayError(Exception):
    """A refusal a client can act on: rendered as JSON ``{"code", "message"}`` with ``status``.

    A refusal class sets its status and code as class attributes, most briefly as class
    keywords: ``class Gone(GatewayError, status=410, code="gone")``; what it leaves unset, it
    inherits.
    """

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        # Per-instance overrides of the class defaults, for refusals that share a class.
        if code is not None:
            self.code = code  # type: ignore[misc]
        if status is not None:
            self.status = status  # type: ignore[misc]
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the refusal."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(GatewayError, status=400, code="bad_request"):
    """The request is malformed or asks for something the gateway refuses."""


class Unauthorized(GatewayError, status=401, code="unauthorized"):
    """No valid credentials were presented."""


class Forbidden(GatewayError, status=403, code="forbidden"):
    """The credentials are valid but may not do this."""


class NotFoundError(GatewayError, status=404, code="not_found"):
    """The thing asked for does not exist (or is not visible to the caller)."""


class ConflictError(GatewayError, status=409, code="conflict"):
    """The request conflicts with the current state (e.g. a name already taken)."""


class PayloadTooLarge(GatewayError, status=413, code="too_large"):
    """The request body is over the limit."""


class TooManyRequests(GatewayError, status=429, code="rate_limited"):
    """Over a rate limit."""
