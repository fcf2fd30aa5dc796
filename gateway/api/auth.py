"""Bearer tokens for the admin API, and who may act on which account."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request

from gateway.errors import Forbidden, Unauthorized
from gateway.store.records import Account, Token
from gateway.store.sql import SqlStore


def store() -> SqlStore:
    """The application's store."""
    return current_app.extensions["gateway.store"]  # type: ignore[no-any-return]


def request_token(secret: str, kind: str) -> Token | None:
    """``authenticate(secret, kind)`` once per request: the rate limit's check and the
    surface's own (admin API, SCIM) share the one token read. Made-up secrets are not kept
    beyond the request."""
    found: dict[tuple[str, str], Token | None] = g.setdefault("gateway_tokens", {})
    key = (secret, kind)
    if key not in found:
        found[key] = store().authenticate(secret, kind)
    return found[key]


def bearer_secret() -> str:
    """The bearer secret of the request; raises Unauthorized ``missing_token``."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer <token>' with an admin token "
            "(create one with 'gateway token create').",
            code="missing_token",
        )
    return secret.strip()


@dataclass(frozen=True)
class Caller:
    """The account a request acts for, and the accounts it may manage."""

    token: Token
    account: Account
    managed_ids: frozenset[int]

    @property
    def actor(self) -> str:
        """How the audit log names this caller (never the secret)."""
        return f"token:{self.token.id}@{self.account.number}"


def admin_caller() -> Caller:
    """Authenticate the request's admin token; raises Unauthorized ``invalid_token``."""
    cached: Caller | None = g.get("gateway_caller")
    if cached is not None:
        return cached
    token = request_token(bearer_secret(), "admin")
    if token is None:
        raise Unauthorized("This admin token is unknown or revoked.", code="invalid_token")
    account = store().get_account(token.account_id)
    managed = {account.id} | {a.id for a in store().descendants(account.id)}
    caller = Caller(token, account, frozenset(managed))
    g.gateway_caller = caller
    return caller


def managed_account(account_id: int) -> tuple[Caller, Account]:
    """The caller and the account it acts on: its own or one of its sub-accounts.

    Raises Forbidden ``not_your_account`` for any other account, existing or not.
    """
    caller = admin_caller()
    if account_id not in caller.managed_ids:
        raise Forbidden(
            f"Account {account_id} is neither this token's account nor one of its sub-accounts.",
            code="not_your_account",
        )
    return caller, store().get_account(account_id)


def master_of(account_id: int) -> tuple[Caller, Account]:
    """Like ``managed_account`` but only an ancestor may act (delegate, unlink).

    Raises Forbidden ``not_your_account`` / ``master_only``.
    """
    caller, account = managed_account(account_id)
    if account.id == caller.account.id:
        raise Forbidden(
            "Only the master account's admins can do this to a sub-account.", code="master_only"
        )
    return caller, account
