"""Who may call ``/scim2``: an OAuth access token with the ``scim2`` scope (Zoom's way) or the
account's static SCIM token (the gateway's documented shortcut), on an account that meets
Zoom's prerequisites (SSO enabled, an approved vanity URL, a plan that allows SCIM2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.oauth import grants
from gateway.oauth.grants import AccessTokenRefused
from gateway.scim.operations import Caller
from gateway.store.errors import NotFound as StoreNotFound
from gateway.store.records import Account
from gateway.store.sql import SqlStore
from gateway.zoom_scim import choices
from gateway.zoom_scim.errors import Forbidden, SsoRequired, Unauthorized


@dataclass(frozen=True)
class ZoomCaller(Caller):
    """A ``/scim2`` caller: the one service's Caller, with the audit actor of its credential."""

    who: str = ""

    @property
    def actor(self) -> str:
        """``oauth-app:<id>`` or ``scim-token:<id>``."""
        return self.who or super().actor


def authenticate(store: SqlStore, authorization: str, now: dt.datetime) -> tuple[int, int, str]:
    """The account id, credential id and audit actor of an ``Authorization`` header.

    Raises Unauthorized (401: no bearer token, an unknown, expired or revoked one) and
    Forbidden (403: an access token without the ``scim2`` or ``scim2:admin`` scope).
    """
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.casefold() != "bearer" or not secret:
        raise Unauthorized(choices.NO_TOKEN)
    try:
        grant = grants.resolve_access_token(store, secret, now)
    except AccessTokenRefused as e:
        raise Unauthorized(e.message) from e
    if grant is not None:
        if not grants.has_scim2_scope(grant):
            raise Forbidden(choices.MISSING_SCOPE)
        return grant.account_id, grant.app_id, f"oauth-app:{grant.app_id}"
    token = store.authenticate(secret, "scim")
    if token is None:
        raise Unauthorized(choices.NO_TOKEN)
    return token.account_id, token.id, f"scim-token:{token.id}"


def addressed_account(store: SqlStore, account_id: int, wanted: str | None) -> Account:
    """The caller's account, checked against the vanity of the URL when there is one.

    Raises Unauthorized when the URL names another (or no) account.
    """
    if wanted is not None:
        try:
            account = store.find_account(wanted)
        except StoreNotFound as e:
            raise Unauthorized(choices.WRONG_ACCOUNT) from e
        if account.id != account_id:
            raise Unauthorized(choices.WRONG_ACCOUNT)
        return account
    return store.get_account(account_id)


def check_prerequisites(store: SqlStore, account: Account) -> None:
    """Zoom's prerequisites of SCIM2; raises SsoRequired (400) naming the one missing."""
    found = store.get_saml_config(account.id)
    # Configured and switched on ("Enable Single Sign-On" on the SSO page).
    if found is None or found[0].get("enabled", True) is False:
        raise SsoRequired(choices.SSO_REQUIRED)
    if not account.vanity:
        raise SsoRequired(choices.VANITY_REQUIRED)
    if account.plan_kind not in choices.SCIM_PLANS:
        raise SsoRequired(choices.PLAN_REQUIRED)
