"""The log storage on both databases: kept 7 days, bounded per account, one account at a time."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from gateway.saml_logs import store as log_store
from gateway.saml_logs.store import LogFilter, LogSummary, SamlLogStore
from gateway.store.errors import NotFound


def _accounts(store):
    a = store.create_account("A", "owner@a.test", actor="t", vanity="a")
    b = store.create_account("B", "owner@b.test", actor="t", vanity="b")
    return a.id, b.id


def _add(logs, account_id, tracking_id, when, *, outcome="refused", size=10, name_id="x@a.test"):
    summary = LogSummary(tracking_id, when, outcome, "expired", 1015, name_id, name_id)
    logs.add(account_id, summary, {"tracking_id": tracking_id, "raw_response": "<r/>"}, size)


def test_entries_are_listed_newest_first_and_read_back_whole(store, clock):
    a, b = _accounts(store)
    logs = SamlLogStore(store)
    _add(logs, a, "T1", clock.now())
    _add(logs, a, "T2", clock.now() + dt.timedelta(seconds=1), outcome="signed_in")
    _add(logs, b, "T3", clock.now())
    assert [e.tracking_id for e in logs.list(a, LogFilter())] == ["T2", "T1"]
    assert [e.tracking_id for e in logs.list(a, LogFilter(outcome="refused"))] == ["T1"]
    assert logs.get(a, "T1") == {"tracking_id": "T1", "raw_response": "<r/>"}
    with pytest.raises(NotFound) as other:
        logs.get(a, "T3")  # account B's entry, asked for under A
    assert other.value.code == "saml_log_not_found"


def test_seven_days_of_clock_remove_an_entry(store, clock):
    a, _ = _accounts(store)
    logs = SamlLogStore(store)
    _add(logs, a, "OLD", clock.now())
    clock.advance(days=7)
    assert logs.list(a, LogFilter()) == []
    with pytest.raises(NotFound):
        logs.get(a, "OLD")


def test_the_count_and_size_bounds_drop_the_oldest(store, clock, monkeypatch):
    a, b = _accounts(store)
    logs = SamlLogStore(store)
    monkeypatch.setattr(log_store, "MAX_ENTRIES", 2)
    for n in range(4):
        _add(logs, a, f"C{n}", clock.now() + dt.timedelta(seconds=n))
    _add(logs, b, "B0", clock.now())
    assert [e.tracking_id for e in logs.list(a, LogFilter())] == ["C3", "C2"]
    monkeypatch.setattr(log_store, "MAX_ENTRIES", 100)
    monkeypatch.setattr(log_store, "MAX_BYTES", 25)
    _add(logs, a, "C4", clock.now() + dt.timedelta(seconds=5), size=20)
    assert [e.tracking_id for e in logs.list(a, LogFilter())] == ["C4"]
    assert [e.tracking_id for e in logs.list(b, LogFilter())] == ["B0"]  # B's own bounds


def _stored(store, account_id):
    """Rows kept for the account, whatever a reader may see of them."""
    table = log_store.L
    with store.transaction() as conn:
        rows = conn.execute(sa.select(table.c.size).where(table.c.account_id == account_id))
        sizes = [row.size for row in rows]
    return len(sizes), sum(sizes)


def test_storage_passes_the_bounds_by_at_most_the_documented_slack(store, clock, monkeypatch):
    a, _ = _accounts(store)
    workers = [SamlLogStore(store), SamlLogStore(store)]  # two processes' stores of one account
    monkeypatch.setattr(log_store, "MAX_ENTRIES", 3)
    monkeypatch.setattr(log_store, "MAX_BYTES", 100)
    monkeypatch.setattr(log_store, "PRUNE_EVERY", 4)
    monkeypatch.setattr(log_store, "PRUNE_BYTES", 60)
    most_count, most_bytes, written = 0, 0, []
    for n in range(40):
        size = 25 if n < 20 else 40  # the count bound binds first, then the bytes bound
        _add(workers[n % 2], a, f"E{n}", clock.now() + dt.timedelta(seconds=n), size=size)
        written.insert(0, (f"E{n}", size))
        count, total = _stored(store, a)
        assert count <= 3 + 2 * (4 - 1)
        assert total <= 100 + 2 * 60
        most_count, most_bytes = max(most_count, count), max(most_bytes, total)
        seen = [e.tracking_id for e in workers[0].list(a, LogFilter(limit=200))]
        used, expected = 0, []
        for tracking_id, entry_size in written[:3]:
            used += entry_size
            if used > 100:
                break
            expected.append(tracking_id)
        assert seen == expected  # the reader's view holds the bounds exactly
    assert most_count > 3 and most_bytes > 100  # storage did pass both between prunes


def test_an_entry_past_seven_days_is_hidden_at_once_and_deleted_at_the_next_prune(
    store, clock, monkeypatch
):
    a, _ = _accounts(store)
    logs = SamlLogStore(store)
    monkeypatch.setattr(log_store, "PRUNE_EVERY", 2)
    _add(logs, a, "OLD", clock.now())  # the first write prunes
    clock.advance(days=7)
    assert logs.list(a, LogFilter()) == [] and _stored(store, a)[0] == 1
    _add(logs, a, "NEW1", clock.now())
    assert _stored(store, a)[0] == 2
    _add(logs, a, "NEW2", clock.now())  # the second write since the prune prunes again
    assert [e.tracking_id for e in logs.list(a, LogFilter())] == ["NEW2", "NEW1"]
    assert _stored(store, a)[0] == 2
