"""Users' groups of each kind, created on first use, and the users known to an account."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from gateway.store.base import new_id
from gateway.store.pools import SeatsMixin
from gateway.store.records import User
from gateway.store.user_rows import GM, G, U, read_user


class UserGroupsMixin(SeatsMixin):
    """The groups a user is in, by kind."""

    def set_user_groups(self, user_id: str, kind: str, names: Iterable[str], *, actor: str) -> User:
        """Make the user's groups of ``kind`` exactly ``names``, creating missing groups."""
        with self.transaction() as conn:
            user = read_user(conn, user_id, lock=True)
            wanted = {self._group_id(conn, user.account_id, kind, n) for n in names}
            current = set(
                conn.execute(
                    sa.select(GM.c.group_id)
                    .join(G, G.c.id == GM.c.group_id)
                    .where(GM.c.user_id == user_id, G.c.kind == kind)
                ).scalars()
            )
            for gid in current - wanted:
                conn.execute(GM.delete().where(GM.c.user_id == user_id, GM.c.group_id == gid))
            for gid in wanted - current:
                conn.execute(GM.insert().values(group_id=gid, user_id=user_id))
            after = read_user(conn, user_id)
            if current != wanted:
                self.audit(
                    conn,
                    actor=actor,
                    account_id=user.account_id,
                    action="user.groups",
                    target=user_id,
                    before=list(user.groups),
                    after=list(after.groups),
                )
            return after

    def user_groups(self, user_id: str, kind: str) -> list[str]:
        """Names of the user's groups of one kind, sorted."""
        with self.transaction() as conn:
            names = conn.execute(
                sa.select(G.c.display_name)
                .join(GM, GM.c.group_id == G.c.id)
                .where(GM.c.user_id == user_id, G.c.kind == kind)
            )
            return sorted(names.scalars())

    def known_user_ids(self, account_id: int, user_ids: Iterable[str]) -> set[str]:
        """Those of ``user_ids`` that are users of ``account_id`` (others' users are unknown)."""
        wanted = set(user_ids)
        if not wanted:
            return set()
        with self.transaction() as conn:
            found = conn.execute(
                sa.select(U.c.id).where(U.c.id.in_(wanted), U.c.account_id == account_id)
            )
            return set(found.scalars())

    def _group_id(self, conn: sa.Connection, account_id: int, kind: str, name: str) -> str:
        found = conn.execute(
            sa.select(G.c.id).where(
                G.c.account_id == account_id, G.c.kind == kind, G.c.display_name == name
            )
        ).first()
        if found is not None:
            return str(found[0])
        now = self.clock.now()
        gid = new_id()
        conn.execute(
            G.insert().values(
                id=gid,
                account_id=account_id,
                kind=kind,
                display_name=name,
                created_at=now,
                updated_at=now,
            )
        )
        return gid
