"""Invariants the data must always satisfy, checked in one read (``gateway check``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.base import SqlBase
from gateway.store.records import COUNTED_LICENSE_TYPES, addon_seat_kind
from gateway.store.seat_checks import unlink_seat_problems

A = schema.accounts
P = schema.license_pools
U = schema.users
G = schema.groups
GM = schema.group_members
UC = schema.account_user_counts
AT = schema.action_tokens
ACTIVATION = "activation"  # the purpose of activation links (gateway.activation.PURPOSE)


@dataclass(frozen=True)
class Problem:
    """One broken invariant, said so a person can act on it."""

    code: str
    message: str


class ChecksMixin(SqlBase):
    """Reads the whole state and reports every broken invariant."""

    def check_invariants(self) -> list[Problem]:
        """Every problem found (an empty list means the data is consistent)."""
        with self.transaction() as conn:
            problems = self._seat_problems(conn)
            problems += self._delegation_problems(conn)
            problems += self._user_problems(conn)
            problems += self._group_problems(conn)
            problems += self._user_count_problems(conn)
            problems += [Problem(code, text) for code, text in unlink_seat_problems(conn)]
            problems += [
                Problem(
                    "pending_without_activation_link",
                    f"User {user_id} is pending but holds no live activation link, so it can "
                    "never activate: run 'gateway check --repair' to send it a new one.",
                )
                for user_id in self.pending_without_activation_link()
            ]
            return problems

    def pending_without_activation_link(self) -> list[str]:
        """Ids of pending users (with an email) holding no unused, unexpired activation link:
        their email was lost (a crash between the change and its email) or the link expired."""
        live = sa.select(AT.c.subject_id).where(
            AT.c.purpose == ACTIVATION, AT.c.used_at.is_(None), AT.c.expires_at > self.clock.now()
        )
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(U.c.id)
                .where(U.c.status == "pending", U.c.email.is_not(None), U.c.id.not_in(live))
                .order_by(U.c.id)
            )
            return [str(r.id) for r in rows]

    def _seat_problems(self, conn: sa.Connection) -> list[Problem]:
        held: Counter[tuple[int, str]] = Counter()
        for account_id, license_type, addons in conn.execute(
            sa.select(U.c.account_id, U.c.license_type, U.c.addons)
        ):
            if license_type in COUNTED_LICENSE_TYPES:
                held[(account_id, license_type)] += 1
            for addon in set(addons or ()):
                held[(account_id, addon_seat_kind(addon))] += 1
        problems = []
        pools = {(r.account_id, r.seat_kind): r for r in conn.execute(sa.select(P))}
        for key in set(pools) | set(held):
            pool = pools.get(key)
            used = pool.used if pool is not None else 0
            if used != held[key]:
                problems.append(
                    Problem(
                        "seat_count_mismatch",
                        f"Account {key[0]} {key[1]}: "
                        f"the pool says {used} used, users hold {held[key]}.",
                    )
                )
            if pool is not None and (
                pool.used + pool.delegated > pool.capacity
                or min(pool.used, pool.delegated, pool.capacity) < 0
            ):
                problems.append(
                    Problem(
                        "pool_over_capacity",
                        f"Account {key[0]} {key[1]}: "
                        f"{pool.used} used + {pool.delegated} delegated > "
                        f"{pool.capacity}.",
                    )
                )
        return problems

    def _delegation_problems(self, conn: sa.Connection) -> list[Problem]:
        children: Counter[tuple[int, str]] = Counter()
        bulk = {r.id for r in conn.execute(sa.select(A.c.id).where(A.c.bulk_licensing))}
        parent_of = {r.id: r.parent_id for r in conn.execute(sa.select(A.c.id, A.c.parent_id))}
        for pool in conn.execute(sa.select(P)):
            parent = parent_of.get(pool.account_id)
            if parent is not None and parent in bulk:
                children[(parent, pool.seat_kind)] += pool.capacity
        problems = []
        for pool in conn.execute(sa.select(P).where(P.c.account_id.in_(bulk))):
            given = children[(pool.account_id, pool.seat_kind)]
            if pool.delegated != given:
                problems.append(
                    Problem(
                        "delegation_mismatch",
                        f"Master {pool.account_id} "
                        f"{pool.seat_kind}: {pool.delegated} delegated on its "
                        f"books, its sub-accounts hold {given}.",
                    )
                )
        return problems

    def _user_problems(self, conn: sa.Connection) -> list[Problem]:
        accounts = set(conn.execute(sa.select(A.c.id)).scalars())
        problems = []
        columns = (
            U.c.id,
            U.c.account_id,
            U.c.email,
            U.c.email_key,
            U.c.user_name,
            U.c.user_name_key,
            U.c.status,
            U.c.awaiting_activation,
        )
        for user in conn.execute(sa.select(*columns)):
            if user.account_id not in accounts:
                problems.append(
                    Problem(
                        "user_without_account",
                        f"User {user.id} points at missing account {user.account_id}.",
                    )
                )
            # No email (a SCIM user with a user name only): NULL email with a NULL key.
            email_key = None if user.email is None else user.email.lower()
            if user.email_key != email_key:
                problems.append(
                    Problem("email_key_mismatch", f"User {user.id}: email and its key disagree.")
                )
            name_key = None if user.user_name is None else user.user_name.lower()
            if user.user_name_key != name_key:
                problems.append(
                    Problem(
                        "user_name_key_mismatch", f"User {user.id}: user name and its key disagree."
                    )
                )
            if user.email is None and user.user_name is None:
                problems.append(
                    Problem("user_without_identity", f"User {user.id} has no email nor user name.")
                )
            # Pending is exactly "in use, email awaiting its link" (a deactivated user may
            # await it too); an email-less user has nothing to confirm.
            awaiting = bool(user.awaiting_activation)
            status_disagrees = (
                user.status != "deactivated" and (user.status == "pending") != awaiting
            )
            if status_disagrees or (awaiting and user.email is None):
                problems.append(
                    Problem(
                        "activation_state_mismatch",
                        f"User {user.id} is {user.status} but its email "
                        f"{'awaits' if awaiting else 'does not await'} activation.",
                    )
                )
        return problems

    def _group_problems(self, conn: sa.Connection) -> list[Problem]:
        rows = conn.execute(
            sa.select(
                GM.c.group_id,
                GM.c.user_id,
                G.c.account_id.label("group_account"),
                U.c.account_id.label("user_account"),
            )
            .join(G, G.c.id == GM.c.group_id)
            .join(U, U.c.id == GM.c.user_id)
        )
        return [
            Problem(
                "membership_crosses_accounts",
                f"User {r.user_id} (account {r.user_account}) is in group "
                f"{r.group_id} of account {r.group_account}.",
            )
            for r in rows
            if r.group_account != r.user_account
        ]

    def _user_count_problems(self, conn: sa.Connection) -> list[Problem]:
        """The per-account user counts (kept by triggers, read for SCIM totals) are right."""
        per_account = sa.select(U.c.account_id, sa.func.count()).group_by(U.c.account_id)
        held: Counter[int] = Counter({account: n for account, n in conn.execute(per_account)})
        counted = {r.account_id: r.user_count for r in conn.execute(sa.select(UC))}
        return [
            Problem(
                "user_count_mismatch",
                f"Account {account_id}: the user count says {counted.get(account_id, 0)}, "
                f"it has {held[account_id]} users.",
            )
            for account_id in sorted(set(held) | set(counted))
            if counted.get(account_id, 0) != held[account_id]
        ]
