"""SAML state every worker must share: configs, SP keys, outstanding requests, replay, sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.clock import utc
from gateway.store import schema
from gateway.store.base import SqlBase, aware, hash_secret, new_secret
from gateway.store.errors import InvalidState

SC = schema.saml_configs
K = schema.sp_keys
RQ = schema.saml_requests
RP = schema.saml_replay
S = schema.sessions


@dataclass(frozen=True)
class SpKey:
    id: int
    account_id: int
    state: str
    certificate_pem: str
    private_key_pem: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Session:
    kind: str
    account_id: int
    user_id: str | None
    data: dict[str, Any]
    created_at: dt.datetime
    expires_at: dt.datetime


class SamlStateMixin(SqlBase):
    """Per-account SAML configuration and the state that lets any worker finish a sign-in."""

    def get_saml_config(self, account_id: int) -> tuple[dict[str, Any], int] | None:
        """The account's SAML configuration and its version, or None when not configured."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(SC).where(SC.c.account_id == account_id)).first()
            return None if row is None else (dict(row.config), row.version)

    def put_saml_config(self, account_id: int, config: dict[str, Any], *, actor: str) -> int:
        """Replace the account's SAML configuration; returns the new version."""
        with self.transaction() as conn:
            row = conn.execute(
                self.lock_clause(sa.select(SC).where(SC.c.account_id == account_id))
            ).first()
            now = self.clock.now()
            if row is None:
                conn.execute(
                    SC.insert().values(
                        account_id=account_id, config=config, version=1, updated_at=now
                    )
                )
                version = 1
            else:
                version = row.version + 1
                conn.execute(
                    SC.update()
                    .where(SC.c.account_id == account_id)
                    .values(config=config, version=version, updated_at=now)
                )
            self.audit(
                conn,
                actor=actor,
                account_id=account_id,
                action="saml.config",
                before=None if row is None else dict(row.config),
                after=config,
            )
            return version

    # -- the SP's own keys ---------------------------------------------------------------------

    def sp_keys(self, account_id: int) -> list[SpKey]:
        """The account's SP keys that are not retired: current, next, previous."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(K)
                .where(K.c.account_id == account_id, K.c.state != "retired")
                .order_by(K.c.id)
            )
            return [SpKey(**{**r._mapping, "created_at": aware(r.created_at)}) for r in rows]

    def add_sp_key(
        self, account_id: int, state: str, certificate_pem: str, private_key_pem: str, *, actor: str
    ) -> None:
        """Store a key as ``current`` (first key) or ``next`` (published before use)."""
        if state not in ("current", "next"):
            raise InvalidState("A new SP key is either 'current' or 'next'.", code="invalid_state")
        with self.transaction() as conn:
            conn.execute(
                K.update()
                .where(K.c.account_id == account_id, K.c.state == state)
                .values(state="retired")
            )
            conn.execute(
                K.insert().values(
                    account_id=account_id,
                    state=state,
                    certificate_pem=certificate_pem,
                    private_key_pem=private_key_pem,
                    created_at=self.clock.now(),
                )
            )
            self.audit(
                conn, actor=actor, account_id=account_id, action="saml.sp_key.add", target=state
            )

    def rotate_sp_key(self, account_id: int, *, actor: str) -> None:
        """Make ``next`` current and keep the old current as ``previous``.

        Raises InvalidState ``no_next_key`` when no next key was published first.
        """
        self._shift_keys(
            account_id,
            {"previous": "retired", "current": "previous", "next": "current"},
            "next",
            "saml.sp_key.rotate",
            actor,
        )

    def rollback_sp_key(self, account_id: int, *, actor: str) -> None:
        """Go back to the previous key; the rolled-back one becomes ``next`` again.

        Raises InvalidState ``no_previous_key``.
        """
        self._shift_keys(
            account_id,
            {"next": "retired", "current": "next", "previous": "current"},
            "previous",
            "saml.sp_key.rollback",
            actor,
        )

    def _shift_keys(
        self, account_id: int, moves: dict[str, str], needed: str, action: str, actor: str
    ) -> None:
        with self.transaction() as conn:
            states = {
                r.state: r.id
                for r in conn.execute(
                    sa.select(K.c.id, K.c.state).where(K.c.account_id == account_id)
                )
            }
            if needed not in states:
                raise InvalidState(
                    f"There is no {needed} SP key to switch to.", code=f"no_{needed}_key"
                )
            for old_state, new_state in moves.items():
                if old_state in states:
                    conn.execute(
                        K.update().where(K.c.id == states[old_state]).values(state=new_state)
                    )
            self.audit(conn, actor=actor, account_id=account_id, action=action)

    # -- outstanding requests and replay -------------------------------------------------------

    def remember_request(
        self, request_id: str, account_id: int, relay_state: str | None, ttl: dt.timedelta
    ) -> None:
        """Remember an AuthnRequest ID so any worker can check InResponseTo."""
        now = self.clock.now()
        with self.transaction() as conn:
            conn.execute(
                RQ.insert().values(
                    request_id=request_id,
                    account_id=account_id,
                    relay_state=relay_state,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )

    def take_request(self, request_id: str, account_id: int) -> bool:
        """Spend an outstanding request of this account; False if unknown, spent or expired."""
        with self.transaction() as conn:
            done = conn.execute(
                RQ.delete().where(
                    RQ.c.request_id == request_id,
                    RQ.c.account_id == account_id,
                    RQ.c.expires_at > self.clock.now(),
                )
            )
            return done.rowcount == 1

    def remember_assertion(
        self, assertion_id: str, account_id: int, expires_at: dt.datetime
    ) -> bool:
        """Record an assertion ID until it expires; False when it was already seen (replay)."""
        with self.transaction() as conn:
            conn.execute(RP.delete().where(RP.c.expires_at <= self.clock.now()))
            error = self.guarded(
                conn,
                RP.insert().values(
                    assertion_id=assertion_id, account_id=account_id, expires_at=expires_at
                ),
            )
            return error is None

    # -- sessions --------------------------------------------------------------------------------

    def create_session(
        self,
        kind: str,
        account_id: int,
        user_id: str | None,
        data: dict[str, Any],
        ttl: dt.timedelta,
    ) -> str:
        """Open a session and return its secret (only its hash is stored)."""
        secret = new_secret("")
        now = self.clock.now()
        with self.transaction() as conn:
            conn.execute(
                S.insert().values(
                    session_hash=hash_secret(secret),
                    kind=kind,
                    account_id=account_id,
                    user_id=user_id,
                    data=data,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return secret

    def get_session(self, secret: str) -> Session | None:
        """The live session for ``secret``, or None when unknown or expired."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(S).where(S.c.session_hash == hash_secret(secret))).first()
            if row is None or utc(row.expires_at) <= self.clock.now():
                return None
            return Session(
                row.kind,
                row.account_id,
                row.user_id,
                dict(row.data),
                utc(row.created_at),
                utc(row.expires_at),
            )

    def end_session(self, secret: str) -> None:
        """End one session (no error when it is already gone)."""
        with self.transaction() as conn:
            conn.execute(S.delete().where(S.c.session_hash == hash_secret(secret)))

    def end_user_sessions(self, user_id: str) -> int:
        """End every session of a user; returns how many ended."""
        with self.transaction() as conn:
            return conn.execute(S.delete().where(S.c.user_id == user_id)).rowcount
