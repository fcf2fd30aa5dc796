"""SAML state every worker must share: configs, SP keys, outstanding requests, replay, sessions."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.clock import utc
from gateway.store import schema
from gateway.store.account_rows import account_from_row
from gateway.store.base import SqlBase, aware, hash_secret, new_secret
from gateway.store.engine import autocommit
from gateway.store.errors import InvalidState, NotFound
from gateway.store.records import Account

A = schema.accounts
SC = schema.saml_configs
MR = schema.mapping_rulesets
K = schema.sp_keys
RQ = schema.saml_requests
RP = schema.saml_replay
S = schema.sessions
# Expired replay records are swept at most this often (a live one is always found: see
# ``remember_assertion``), so a sign-in does not pay for a DELETE each time.
REPLAY_SWEEP_EVERY = dt.timedelta(minutes=1)
# Sub-accounts nest two levels at most; the bound only keeps a corrupt cycle finite.
MAX_ACCOUNT_DEPTH = 8


# The sign-in's statements are built once: building a Core statement costs more Python than
# running it (about 0.15 ms against 0.07 ms for a plain SELECT on SQLite, measured).
def _key_id(state: str) -> Any:
    found = sa.select(sa.func.max(K.c.id)).where(K.c.account_id == A.c.id, K.c.state == state)
    return found.scalar_subquery().label(f"key_{state}")


_SUB = A.alias("sub")
_STAMP_BY_ID = sa.select(
    A,
    SC.c.version.label("config_version"),
    MR.c.version.label("rules_version"),
    *(_key_id(state) for state in ("current", "next", "previous")),
    sa.exists().where(_SUB.c.parent_id == A.c.id).label("has_subaccounts"),
).select_from(A.outerjoin(SC, SC.c.account_id == A.c.id).outerjoin(MR, MR.c.account_id == A.c.id))
_STAMP = _STAMP_BY_ID.where(
    sa.or_(A.c.number == sa.bindparam("ident"), A.c.vanity == sa.bindparam("vanity"))
)
_STAMP_BY_ID = _STAMP_BY_ID.where(A.c.id == sa.bindparam("account_id"))


def _tree_statement() -> sa.Select[Any]:
    tree = (
        sa.select(A.c.id, sa.literal(1).label("depth"))
        .where(A.c.parent_id == sa.bindparam("root"))
        .cte("tree", recursive=True)
    )
    tree = tree.union_all(
        sa.select(A.c.id, tree.c.depth + 1).where(
            A.c.parent_id == tree.c.id, tree.c.depth < MAX_ACCOUNT_DEPTH
        )
    )
    return sa.select(A).join(tree, tree.c.id == A.c.id).order_by(tree.c.depth, A.c.id)


_TREE = _tree_statement()
_SESSION_INSERT = S.insert()


@functools.cache
def _replay_upsert(dialect: str) -> sa.Insert:
    """Record an assertion ID unless a live record of it exists (returns a row if recorded)."""
    insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(RP)
    return insert.on_conflict_do_update(
        index_elements=[RP.c.assertion_id],
        set_={"account_id": insert.excluded.account_id, "expires_at": insert.excluded.expires_at},
        where=RP.c.expires_at <= sa.bindparam("now"),
    ).returning(RP.c.assertion_id)


@dataclass(frozen=True)
class SpKey:
    id: int
    account_id: int
    state: str
    certificate_pem: str
    private_key_pem: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AcsStamp:
    """An account with what tells whether its SAML state changed, read in one statement.

    ``config_version`` is the SAML configuration's, None when there is none; ``keys`` the ids
    of the current, next and previous SP keys (key rows never change but for their state, so
    the ids pin the key material); ``rules_version`` the mapping rules'; ``has_subaccounts``
    whether any account names it as parent (when not, the sign-in reads no account tree).
    """

    account: Account
    config_version: int | None
    keys: tuple[int | None, int | None, int | None]
    rules_version: int
    has_subaccounts: bool = True


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

    _replay_swept_at: dt.datetime | None = None

    @contextlib.contextmanager
    def _single_statement(self) -> Iterator[sa.Connection]:
        """The transaction open in this context, else a connection in autocommit: for a
        statement that is atomic by itself (the sign-in's stamp read and replay record)."""
        current = self._tx.get()
        if current is not None:
            yield current
            return
        with self.engine.connect() as conn:
            yield autocommit(conn)

    def acs_stamp(self, ident: str) -> AcsStamp:
        """The account by number, vanity or id (as ``find_account``) with its SAML stamps.

        One statement: what a worker checks its cached configuration, SP keys and compiled
        rules against at every sign-in. Raises NotFound ``account_not_found``.
        """
        with self._single_statement() as conn:
            row = conn.execute(_STAMP, {"ident": ident, "vanity": ident.lower()}).first()
            if row is None and ident.isdigit() and len(ident) < 10:
                row = conn.execute(_STAMP_BY_ID, {"account_id": int(ident)}).first()
        if row is None:
            raise NotFound(f"No account '{ident}'.", code="account_not_found")
        return AcsStamp(
            account_from_row(row),
            row.config_version,
            (row.key_current, row.key_next, row.key_previous),
            int(row.rules_version or 0),
            bool(row.has_subaccounts),
        )

    def account_tree(self, account_id: int) -> list[Account]:
        """Sub-accounts at every level below ``account_id`` (as ``descendants``), in one
        statement: shallower first, then by id."""
        with self.transaction() as conn:
            return [account_from_row(r) for r in conn.execute(_TREE, {"root": account_id})]

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
        """Record an assertion ID until it expires; False when it was already seen (replay).

        One statement: the insert takes over the ID's row only when that row has expired, so
        a live record is found whether or not expired ones were swept yet; concurrent inserts
        of one ID (any worker, any host) serialise on its primary key and one of them wins.
        """
        now = self.clock.now()
        values = {"assertion_id": assertion_id, "account_id": account_id, "expires_at": expires_at}
        with self._single_statement() as conn:
            recorded = conn.execute(_replay_upsert(self.dialect), {**values, "now": now}).first()
            swept = self._replay_swept_at
            if swept is None or not swept <= now < swept + REPLAY_SWEEP_EVERY:
                conn.execute(RP.delete().where(RP.c.expires_at <= now))
                self._replay_swept_at = now
            return recorded is not None

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
                _SESSION_INSERT,
                {
                    "session_hash": hash_secret(secret),
                    "kind": kind,
                    "account_id": account_id,
                    "user_id": user_id,
                    "data": data,
                    "created_at": now,
                    "expires_at": now + ttl,
                },
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
