"""Pages of an account's users in the default SCIM order (by id) at any depth, in O(page).

``OFFSET n`` walks n index entries however the rows are indexed, so a deep ``startIndex`` costs
in proportion to its depth. Instead each worker keeps bookmarks: the id closing every
``STRIDE``-th position of an account's users in id order. A page starts from the bookmark
before it (``id > bookmark``) and walks less than ``STRIDE`` entries. Bookmarks are only
trusted at the ``membership_version`` they were taken at: the triggers of migration 0002 bump
it in the same transaction as any insert, delete or move of the account's users, so a page
read at the version its bookmarks belong to sees exactly the users they were taken from. The
version is read before and after the page; if it moved (PostgreSQL statements each see the
latest commits), the caller falls back to a plain ``OFFSET``. Bookmarks are per worker, never
shared and never authoritative.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.store import schema
from gateway.store.scim_rows import USER_ROW_COLUMNS

U = schema.users
C = schema.account_user_counts
STRIDE = 1000
MAX_ACCOUNTS = 64

# Statements built once, values bound per call (building one costs more than running it).
MEMBERSHIP = sa.select(C.c.user_count, C.c.membership_version).where(
    C.c.account_id == sa.bindparam("account_id")
)


def _page_statements(*columns: Any) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """A page of ``columns`` from the account's start, and from after a bookmark."""
    from_start = (
        sa.select(*columns)
        .where(U.c.account_id == sa.bindparam("account_id"))
        .order_by(U.c.id)
        .offset(sa.bindparam("skip"))
        .limit(sa.bindparam("limit"))
    )
    return from_start, from_start.where(U.c.id > sa.bindparam("after"))


# Whole rows (``User`` records), and the columns of a SCIM search (``scim_rows``).
PAGES = {True: _page_statements(U), False: _page_statements(*USER_ROW_COLUMNS)}
# A SCIM search's page with the account's user count and membership version after each row:
# one statement reads all three in one snapshot, so nothing can change between them.
_ACCOUNT = C.c.account_id == sa.bindparam("account_id")
STAMPED = _page_statements(
    *USER_ROW_COLUMNS,
    sa.select(C.c.user_count).where(_ACCOUNT).scalar_subquery().label("user_count"),
    sa.select(C.c.membership_version).where(_ACCOUNT).scalar_subquery().label("version"),
)


@dataclass(frozen=True)
class Membership:
    """How many users an account has, and the version of that set of users."""

    count: int
    version: int


def membership(conn: sa.Connection, account_id: int) -> Membership:
    """The account's user count and membership version (0 and 0 before its first user)."""
    row = conn.execute(MEMBERSHIP, {"account_id": account_id}).first()
    return Membership(0, 0) if row is None else Membership(row[0], row[1])


class Bookmarks:
    """Per-worker bookmarks of the most recently paged accounts, each at one version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: OrderedDict[int, tuple[int, list[str]]] = OrderedDict()

    def get(self, account_id: int, version: int) -> list[str]:
        """A copy of the account's bookmarks taken at ``version`` (none when at another)."""
        with self._lock:
            found = self._marks.get(account_id)
            if found is None or found[0] != version:
                return []
            self._marks.move_to_end(account_id)
            return list(found[1])

    def latest(self, account_id: int) -> tuple[int, list[str]] | None:
        """The account's bookmarks and the version they were taken at, if any are kept."""
        with self._lock:
            found = self._marks.get(account_id)
            if found is None:
                return None
            self._marks.move_to_end(account_id)
            return found

    def put(self, account_id: int, version: int, marks: list[str]) -> None:
        """Keep ``marks`` (taken at ``version``), forgetting the least recent account if full."""
        with self._lock:
            current = self._marks.get(account_id)
            if current is not None and current[0] == version and len(current[1]) >= len(marks):
                return
            self._marks[account_id] = (version, marks)
            self._marks.move_to_end(account_id)
            while len(self._marks) > MAX_ACCOUNTS:
                self._marks.popitem(last=False)


def page_by_id(
    conn: sa.Connection,
    bookmarks: Bookmarks,
    account_id: int,
    offset: int,
    limit: int,
    *,
    whole: bool,
) -> tuple[int, Sequence[Any]] | None:
    """The account's user count and the rows at ``offset`` in id order (``limit`` of them):
    whole ``users`` rows, or (not ``whole``) rows of ``scim_rows.USER_ROW_COLUMNS``.

    None when the account's users changed while reading (the caller reads plainly then).
    """
    if not whole and limit > 0:
        found = _stamped_page(conn, bookmarks, account_id, offset, limit)
        if found is not None:
            return found
    before = membership(conn, account_id)
    if limit <= 0 or offset >= before.count:
        return before.count, []
    strides = offset // STRIDE
    marks = bookmarks.get(account_id, before.version)
    while len(marks) < strides:
        mark = _key_at(conn, account_id, marks[-1] if marks else None, STRIDE - 1)
        if mark is None:
            return None  # fewer users than counted: they changed meanwhile
        marks.append(mark)
    from_start, after = PAGES[whole]
    values = {"account_id": account_id, "skip": offset - strides * STRIDE, "limit": limit}
    if strides:
        rows = conn.execute(after, {**values, "after": marks[strides - 1]}).all()
    else:
        rows = conn.execute(from_start, values).all()
    if membership(conn, account_id).version != before.version:
        return None
    bookmarks.put(account_id, before.version, marks)
    return before.count, rows


def _stamped_page(
    conn: sa.Connection, bookmarks: Bookmarks, account_id: int, offset: int, limit: int
) -> tuple[int, Sequence[Any]] | None:
    """``page_by_id`` of SCIM rows in one statement, from the start or from a bookmark kept at
    the version the statement reads (else None: the caller takes the longer way). Each row
    carries the count and the version after the ``USER_ROW_COLUMNS``; an empty page, which
    carries neither, is None too."""
    strides = offset // STRIDE
    values = {"account_id": account_id, "skip": offset - strides * STRIDE, "limit": limit}
    version = None
    if strides:
        known = bookmarks.latest(account_id)
        if known is None or len(known[1]) < strides:
            return None
        version, marks = known
        rows = conn.execute(STAMPED[1], {**values, "after": marks[strides - 1]}).all()
    else:
        rows = conn.execute(STAMPED[0], values).all()
    if not rows or rows[0][-2] is None or (version is not None and rows[0][-1] != version):
        return None
    return int(rows[0][-2]), rows


def _from(account_id: int, after: str | None) -> list[sa.ColumnElement[bool]]:
    cond = [U.c.account_id == account_id]
    return cond if after is None else [*cond, U.c.id > after]


def _key_at(conn: sa.Connection, account_id: int, after: str | None, skip: int) -> str | None:
    """The id ``skip`` places after ``after`` (or after the start) in the account's id order."""
    stmt = sa.select(U.c.id).where(*_from(account_id, after)).order_by(U.c.id)
    found: str | None = conn.execute(stmt.offset(skip).limit(1)).scalar()
    return found
