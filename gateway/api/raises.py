"""Which refusal codes a view can answer, found by reading the code it runs.

Starting from a view function, every call is followed: functions and classes resolved through
the caller's module (``json_body()``, ``auth.managed_account(...)``), methods of ``self`` and
``cls`` through the class, and other method calls (``store().create_account(...)``) through
every gateway class defining a method of that name, when at most ``_MAX_SAME_NAME`` do (a name
shared by more, or by a library type the gateway uses, such as ``get`` or ``one``, is not
followed). Each ``GatewayError`` subclass called or
named there counts with its ``code`` (or the literal ``code=`` given) and ``status``. The
answer over-approximates (a branch that cannot run still counts); what it can miss is a refusal
behind a call it cannot resolve (a callable passed as an argument, a method whose name is
shared by many classes) or a code computed at run time.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
import re
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

from gateway.errors import GatewayError

_ROOTS = ("gateway.", "mapping.")
_MAX_SAME_NAME = 1
_MAX_DEPTH = 12


@dataclass(frozen=True)
class Refusal:
    """One refusal a route can answer: its code, HTTP status and what triggers it."""

    code: str
    status: int
    trigger: str


def route_refusals(view: Callable[..., Any]) -> dict[str, Refusal]:
    """The refusals ``view`` (and what it calls) can raise, by code."""
    return dict(_refusals_of(_unwrap(view), 0, frozenset()))


@cache
def every_refusal() -> dict[str, Refusal]:
    """Each code given as ``code="..."`` to a refusal anywhere, with its class's status and the
    message written there (a text search, for codes a route declares but its analysis misses)."""
    found: dict[str, Refusal] = {}
    _load_everything()
    for module_name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not module_name.startswith(_ROOTS) or not path or not path.endswith(".py"):
            continue
        text = Path(path).read_text()
        for match in _CODED.finditer(text):
            cls = vars(module).get(match.group("cls"))
            if not (isinstance(cls, type) and issubclass(cls, GatewayError)):
                continue
            message = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group("message")))
            trigger = message or (cls.__doc__ or cls.__name__).strip().split("\n")[0]
            found.setdefault(match.group("code"), Refusal(match.group("code"), cls.status, trigger))
    return found


# ``Cls(<message literals>, ..., code="x"``: the class, the message's string parts, the code.
_CODED = re.compile(
    r"\b(?P<cls>[A-Z]\w*)\(\s*(?P<message>(?:f?\"(?:[^\"\\]|\\.)*\"\s*)+)[^()]{0,200}?"
    r"\bcode=\"(?P<code>\w+)\"",
)


def success_statuses(view: Callable[..., Any]) -> list[int]:
    """The statuses ``view`` answers with when it succeeds: ``return body, 201`` says 201."""
    tree = _source_tree(_unwrap(view))
    found: set[int] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            status = value.elts[1] if isinstance(value, ast.Tuple) and len(value.elts) > 1 else None
            if isinstance(status, ast.Constant) and isinstance(status.value, int):
                found.add(status.value)
            else:
                found.add(200)
    return sorted(found) or [200]


def _unwrap(func: Any) -> Any:
    return inspect.unwrap(func) if callable(func) else func


def _ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.startswith(_ROOTS) and module != __name__


@cache
def _source_tree(func: FunctionType) -> ast.AST | None:
    """The ``def`` of ``func`` in its module's parsed source (each file is parsed once)."""
    code = func.__code__
    for node in _definitions(code.co_filename).get((code.co_firstlineno, func.__name__), []):
        return node
    return None


@cache
def _definitions(filename: str) -> dict[tuple[int, str], list[ast.AST]]:
    """Every function definition of a file, by its first line (decorators included) and name."""
    try:
        tree = ast.parse(Path(filename).read_text(), filename)
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[tuple[int, str], list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.setdefault((first, node.name), []).append(node)
    return found


def _refusals_of(func: Any, depth: int, seen: frozenset[Any]) -> Iterator[tuple[str, Refusal]]:
    if not isinstance(func, FunctionType) or func in seen or depth > _MAX_DEPTH:
        return
    yield from _cached(func, depth, seen | {func})


def _cached(func: FunctionType, depth: int, seen: frozenset[Any]) -> list[tuple[str, Refusal]]:
    key = func
    if key in _MEMO:
        return _MEMO[key]
    found: list[tuple[str, Refusal]] = []
    tree = _source_tree(func)
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                found.extend(_from_call(func, node, depth, seen))
    _MEMO[key] = found
    return found


_MEMO: dict[Any, list[tuple[str, Refusal]]] = {}


def _from_call(
    func: FunctionType, node: ast.Call, depth: int, seen: frozenset[Any]
) -> Iterator[tuple[str, Refusal]]:
    for target in _targets(func, node.func):
        if isinstance(target, type) and issubclass(target, GatewayError):
            yield _refusal(target, node)
        elif isinstance(target, type) and _ours(target):
            init = target.__dict__.get("__init__")
            yield from _refusals_of(init, depth + 1, seen)
        elif _ours(target):
            yield from _refusals_of(_unwrap(target), depth + 1, seen)
    for arg in node.args:  # ``fail(BadResult, message)``: an error class handed to a helper
        for target in _targets(func, arg) if isinstance(arg, ast.Name) else ():
            if isinstance(target, type) and issubclass(target, GatewayError):
                yield _refusal(target, node)


def _refusal(cls: type[GatewayError], node: ast.Call) -> tuple[str, Refusal]:
    code, status = cls.code, cls.status
    for keyword in node.keywords:
        if isinstance(keyword.value, ast.Constant):
            if keyword.arg == "code" and isinstance(keyword.value.value, str):
                code = keyword.value.value
            elif keyword.arg == "status" and isinstance(keyword.value.value, int):
                status = keyword.value.value
    return code, Refusal(code, status, _trigger(cls, node))


def _trigger(cls: type[GatewayError], node: ast.Call) -> str:
    message = node.args[0] if node.args else None
    if isinstance(message, ast.Constant | ast.JoinedStr):
        text = ast.unparse(message)
        if isinstance(message, ast.JoinedStr):
            text = text[1:]  # the f of an f-string; placeholders stay as written
        return text.strip("'\"")
    own = cls.__dict__.get("__doc__")
    return (own or "").strip().split("\n")[0] or cls.__name__


def _targets(func: FunctionType, expr: ast.expr) -> list[Any]:
    """What ``expr`` (a callee) may be, seen from ``func``'s module and class."""
    if isinstance(expr, ast.Name):
        found = func.__globals__.get(expr.id)
        return [found] if found is not None else []
    if not isinstance(expr, ast.Attribute):
        return []
    base = expr.value
    if isinstance(base, ast.Name) and base.id in {"self", "cls"}:
        owner = _owner_class(func)
        if owner is not None and hasattr(owner, expr.attr):
            return [getattr(owner, expr.attr)]
        return _by_method_name(expr.attr)
    if isinstance(base, ast.Name | ast.Attribute):
        owner = _resolve_dotted(func, base)
        if isinstance(owner, ModuleType | type):
            found = getattr(owner, expr.attr, None)
            return [found] if found is not None else []
    kind = _type_of(func, base)
    if kind is not None and callable(inspect.getattr_static(kind, expr.attr, None)):
        return [getattr(kind, expr.attr)]
    return _by_method_name(expr.attr)


def _type_of(func: FunctionType, expr: ast.expr) -> type | None:
    """The class of ``expr``'s value when annotations say it: ``store()``, ``services().x``."""
    if isinstance(expr, ast.Name) and expr.id in {"self", "cls"}:
        return _owner_class(func)
    if isinstance(expr, ast.Call):
        callee = _targets(func, expr.func)
        if len(callee) == 1 and isinstance(callee[0], FunctionType):
            return _hinted(callee[0], "return")
        return None
    if isinstance(expr, ast.Attribute):
        owner = _type_of(func, expr.value)
        return _hinted(owner, expr.attr) if owner is not None else None
    return None


def _hinted(owner: Any, name: str) -> type | None:
    try:
        hints = typing.get_type_hints(owner)
    except Exception:  # noqa: BLE001  (an annotation that does not resolve says nothing)
        return None
    found = hints.get(name)
    if found is None and isinstance(owner, type):  # a property's return annotation
        prop = inspect.getattr_static(owner, name, None)
        if isinstance(prop, property) and prop.fget is not None:
            return _hinted(prop.fget, "return")
    return found if isinstance(found, type) and _ours(found) else None


def _resolve_dotted(func: FunctionType, expr: ast.expr) -> Any:
    if isinstance(expr, ast.Name):
        return func.__globals__.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _resolve_dotted(func, expr.value)
        if isinstance(owner, ModuleType | type):  # never a request-bound proxy
            return getattr(owner, expr.attr, None)
    return None


def _owner_class(func: FunctionType) -> type | None:
    parts = func.__qualname__.split(".")
    if len(parts) < 2:
        return None
    owner = func.__globals__.get(parts[-2])
    return owner if isinstance(owner, type) else None


def _by_method_name(name: str) -> list[Any]:
    if name in _library_names():
        return []  # ``result.one()``, ``values.update()``: most likely not ours
    found = _methods().get(name, [])
    return found if len(found) <= _MAX_SAME_NAME else []


@cache
def _library_names() -> frozenset[str]:
    """Method names of the library objects the gateway calls methods on most."""
    import datetime as dt
    from pathlib import Path

    import sqlalchemy as sa
    from flask import Flask, Request, Response

    kinds: list[Any] = [dict, list, set, str, bytes, dt.datetime, dt.timedelta, Path]
    kinds += [sa.engine.Result, sa.engine.Row, sa.engine.Connection, sa.Engine, sa.Select]
    kinds += [sa.Table, sa.Column, sa.Insert, sa.Update, sa.Delete, Flask, Request, Response]
    return frozenset(name for kind in kinds for name in dir(kind))


@cache
def _load_everything() -> None:
    """Import every gateway and mapping module, so the answer never depends on import order."""
    import gateway
    import mapping

    for package in (gateway, mapping):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in info.name or ".testing" in info.name:
                continue
            with contextlib.suppress(Exception):  # a module that cannot load raises nothing
                importlib.import_module(info.name)


@cache
def _methods() -> dict[str, list[Any]]:
    """Every method of the gateway and mapping classes loaded, by name."""
    return _functions(methods=True)


@cache
def _module_functions() -> dict[str, list[Any]]:
    """Every module-level function of the gateway and mapping modules loaded, by name."""
    return _functions(methods=False)


def _functions(*, methods: bool) -> dict[str, list[Any]]:
    _load_everything()
    by_name: dict[str, list[Any]] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith(_ROOTS) or module is None:
            continue
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) != module_name:
                continue
            if not methods and isinstance(value, FunctionType):
                by_name.setdefault(value.__name__, []).append(value)
            if methods and isinstance(value, type):
                for attr, member in vars(value).items():
                    if isinstance(member, staticmethod | classmethod):
                        member = member.__func__
                    if isinstance(member, FunctionType):
                        by_name.setdefault(attr, []).append(member)
    return by_name
