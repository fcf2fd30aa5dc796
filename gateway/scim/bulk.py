"""RFC 7644 §3.7 Bulk: operations in dependency order with ``bulkId`` references resolved.

Operations run in order, each in its own transaction (§3.7: a bulk request is not atomic),
except that consecutive POSTs to /Users run as one batch (``bulk_batch``) with the results each
would have had alone.
A POST may be referenced by others as ``bulkId:<id>`` in paths and values; references are
resolved in any order (§3.7.2), and operations on a reference cycle are refused with 409
``invalidValue`` rather than created half-way (the RFC leaves the choice to the server).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any, Protocol

from gateway.scim.bulk_batch import Create, is_user_post, run_user_posts
from gateway.scim.bulk_operation import REFERENCE, BulkOperation
from gateway.scim.discovery import ScimLimits
from gateway.scim.errors import InvalidSyntax, InvalidValue, PayloadTooLarge, ScimError
from gateway.scim.operations import Caller, Outcome, resource_type_of
from gateway.scim.query import version_from_etag
from gateway.scim.resources import etag
from gateway.scim.schema_model import ResourceType
from gateway.scim.user_ops import UserOps

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
METHODS = ("POST", "PUT", "PATCH", "DELETE")


class UnresolvedReference(ScimError):
    """A ``bulkId`` reference names no created resource (its POST failed, or is on a cycle)."""

    status = 409
    scim_type = "invalidValue"


class Resources(Protocol):
    """What a Bulk request runs through: the service's write operations (``ScimService``)."""

    users: UserOps

    def create(self, caller: Caller, resource_type: ResourceType, body: Any) -> Outcome: ...

    def replace(
        self,
        caller: Caller,
        resource_type: ResourceType,
        resource_id: str,
        body: Any,
        if_match: int | None = None,
    ) -> Outcome: ...

    def patch(
        self,
        caller: Caller,
        resource_type: ResourceType,
        resource_id: str,
        body: Any,
        if_match: int | None = None,
    ) -> Outcome: ...

    def delete(
        self,
        caller: Caller,
        resource_type: ResourceType,
        resource_id: str,
        if_match: int | None = None,
    ) -> None: ...


class BulkRunner:
    """Runs one BulkRequest through the service."""

    def __init__(self, service: Resources, limits: ScimLimits) -> None:
        self.service = service
        self.users = service.users
        self.limits = limits
        self.created: dict[str, str] = {}

    def run(self, caller: Caller, body: Any, size: int) -> dict[str, Any]:
        """The BulkResponse; raises PayloadTooLarge (413) and InvalidSyntax."""
        if size > self.limits.max_payload_size:
            raise PayloadTooLarge(
                f"The bulk request is {size} bytes; maxPayloadSize is "
                f"{self.limits.max_payload_size}."
            )
        operations, fail_on_errors = self.read(body)
        results: dict[int, dict[str, Any]] = {}
        errors = 0
        ordered, blocked = _ordered(operations)
        for op in blocked:
            results[op.index] = _failure(
                op,
                UnresolvedReference(
                    f"Operation {op.index} is on a bulkId reference cycle; split the request."
                ),
            )
            errors += 1
        for run in _runs(ordered):
            budget = None if fail_on_errors is None else fail_on_errors - errors
            if budget is not None and budget <= 0:
                break
            batched = len(run) > 1
            done = run_user_posts(self, caller, run, budget) if batched else self.each(caller, run)
            for op, result in done:
                results[op.index] = result
                errors += _failed(result)
        return {
            "schemas": [BULK_RESPONSE],
            "Operations": [results[i] for i in sorted(results)],
        }

    def each(
        self,
        caller: Caller,
        ops: list[BulkOperation],
        budget: int | None = None,
        create: Create | None = None,
    ) -> list[tuple[BulkOperation, dict[str, Any]]]:
        """Run ``ops`` in order, stopping once ``budget`` of them failed; what ran, with results.

        ``create`` replaces the service's create for POSTs (a batch's).
        """
        done: list[tuple[BulkOperation, dict[str, Any]]] = []
        errors = 0
        for op in ops:
            if budget is not None and errors >= budget:
                break
            done.append((op, self.one(caller, op, create)))
            errors += _failed(done[-1][1])
        return done

    def read(self, body: Any) -> tuple[list[BulkOperation], int | None]:
        """The checked operations and ``failOnErrors``; raises InvalidSyntax, PayloadTooLarge."""
        schemas = body.get("schemas") if isinstance(body, dict) else None
        if not isinstance(schemas, list) or BULK_REQUEST not in schemas:
            raise InvalidSyntax(f'A Bulk body must have "schemas": ["{BULK_REQUEST}"].')
        raw = body.get("Operations")
        if not isinstance(raw, list) or not raw:
            raise InvalidSyntax('A Bulk body needs "Operations": a non-empty list.')
        if len(raw) > self.limits.max_operations:
            raise PayloadTooLarge(
                f"The bulk request has {len(raw)} operations; maxOperations is "
                f"{self.limits.max_operations}."
            )
        fail_on_errors = body.get("failOnErrors")
        if fail_on_errors is not None and (
            not isinstance(fail_on_errors, int)
            or isinstance(fail_on_errors, bool)
            or fail_on_errors < 1
        ):
            raise InvalidSyntax("'failOnErrors' must be an integer of 1 or more.")
        return [_operation(i, op) for i, op in enumerate(raw)], fail_on_errors

    def one(
        self, caller: Caller, op: BulkOperation, create: Create | None = None
    ) -> dict[str, Any]:
        """Run one operation; its result (a failure carries the SCIM Error as ``response``)."""
        try:
            path = self.resolve(op.path)
            data = self.resolve(op.data)
            return self.dispatch(caller, op, path, data, create or self.service.create)
        except ScimError as e:
            return _failure(op, e)

    def dispatch(
        self, caller: Caller, op: BulkOperation, path: str, data: Any, create: Create
    ) -> dict[str, Any]:
        """Call the service (``create`` for a POST) for one resolved operation."""
        endpoint, _, resource_id = path.strip("/").partition("/")
        resource_type = resource_type_of(endpoint)
        if (op.method == "POST") == bool(resource_id):
            raise InvalidSyntax(f"Operation {op.index}: {op.method} does not apply to {path!r}.")
        if_match = version_from_etag(op.version)
        result: dict[str, Any] = {"method": op.method}
        if op.bulk_id:
            result["bulkId"] = op.bulk_id
        if op.method == "DELETE":
            self.service.delete(caller, resource_type, resource_id, if_match)
            result.update(location=f"{caller.base_url}/{path.strip('/')}", status="204")
            return result
        if op.method == "POST":
            outcome = create(caller, resource_type, data)
            if op.bulk_id:
                self.created[op.bulk_id] = outcome.resource["id"]
        elif op.method == "PUT":
            outcome = self.service.replace(caller, resource_type, resource_id, data, if_match)
        else:
            outcome = self.service.patch(caller, resource_type, resource_id, data, if_match)
        status = "201" if op.method == "POST" else "200"
        result.update(location=outcome.location, version=etag(outcome.version), status=status)
        return result

    def resolve(self, value: Any) -> Any:
        """``value`` with every ``bulkId:x`` replaced by the id created for x.

        Raises UnresolvedReference when x was not created.
        """
        if isinstance(value, str):
            return REFERENCE.sub(lambda m: self._created(m.group(1)), value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def _created(self, bulk_id: str) -> str:
        if bulk_id not in self.created:
            raise UnresolvedReference(
                f"The bulkId {bulk_id!r} names no resource created by this request."
            )
        return self.created[bulk_id]


def _operation(index: int, raw: Any) -> BulkOperation:
    if not isinstance(raw, dict):
        raise InvalidSyntax(f"Operation {index} must be a JSON object.")
    method = str(raw.get("method", "")).upper()
    path = raw.get("path")
    if method not in METHODS or not isinstance(path, str) or not path:
        raise InvalidSyntax(f"Operation {index} needs a method ({', '.join(METHODS)}) and a path.")
    bulk_id = raw.get("bulkId")
    if bulk_id is not None and not isinstance(bulk_id, str):
        raise InvalidSyntax(f"Operation {index}: bulkId must be a string.")
    version = raw.get("version")
    if version is not None and not isinstance(version, str):
        raise InvalidSyntax(f"Operation {index}: version must be a string (an ETag).")
    if method == "POST" and not bulk_id:
        raise InvalidSyntax(f"Operation {index}: a POST needs a bulkId (RFC 7644 §3.7).")
    if method != "DELETE" and "data" not in raw:
        raise InvalidValue(f"Operation {index}: {method} needs data.")
    return BulkOperation(index, method, path, bulk_id, raw.get("data"), raw.get("version"))


def _ordered(ops: list[BulkOperation]) -> tuple[list[BulkOperation], list[BulkOperation]]:
    """Operations in request order, each after the POSTs it refers to; and those on a cycle.

    Each step runs the earliest operation whose POSTs have all run (Kahn's algorithm with a heap
    of the ready ones): O(n log n) plus the references. A reference to a bulkId no POST defines
    is left to fail when it runs; one to the operation's own bulkId is a cycle.
    """
    defined = {op.bulk_id: op.index for op in ops if op.method == "POST" and op.bulk_id}
    by_index = {op.index: op for op in ops}
    waiting = dict.fromkeys(by_index, 0)
    dependents: dict[int, list[int]] = {}
    for op in ops:
        for ref in op.references():
            if ref in defined:
                waiting[op.index] += 1
                dependents.setdefault(defined[ref], []).append(op.index)
    ready = [index for index, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[BulkOperation] = []
    while ready:
        index = heapq.heappop(ready)
        ordered.append(by_index[index])
        for dependent in dependents.get(index, ()):
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    done = {op.index for op in ordered}
    return ordered, [op for op in ops if op.index not in done]


def _runs(ordered: list[BulkOperation]) -> Iterator[list[BulkOperation]]:
    """The operations in order, consecutive POSTs to /Users together, every other one alone."""
    run: list[BulkOperation] = []
    for op in ordered:
        if is_user_post(op):
            run.append(op)
            continue
        if run:
            yield run
            run = []
        yield [op]
    if run:
        yield run


def _failed(result: dict[str, Any]) -> int:
    return int(int(result["status"]) >= 400)


def _failure(op: BulkOperation, error: ScimError) -> dict[str, Any]:
    result: dict[str, Any] = {"method": op.method}
    if op.bulk_id:
        result["bulkId"] = op.bulk_id
    result["status"] = str(error.status)
    result["response"] = error.to_scim()
    return result
