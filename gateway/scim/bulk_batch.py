"""Consecutive POST /Users operations of a Bulk request, created as one batch (RFC 7644 §3.7).

Each operation still goes through ``UserOps.create``, the path of a lone POST: the same
validation, the same refusals (codes and details), the same status, seat and activation rules.
Only its store and activation differ: ``create_user`` goes into a ``UserBatch`` (checked as the
single path checks, counting the batch's earlier users; inserted together at the end) and the
activation emails are written in the batch's transaction (sent over SMTP once it commits).
Results (status, location, version) are the single path's. Should a concurrent writer take an
email the batch found free, nothing of the batch is kept and its operations run again one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

from gateway.scim.bulk_operation import BulkOperation
from gateway.scim.operations import Activator, Caller, Context, Outcome
from gateway.scim.schema_model import ResourceType
from gateway.scim.user_ops import UserOps
from gateway.store.records import User
from gateway.store.sql import SqlStore
from gateway.store.user_batch import BatchRaced, UserBatch
from gateway.store.validation import email_domain

Done = list[tuple[BulkOperation, dict[str, Any]]]
Create = Callable[[Caller, ResourceType, Any], Outcome]


class BulkRunner(Protocol):
    """The part of ``bulk.BulkRunner`` a batch uses: its users, its bulkIds, its one-by-one run."""

    users: UserOps
    created: dict[str, str]

    def each(
        self,
        caller: Caller,
        ops: list[BulkOperation],
        budget: int | None = None,
        create: Create | None = None,
    ) -> Done: ...


class _BatchStore:
    """The store as ``UserOps`` sees it during a batch: ``create_user`` joins the batch, and
    an address's domain found free of another account's claim is asked once."""

    def __init__(self, store: SqlStore, batch: UserBatch) -> None:
        self._store = store
        self.create_user = batch.create_user
        self._free_domains: set[tuple[int, str]] = set()

    def check_address_claim(self, account_id: int, email: str | None) -> None:
        """The store's rule, remembered per domain once it let an address through."""
        if email is None or "@" not in email:
            return
        key = (account_id, email_domain(email))
        if key not in self._free_domains:
            self._store.check_address_claim(account_id, email)
            self._free_domains.add(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class _AfterCommit:
    """Activation as ``UserOps`` sees it during a batch: one answer per domain, emails once
    the batch's users are known (still inside its transaction)."""

    def __init__(self, activation: Activator) -> None:
        self.activation = activation
        self.answers: dict[tuple[int, str], bool] = {}
        self.waiting: list[tuple[User, str]] = []

    def needs_activation(self, account_id: int, email: str) -> bool:
        """The activation service's answer, asked once per domain of the batch."""
        key = (account_id, email_domain(email))
        if key not in self.answers:
            self.answers[key] = self.activation.needs_activation(account_id, email)
        return self.answers[key]

    def send(self, user: User, *, reason: str) -> None:
        """Hold the email until the batch's users exist."""
        self.waiting.append((user, reason))

    def deliver(self) -> None:
        """Queue (and send) the held activation emails, in the order of their users."""
        for user, reason in self.waiting:
            self.activation.send(user, reason=reason)


def is_user_post(op: BulkOperation) -> bool:
    """Whether ``op`` creates a User (so it may join a batch)."""
    return op.method == "POST" and op.path.strip("/").casefold() == "users"


def candidate_keys(ops: list[BulkOperation]) -> set[str]:
    """Lower-cased userNames and email values of the operations: the keys a batch may use."""
    keys: set[str] = set()
    for op in ops:
        data = op.data if isinstance(op.data, dict) else {}
        values = [data.get("userName")]
        emails = data.get("emails")
        if isinstance(emails, list):
            values += [e.get("value") for e in emails if isinstance(e, dict)]
        for value in values:
            if isinstance(value, str):
                keys.update((value.lower(), value.strip().lower()))
    return keys


def run_user_posts(
    runner: BulkRunner, caller: Caller, ops: list[BulkOperation], budget: int | None
) -> Done:
    """Run POST /Users operations as one batch, stopping once ``budget`` of them failed."""
    users = runner.users
    store = users.store
    created_before = dict(runner.created)
    activation = _AfterCommit(users.context.activation)
    try:
        with store.user_batch(caller.account_id, candidate_keys(ops)) as batch:
            context = Context(
                cast(SqlStore, _BatchStore(store, batch)), activation, users.context.limits
            )
            batched = UserOps(context)

            def create(caller: Caller, _: ResourceType, data: Any) -> Outcome:
                return batched.create(caller, data)

            done = runner.each(caller, ops, budget, create)
            # In the batch's transaction: its users and their emails commit together.
            activation.deliver()
    except BatchRaced:
        runner.created = created_before
        return runner.each(caller, ops, budget)
    return done
