"""SP-initiated sign-ins bound to the browser that started them.

Every AuthnRequest the gateway hands a browser (``/saml/login``, the console's SSO sign-in, the
password sign-in's ``sso_required``) is noted while the request is served; the answer carries a
cookie listing the request IDs issued to this browser. The ACS refuses a response that answers
a request this browser was not given (403 ``request_from_another_browser``): a response obtained
in one browser and planted in another (login CSRF) does not sign that browser in. Responses that
answer no request (IdP-initiated) are left to the account's setting, as before.
"""

from __future__ import annotations

from contextvars import ContextVar

from flask import Flask, Response, request

from gateway.saml.errors import SamlError
from gateway.saml.unverified import claimed_in_response_to

COOKIE = "gateway_authn"
# The most recent requests a browser may have open at once (several tabs, several accounts).
KEPT = 5
MAX_AGE_SECONDS = 600  # the outstanding request's lifetime (gateway.sso.service.REQUEST_TTL)
_issued: ContextVar[list[str] | None] = ContextVar("gateway_issued_requests", default=None)


class RequestFromAnotherBrowser(SamlError):
    """The response answers an AuthnRequest issued to another browser."""

    status = 403
    code = "request_from_another_browser"


def note_issued(request_id: str) -> None:
    """Record that the request being served hands out AuthnRequest ``request_id``."""
    issued = _issued.get()
    if issued is not None:
        issued.append(request_id)


def _bound() -> list[str]:
    return [i for i in request.cookies.get(COOKIE, "").split(".") if i]


def _start() -> None:
    _issued.set([])


def _bind(response: Response) -> Response:
    """Add the AuthnRequests issued while serving this request to the browser's cookie."""
    issued, _ = _issued.get(), _issued.set(None)
    if issued:
        secure = request.scheme == "https"
        response.set_cookie(
            COOKIE,
            ".".join((_bound() + issued)[-KEPT:]),
            max_age=MAX_AGE_SECONDS,
            httponly=True,
            secure=secure,
            # The IdP posts the response cross-site: over HTTPS the cookie must say None.
            samesite="None" if secure else None,
            path="/",
        )
    return response


def check_same_browser(saml_response: str) -> None:
    """Raise RequestFromAnotherBrowser when the response answers a request this browser was
    not given."""
    bound = set(_bound())
    for request_id in claimed_in_response_to(saml_response):
        if request_id not in bound:
            raise RequestFromAnotherBrowser(
                "This response answers a sign-in that was started in another browser (or whose "
                "cookie is gone). Start the sign-in again from this browser."
            )


def init_app(app: Flask) -> None:
    """Note the AuthnRequests each request hands out, and bind them to the browser."""
    app.before_request(_start)
    app.after_request(_bind)
