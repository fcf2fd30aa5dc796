"""Kill the gateway with SIGKILL at a random point of a large write, restart it, and check that
nothing acknowledged was lost and every invariant holds.

Four scenarios, each run ``--trials`` times on a fresh SQLite database:

- ``bulk``: SCIM Bulk imports of users (half of them Licensed), one request after another;
- ``bulk_pending``: the same with users outside Acme's domain, pending with activation emails
  (no pending user may be left without its link);
- ``migration``: a CSV migration of members from the master to a sub-account;
- ``consolidation``: invitation accepts that move whole multi-user accounts into Acme.

The client records which requests got a 2xx before the kill. After the restart: every
acknowledged write is there, every user the scenario touched is in exactly one existing account,
the interrupted work can be finished (re-running the migration, accepting the invitations
again), and ``gateway check`` prints ``ok``. Usage: ``python -m reliability.crash --trials 10``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from gateway.demo import init_demo
from gateway.sso.views import COOKIE
from gateway.store import schema
from gateway.store.sql import SqlStore
from gateway.testing.client import http
from gateway.testing.server import LiveGateway

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


@dataclass
class Trial:
    """What one kill left behind, and what was found after the restart."""

    scenario: str
    number: int
    kill_after: float
    interrupted: bool = False
    acknowledged: int = 0
    touched: int = 0
    problems: list[str] = field(default_factory=list)
    check_output: str = ""

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing doubled, and ``gateway check`` agrees."""
        return not self.problems and self.check_output.startswith("ok")


@dataclass
class Scenario:
    """A world, the writes the client sends until killed, and the finishing step after restart."""

    store: SqlStore
    tokens: dict[str, str]
    acked: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    # Account every acknowledged email must be in (None: any account).
    target_account: int | None = None
    # Set when the long write starts: the kill is timed from here.
    started: threading.Event = field(default_factory=threading.Event)


def _send(gateway: LiveGateway, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    """One request; a connection cut by the kill is (0, None): not acknowledged."""
    try:
        return http(method, gateway.url + path, **kw)
    except OSError:
        return 0, None


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def bulk_world(store: SqlStore) -> Scenario:
    """The demo world; Acme's SCIM token imports users of its verified domain."""
    demo = init_demo(store)
    acme = store.find_account("acme")
    return Scenario(store, dict(demo.tokens), target_account=acme.id)


def bulk_load(
    gateway: LiveGateway, world: Scenario, stop: threading.Event, domain: str = "acme.test"
) -> None:
    """Bulk requests of 40 users each, until the kill."""
    for batch in range(1000):
        if stop.is_set():
            return
        emails = [f"bulk{batch}-{n}@{domain}" for n in range(40)]
        world.touched.update(emails)
        world.started.set()
        operations = [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": f"b{n}",
                "data": {
                    "schemas": [USER_URN],
                    "userName": email,
                    "userType": "Licensed" if n % 2 else "Basic",
                },
            }
            for n, email in enumerate(emails)
        ]
        status, answer = _send(
            gateway,
            "POST",
            "/scim/v2/Bulk",
            json_body={"schemas": [BULK_URN], "Operations": operations},
            headers=_auth(world.tokens["acme scim"]),
        )
        if status != 200:
            return
        for email, result in zip(emails, answer["Operations"], strict=True):
            if result["status"] == "201":
                world.acked.add(email)


def pending_load(gateway: LiveGateway, world: Scenario, stop: threading.Event) -> None:
    """Bulk imports of users outside Acme's domain: each is pending with an activation email
    (the kill must never leave one without its link: ``gateway check`` says so)."""
    bulk_load(gateway, world, stop, domain="partner.test")


def migration_world(store: SqlStore) -> Scenario:
    """150 members of Acme (every other one Licensed) and a planned move to Acme Healthcare."""
    world = bulk_world(store)
    acme = store.find_account("acme")
    for n in range(150):
        email = f"mover{n}@acme.test"
        store.create_user(
            acme.id,
            email,
            actor="crash",
            source="admin",
            license_type="Licensed" if n % 2 else "Basic",
        )
        world.touched.add(email)
    world.target_account = store.find_account("acme-health").id
    return world


def migration_load(gateway: LiveGateway, world: Scenario, stop: threading.Event) -> None:
    """Plan the migration of every mover, then run it; a 200 acknowledges every 'migrated'."""
    health = world.store.find_account("acme-health")
    acme = world.store.find_account("acme")
    auth = _auth(world.tokens["acme admin"])
    plan = {
        "source_account": acme.number,
        "target_account": health.number,
        "tentative_date": "2026-04-01",
        "csv": "email\n" + "\n".join(sorted(world.touched)) + "\n",
    }
    status, planned = _send(
        gateway, "POST", f"/api/v1/accounts/{acme.id}/migrations", json_body=plan, headers=auth
    )
    if status != 201:
        return
    run_url = f"/api/v1/accounts/{acme.id}/migrations/{planned['id']}/run"
    world.tokens["run_url"] = run_url
    world.started.set()
    status, ran = _send(gateway, "POST", run_url, headers=auth)
    if status == 200:
        world.acked.update(r["email"] for r in ran["report"] if r["result"] == "migrated")


def migration_finish(gateway: LiveGateway, world: Scenario) -> list[str]:
    """Re-running the migration after the restart moves the rest and reports no failure."""
    if "run_url" not in world.tokens:
        return []
    status, ran = _send(
        gateway, "POST", world.tokens["run_url"], headers=_auth(world.tokens["acme admin"])
    )
    if status != 200:
        return [f"re-running the migration after the restart answered {status}: {ran}"]
    world.acked.update(world.touched)
    results = {r["result"] for r in ran["report"]}
    return [] if results <= {"migrated", "already_in_target"} else [f"re-run results {results}"]


def consolidation_world(store: SqlStore) -> Scenario:
    """Eight teams (owner and four users, three Licensed) whose owners Acme invited."""
    world = bulk_world(store)
    acme = store.find_account("acme")
    for team in range(8):
        owner = f"lead{team}@acme.test"
        account = store.create_account(f"Team {team}", owner, actor="crash", plan={"Licensed": 5})
        members = [owner] + [f"member{team}-{n}@acme.test" for n in range(4)]
        for n, email in enumerate(members[1:]):
            store.create_user(
                account.id,
                email,
                actor="crash",
                source="admin",
                license_type="Licensed" if n < 3 else "Basic",
            )
        world.touched.update(members)
        world.tokens[f"team{team}"] = ",".join(members)
        # Only the invited owner, signed in, accepts: a session of its own.
        owner_id = store.find_user_by_email(owner).id  # type: ignore[union-attr]
        session = store.create_session(
            "password", account.id, owner_id, {"method": "password"}, dt.timedelta(days=1)
        )
        world.tokens[f"cookie{team}"] = f"{COOKIE}={session}"
    return _invite_owners(world, acme.id)


def _invite_owners(world: Scenario, acme_id: int) -> Scenario:
    from gateway.app import create_app

    client = create_app({"public_url": "http://127.0.0.1"}, store=world.store).test_client()
    for team in range(8):
        answer = client.post(
            f"/api/v1/accounts/{acme_id}/invitations",
            json={"email": f"lead{team}@acme.test"},
            headers=_auth(world.tokens["acme admin"]),
        )
        assert answer.get_json()["result"] == "invited", answer.get_json()
        page = world.store.list_outbox(acme_id, recipient=f"lead{team}@acme.test")
        link = next(m.link for m in page.items if m.kind == "invitation")
        world.tokens[f"secret{team}"] = str(link).rsplit("/", 1)[1]
    return world


def _accept(gateway: LiveGateway, world: Scenario, team: int) -> int:
    status, _ = _send(
        gateway,
        "POST",
        f"/api/v1/invitations/{world.tokens[f'secret{team}']}/accept",
        json_body={"confirm": True, "bring_all_users": True},
        headers={"Cookie": world.tokens[f"cookie{team}"]},
    )
    return status


def consolidation_load(gateway: LiveGateway, world: Scenario, stop: threading.Event) -> None:
    """Accept the invitations one after another; a 200 acknowledges the whole team."""
    world.started.set()
    for team in range(8):
        if stop.is_set() or _accept(gateway, world, team) != 200:
            return
        world.acked.update(world.tokens[f"team{team}"].split(","))


def consolidation_finish(gateway: LiveGateway, world: Scenario) -> list[str]:
    """Accepting again after the restart completes every team (a used link says so)."""
    problems = []
    for team in range(8):
        status = _accept(gateway, world, team)
        if status not in (200, 404, 409, 410):
            problems.append(f"accepting team {team} again answered {status}")
    world.acked.update(world.touched)
    return problems


SCENARIOS: dict[str, tuple[Callable[..., Scenario], Callable[..., None], Any, float]] = {
    # name: (world, load, finish after restart, longest kill delay in seconds)
    "bulk": (bulk_world, bulk_load, None, 3.0),
    "bulk_pending": (bulk_world, pending_load, None, 3.0),
    "migration": (migration_world, migration_load, migration_finish, 1.0),
    "consolidation": (consolidation_world, consolidation_load, consolidation_finish, 0.8),
}


def _placement(store: SqlStore, emails: set[str]) -> dict[str, list[int]]:
    """For each email, the accounts (that exist) holding a user with it."""
    u, a = schema.users, schema.accounts
    found: dict[str, list[int]] = {e: [] for e in emails}
    with store.transaction() as conn:
        rows = conn.execute(
            sa.select(u.c.email_key, u.c.account_id).join(a, a.c.id == u.c.account_id)
        )
        for email, account_id in rows:
            if email in found:
                found[email].append(account_id)
    return found


def verify(store: SqlStore, world: Scenario) -> list[str]:
    """Lost acknowledged writes, users in two accounts or none, and broken invariants."""
    problems = []
    placement = _placement(store, world.touched | world.acked)
    for email in sorted(world.acked):
        where = placement.get(email, [])
        if not where:
            problems.append(f"acknowledged {email} is gone")
        elif world.target_account is not None and where != [world.target_account]:
            problems.append(f"acknowledged {email} is in {where}, not {world.target_account}")
    problems += [f"{e} is in accounts {where}" for e, where in placement.items() if len(where) > 1]
    problems += [f"{p.code}: {p.message}" for p in store.check_invariants()]
    return problems


def _moved_or_not(store: SqlStore, emails: set[str]) -> list[str]:
    """Users that existed before the load (migration, consolidation) are in exactly one account."""
    return [
        f"{email} is in {len(where)} accounts"
        for email, where in _placement(store, emails).items()
        if len(where) != 1
    ]


def run_trial(
    scenario: str, number: int, template: pathlib.Path, workdir: pathlib.Path, rng: random.Random
) -> Trial:
    """One trial: a fresh world, the load, a SIGKILL, a restart, the checks."""
    make_world, load, finish, longest = SCENARIOS[scenario]
    folder = workdir / f"{scenario}-{number}"
    folder.mkdir(parents=True)
    database = folder / "gateway.db"
    shutil.copyfile(template, database)
    url = f"sqlite:///{database}"
    store = SqlStore.from_url(url, migrate=False)
    world = make_world(store)
    existing = set(world.touched)
    trial = Trial(scenario, number, kill_after=round(rng.uniform(0.05, longest), 3))
    gateway = LiveGateway(url, folder)
    gateway.start()
    stop = threading.Event()
    client = threading.Thread(target=load, args=(gateway, world, stop), daemon=True)
    client.start()
    world.started.wait(timeout=60)
    time.sleep(trial.kill_after)
    trial.interrupted = client.is_alive()
    assert gateway.process is not None
    gateway.process.kill()  # SIGKILL: no handler, no flush, no clean shutdown
    gateway.process.wait(timeout=10)
    stop.set()
    client.join(timeout=60)
    trial.acknowledged = len(world.acked)
    gateway.start()  # the restart, on the database the kill left behind
    try:
        trial.problems += _moved_or_not(store, existing)
        trial.problems += verify(store, world)
        if finish is not None:
            trial.problems += finish(gateway, world)
            trial.problems += verify(store, world)
        trial.touched = len(world.touched)
    finally:
        gateway.stop()
        store.dispose()
    trial.check_output = gateway.cli("check").strip()
    return trial


def run(scenarios: list[str], trials: int, seed: int, workdir: pathlib.Path) -> list[Trial]:
    """Run ``trials`` trials of each scenario; returns them all."""
    template = workdir / "template.db"
    SqlStore.from_url(f"sqlite:///{template}").dispose()
    rng = random.Random(seed)  # noqa: S311  (kill points, not secrets)
    return [
        run_trial(name, number, template, workdir, rng)
        for name in scenarios
        for number in range(1, trials + 1)
    ]


def main(argv: list[str] | None = None) -> int:
    """Print one line per trial and a summary; exit 1 if any trial found a problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--report", type=pathlib.Path, default=pathlib.Path("var/crash.json"))
    args = parser.parse_args(argv)
    scenarios = args.scenario or list(SCENARIOS)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="gateway-crash-"))
    results = run(scenarios, args.trials, args.seed, workdir)
    for t in results:
        state = "ok" if t.ok else "FAIL"
        print(
            f"{state} {t.scenario} #{t.number}: killed {t.kill_after}s into the load "
            f"({'mid-write' if t.interrupted else 'after it finished'}), "
            f"{t.acknowledged} acknowledged writes of {t.touched} users; {t.check_output}"
        )
        for problem in t.problems:
            print(f"    {problem}")
    failed = [t for t in results if not t.ok]
    mid = sum(t.interrupted for t in results)
    print(
        f"crash: {len(results)} trials (seed {args.seed}), {mid} killed mid-write, "
        f"{len(failed)} with a problem"
    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(
        json.dumps({"seed": args.seed, "trials": [t.__dict__ for t in results]}, indent=2)
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
