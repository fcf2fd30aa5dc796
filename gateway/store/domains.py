"""Associated domains: verified by one account at a time (SQL)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.errors import BadRequest
from gateway.store import schema
from gateway.store.errors import Conflict, NotFound
from gateway.store.pools import PoolsMixin

D = schema.domains
# Who holds a verified domain: asked at every SCIM create and JIT sign-in (built once).
_VERIFIED_OWNER = sa.select(D.c.account_id).where(D.c.verified_domain == sa.bindparam("domain"))
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
DEFAULT_OPTIONS = {"manage": False, "allow_consolidation": False, "allow_signup": False}


@dataclass(frozen=True)
class Domain:
    id: int
    account_id: int
    domain: str
    verification_token: str
    verified: bool
    options: dict[str, Any]


def check_domain(value: str) -> str:
    """The domain lower-cased; raises BadRequest ``invalid_domain``."""
    domain = (value or "").strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise BadRequest(
            f"'{value}' is not a domain name like 'example.com'.", code="invalid_domain"
        )
    return domain


def _domain(row: Any) -> Domain:
    return Domain(
        id=row.id,
        account_id=row.account_id,
        domain=row.domain,
        verification_token=row.verification_token,
        verified=row.verified_domain is not None,
        options=dict(row.options or {}),
    )


class DomainsMixin(PoolsMixin):
    """Domains an account claims, and whether it has proved it owns them."""

    def add_domain(self, account_id: int, domain: str, *, actor: str) -> Domain:
        """Claim a domain and get its verification token; raises Conflict ``domain_exists``."""
        name = check_domain(domain)
        with self.transaction() as conn:
            self._get_account(conn, account_id)
            if conn.execute(
                sa.select(D.c.id).where(D.c.account_id == account_id, D.c.domain == name)
            ).first():
                raise Conflict(f"{name} is already on this account's list.", code="domain_exists")
            conn.execute(
                D.insert().values(
                    account_id=account_id,
                    domain=name,
                    verification_token="gateway-verification=" + secrets.token_hex(16),
                    options=dict(DEFAULT_OPTIONS),
                    created_at=self.clock.now(),
                )
            )
            self.audit(conn, actor=actor, account_id=account_id, action="domain.add", target=name)
            return self._domain_row(conn, account_id, name)

    def mark_domain_verified(self, account_id: int, domain: str, *, actor: str) -> Domain:
        """Record proof of ownership; raises Conflict ``domain_verified_elsewhere``."""
        name = check_domain(domain)
        with self.transaction() as conn:
            current = self._domain_row(conn, account_id, name)
            holder = conn.execute(
                sa.select(D.c.account_id).where(D.c.verified_domain == name)
            ).first()
            if holder is not None and holder[0] != account_id:
                raise Conflict(
                    f"{name} is verified by another account; a domain is verified "
                    "by one account at a time.",
                    code="domain_verified_elsewhere",
                )
            error = self.guarded(
                conn,
                D.update()
                .where(D.c.id == current.id)
                .values(verified_domain=name, verified_at=self.clock.now()),
            )
            if error is not None:
                raise Conflict(
                    f"{name} was just verified by another account.",
                    code="domain_verified_elsewhere",
                ) from error
            self.audit(
                conn, actor=actor, account_id=account_id, action="domain.verify", target=name
            )
            return self._domain_row(conn, account_id, name)

    def add_verified_domain(self, account_id: int, domain: str, *, actor: str) -> Domain:
        """Claim and mark verified in one step (admin API in demo mode, and the demo world)."""
        with self.transaction():
            self.add_domain(account_id, domain, actor=actor)
            return self.mark_domain_verified(account_id, domain, actor=actor)

    def list_domains(self, account_id: int) -> list[Domain]:
        """The account's domains, verified or not."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(D).where(D.c.account_id == account_id).order_by(D.c.domain)
            )
            return [_domain(r) for r in rows]

    def is_associated(self, account_id: int, domain: str) -> bool:
        """Whether ``domain`` is an associated, verified domain of the account."""
        with self.transaction() as conn:
            row = conn.execute(_VERIFIED_OWNER, {"domain": domain.strip().lower()}).first()
            return row is not None and row[0] == account_id

    def _domain_row(self, conn: sa.Connection, account_id: int, name: str) -> Domain:
        row = conn.execute(
            sa.select(D).where(D.c.account_id == account_id, D.c.domain == name)
        ).first()
        if row is None:
            raise NotFound(f"{name} is not on this account's domain list.", code="domain_not_found")
        return _domain(row)
