"""Tokens, organizations and the audit log (SQL)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.base import aware, hash_secret, new_secret
from gateway.store.errors import Conflict, InvalidState, NotFound
from gateway.store.records import AuditEntry, Organization, Page, Token
from gateway.store.users import UsersMixin

T = schema.tokens
O = schema.organizations  # noqa: E741
A = schema.accounts
L = schema.audit_log
TOKEN_PREFIX = {"admin": "gwa_", "scim": "gws_"}
# Every API and SCIM request runs it: built once, values bound per call.
LIVE_TOKEN = sa.select(T).where(
    T.c.token_hash == sa.bindparam("token_hash"),
    T.c.kind == sa.bindparam("kind"),
    T.c.revoked_at.is_(None),
)
# The Zoom dialect is /scim2 (gateway/zoom_scim), no longer a profile of /scim/v2 tokens.
SCIM_PROFILES = ("strict", "compatible", "okta", "entra")


def _token(row: Any) -> Token:
    m = row._mapping
    return Token(
        id=m["id"],
        account_id=m["account_id"],
        kind=m["kind"],
        label=m["label"],
        profile=m["profile"],
        created_at=aware(m["created_at"]),  # type: ignore[arg-type]
        revoked_at=aware(m["revoked_at"]),
    )


class AdminMixin(UsersMixin):
    """Bearer tokens (kept hashed), organizations and the audit log."""

    def create_token(
        self,
        account_id: int,
        kind: str,
        *,
        actor: str,
        label: str | None = None,
        profile: str = "compatible",
    ) -> tuple[Token, str]:
        """Create a token and return it with its secret, shown this once only.

        Raises BadRequest ``invalid_token_kind``/``invalid_profile``, NotFound.
        """
        if kind not in TOKEN_PREFIX:
            raise BadRequest("Token kind must be 'admin' or 'scim'.", code="invalid_token_kind")
        if profile not in SCIM_PROFILES:
            raise BadRequest(
                f"Profile must be one of {', '.join(SCIM_PROFILES)}.", code="invalid_profile"
            )
        secret = new_secret(TOKEN_PREFIX[kind])
        with self.transaction() as conn:
            self._get_account(conn, account_id)
            token_id = conn.execute(
                T.insert()
                .values(
                    account_id=account_id,
                    kind=kind,
                    token_hash=hash_secret(secret),
                    label=label,
                    profile=profile,
                    created_at=self.clock.now(),
                )
                .returning(T.c.id)
            ).scalar_one()
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="token.create",
                target=str(token_id),
                after={"kind": kind, "label": label},
            )
            row = conn.execute(sa.select(T).where(T.c.id == token_id)).one()
            return _token(row), secret

    def authenticate(self, secret: str, kind: str) -> Token | None:
        """The live token of ``kind`` matching ``secret``, or None.

        One statement: in the transaction open in this context, else in autocommit on the
        request's held connection if any (``read``; every API and SCIM request's rate limit runs
        it before its own transaction: no BEGIN/COMMIT, and no SQLite write lock taken, for
        it)."""
        found = {"token_hash": hash_secret(secret), "kind": kind}
        with self.read() as conn:
            row = conn.execute(LIVE_TOKEN, found).first()
        return None if row is None else _token(row)

    def live_token(self, token_id: int, kind: str) -> Token | None:
        """The token ``token_id`` of ``kind`` while it is not revoked, or None."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(T).where(T.c.id == token_id, T.c.kind == kind, T.c.revoked_at.is_(None))
            ).first()
            return None if row is None else _token(row)

    def revoke_token(self, token_id: int, *, account_id: int, actor: str) -> None:
        """Revoke a token of ``account_id``; raises NotFound ``token_not_found``."""
        with self.transaction() as conn:
            done = conn.execute(
                T.update()
                .where(T.c.id == token_id, T.c.account_id == account_id)
                .values(revoked_at=self.clock.now())
            )
            if done.rowcount == 0:
                raise NotFound(f"No token {token_id} in this account.", code="token_not_found")
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="token.revoke",
                target=str(token_id),
            )

    # -- organizations ----------------------------------------------------------------------

    def create_organization(self, name: str, account_id: int, *, actor: str) -> Organization:
        """Create an organization with ``account_id`` as its first member.

        Raises BadRequest ``invalid_name``, Conflict ``already_in_organization``.
        """
        if not name.strip() or len(name) > 200:
            raise BadRequest(
                "An organization needs a name of 1-200 characters.", code="invalid_name"
            )
        with self.transaction() as conn:
            org_id = conn.execute(
                O.insert().values(name=name.strip(), created_at=self.clock.now()).returning(O.c.id)
            ).scalar_one()
            self._join_organization(conn, org_id, account_id, actor)
            return self._organization(conn, org_id)

    def link_organization(self, org_id: int, account_id: int, *, actor: str) -> Organization:
        """Add an account to an organization; nothing of either is merged.

        Raises NotFound ``organization_not_found``, Conflict ``already_in_organization``.
        """
        with self.transaction() as conn:
            self._organization(conn, org_id)
            self._join_organization(conn, org_id, account_id, actor)
            return self._organization(conn, org_id)

    def _join_organization(
        self, conn: sa.Connection, org_id: int, account_id: int, actor: str
    ) -> None:
        account = self._lock_account(conn, account_id)
        if account.organization_id is not None:
            raise Conflict(
                f"{account.name} is already in an organization; an account is in at most one.",
                code="already_in_organization",
            )
        conn.execute(A.update().where(A.c.id == account_id).values(organization_id=org_id))
        self.audit(
            conn, actor=actor, account_id=account_id, action="organization.link", target=str(org_id)
        )

    def unlink_organization(self, account_id: int, *, actor: str) -> None:
        """Take the account out of its organization; raises InvalidState ``not_in_organization``."""
        with self.transaction() as conn:
            account = self._lock_account(conn, account_id)
            if account.organization_id is None:
                raise InvalidState(
                    f"{account.name} is not in an organization.", code="not_in_organization"
                )
            conn.execute(A.update().where(A.c.id == account_id).values(organization_id=None))
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="organization.unlink",
                target=str(account.organization_id),
            )

    def get_organization(self, org_id: int) -> Organization:
        """The organization and its member accounts; raises NotFound."""
        with self.transaction() as conn:
            return self._organization(conn, org_id)

    def _organization(self, conn: sa.Connection, org_id: int) -> Organization:
        row = conn.execute(sa.select(O).where(O.c.id == org_id)).first()
        if row is None:
            raise NotFound(f"No organization {org_id}.", code="organization_not_found")
        members = conn.execute(
            sa.select(A.c.id).where(A.c.organization_id == org_id).order_by(A.c.id)
        ).scalars()
        return Organization(
            id=row.id,
            name=row.name,
            created_at=aware(row.created_at),  # type: ignore[arg-type]
            account_ids=tuple(members),
        )

    # -- audit --------------------------------------------------------------------------------

    def list_audit(
        self, account_ids: list[int], *, offset: int = 0, limit: int = 50, action: str | None = None
    ) -> Page:
        """A page of audit entries of these accounts, newest first."""
        with self.transaction() as conn:
            cond: list[sa.ColumnElement[bool]] = [L.c.account_id.in_(account_ids)]
            if action:
                cond.append(L.c.action.startswith(action, autoescape=True))
            total = conn.execute(sa.select(sa.func.count()).select_from(L).where(*cond))
            rows = conn.execute(
                sa.select(L).where(*cond).order_by(L.c.id.desc()).offset(offset).limit(limit)
            )
            items = tuple(AuditEntry(**{**r._mapping, "at": aware(r.at)}) for r in rows)
            return Page(items=items, total=total.scalar_one(), offset=offset, limit=limit)
