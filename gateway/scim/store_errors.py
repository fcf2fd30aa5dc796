"""Store refusals translated once, where they enter the SCIM service, into RFC 7644 errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from gateway.errors import GatewayError
from gateway.scim import errors as scim
from gateway.store import errors as store


@contextlib.contextmanager
def scim_errors() -> Iterator[None]:
    """Re-raise store and gateway refusals as ScimError subclasses.

    Conflict -> 409 ``uniqueness`` (never naming where the taken value lives), VersionMismatch
    -> 412, NotFound -> 404 (an unknown group member -> 400 ``invalidValue``),
    LicensePoolExhausted -> 400 ``invalidValue`` with the pool's numbers in the detail (a 409
    would make Entra and Okta look for an existing user to match), OwnerProtected (the
    account owner deactivated, deleted or demoted) -> 400 ``mutability``, other refusals -> 400
    ``invalidValue`` with the same detail.
    """
    try:
        yield
    except scim.ScimError:
        raise
    except store.Conflict as e:
        raise scim.Uniqueness(_uniqueness_detail(e)) from e
    except store.VersionMismatch as e:
        raise scim.PreconditionFailed(
            f"The resource changed since that version (If-Match); {e.message}"
        ) from e
    except store.NotFound as e:
        if e.code == "member_not_found":
            raise scim.InvalidValue(e.message) from e
        raise scim.NotFound(e.message) from e
    except store.OwnerProtected as e:
        raise scim.Mutability(e.message) from e
    except store.LicensePoolExhausted as e:
        raise scim.InvalidValue(
            f"'userType' cannot be granted: {e.message} Send userType 'Basic' to create the user "
            "without a seat."
        ) from e
    except GatewayError as e:
        if e.status >= 500:
            raise
        if e.status == 403:  # e.g. an address under another account's managed domain
            raise scim.Forbidden(e.message) from e
        raise scim.InvalidValue(e.message) from e


def _uniqueness_detail(error: store.Conflict) -> str:
    if error.code == "email_taken":
        return (
            "'userName' is already taken: another user of this service has this email address "
            "(the sign-in email: userName when it is an email, else from 'emails')."
        )
    if error.code == "user_name_taken":
        return "'userName' is already taken by another user of this service."
    if error.code == "group_name_taken":
        return "'displayName' is already taken by another group of this account."
    return error.message
