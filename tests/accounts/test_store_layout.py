"""The store imports one way: no module of gateway/store imports one that imports it."""

from __future__ import annotations

import ast
import pathlib

STORE = pathlib.Path(__file__).resolve().parents[2] / "gateway" / "store"


def _store_imports(path: pathlib.Path) -> set[str]:
    """Names of gateway.store modules ``path`` imports, TYPE_CHECKING blocks included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("gateway.store."):
                found.add(node.module.removeprefix("gateway.store."))
            elif node.module == "gateway.store":
                found.update(alias.name for alias in node.names)
    return found


def _cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, path = stack.pop()
        for nxt in sorted(graph.get(module, ())):
            if nxt == start:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_the_store_package_has_no_import_circle():
    graph = {path.stem: _store_imports(path) for path in STORE.glob("*.py")}
    circles = [c for m in sorted(graph) if (c := _cycle_from(graph, m)) is not None]
    assert circles == []


def test_a_user_batch_does_not_import_the_bulk_loader():
    assert "bulk_users" not in _store_imports(STORE / "user_batch.py")
