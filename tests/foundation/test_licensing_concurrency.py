"""The seat invariants hold with many writers delegating and consuming at once."""

from __future__ import annotations

import random
import threading
from collections import Counter

import sqlalchemy as sa
from seats import master, sub, unique_email

from gateway.store import schema
from gateway.store.errors import DelegationBelowUsage, LicensePoolExhausted
from gateway.store.sql import SqlStore

THREADS = 8
OPS_PER_THREAD = 30
ACCEPTABLE_REFUSALS = (LicensePoolExhausted, DelegationBelowUsage)


def _worker(
    store: SqlStore,
    seed: int,
    account_ids: list[int],
    sub_ids: list[int],
    start: threading.Barrier,
    outcomes: Counter[str],
    unexpected: list[BaseException],
) -> None:
    rng = random.Random(seed)
    mine: list[str] = []
    start.wait()
    for _ in range(OPS_PER_THREAD):
        roll = rng.random()
        try:
            if roll < 0.35:
                store.delegate(rng.choice(sub_ids), "Licensed", rng.randint(0, 12), actor="t")
            elif roll < 0.8 or not mine:
                user = store.create_user(
                    rng.choice(account_ids),
                    unique_email("race"),
                    actor="t",
                    source="scim",
                    license_type="Licensed",
                )
                mine.append(user.id)
            else:
                store.delete_user(mine.pop(rng.randrange(len(mine))), actor="t")
            outcomes["done"] += 1
        except ACCEPTABLE_REFUSALS as e:
            outcomes[e.code] += 1
        except BaseException as e:  # noqa: BLE001  (collected and reported by the test)
            unexpected.append(e)


def test_seat_invariants_hold_under_concurrent_delegation_and_consumption(
    store: SqlStore,
) -> None:
    acme = master(store, 40)
    subs = [sub(store, acme, name=f"Sub {i}") for i in range(3)]
    account_ids = [acme.id, *(s.id for s in subs)]
    start = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    threads = [
        threading.Thread(
            target=_worker,
            args=(store, seed, account_ids, [s.id for s in subs], start, outcomes, unexpected),
        )
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(t.is_alive() for t in threads)
    assert unexpected == []
    assert sum(outcomes.values()) == THREADS * OPS_PER_THREAD
    assert outcomes["done"] > 0
    assert outcomes["license_pool_exhausted"] > 0, "the race never reached a full pool"

    with store.engine.connect() as conn:
        licensed_users = dict(
            conn.execute(
                sa.select(schema.users.c.account_id, sa.func.count())
                .where(schema.users.c.license_type == "Licensed")
                .group_by(schema.users.c.account_id)
            ).all()
        )
    pools = {a: {p.seat_kind: p for p in store.pools(a)}["Licensed"] for a in account_ids}
    for account_id, pool in pools.items():
        assert pool.used + pool.delegated <= pool.capacity, account_id
        assert pool.used == licensed_users.get(account_id, 0), account_id
        assert min(pool.used, pool.delegated, pool.remaining) >= 0, account_id
    assert pools[acme.id].capacity == 40
    assert pools[acme.id].delegated == sum(pools[s.id].capacity for s in subs)
