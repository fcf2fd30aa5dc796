"""Lift JSON literals out of a SCIM filter before scim2-filter-parser's lexer sees it.

The library's lexer reads ``"a\\"b"`` as a broken string, numbers only as single digits, and
gives ``true``/``false``/``null`` back as the strings "true"/"false"/"null". Every literal in
value position is therefore decoded here (RFC 7644 §3.4.2.2: compValue follows RFC 7159 JSON)
and replaced by an opaque placeholder string the lexer handles safely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from gateway.scim.errors import InvalidFilter

LiteralValue = str | int | float | bool | None

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_KEYWORD = re.compile(r"true|false|null")
_BEFORE = frozenset(" \t([")
_AFTER = frozenset(" \t)]")
_KEYWORDS: dict[str, LiteralValue] = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class LiftedFilter:
    """The filter text with placeholders, the literal values, and a map back to positions."""

    text: str
    literals: tuple[LiteralValue, ...]
    origin: tuple[int, ...]

    def literal(self, placeholder: str) -> LiteralValue:
        """The value behind a placeholder; raises InvalidFilter for anything else."""
        if placeholder.startswith("v") and placeholder[1:].isdigit():
            index = int(placeholder[1:])
            if index < len(self.literals):
                return self.literals[index]
        raise InvalidFilter(f"Unexpected comparison value {placeholder!r}.")

    def position(self, index: int) -> int:
        """The position in the original filter of character ``index`` of ``text``."""
        if not self.origin:
            return 0
        return self.origin[min(index, len(self.origin) - 1)]


def lift_literals(text: str) -> LiftedFilter:
    """Replace every string, number and true/false/null literal with a placeholder.

    Raises InvalidFilter for an unterminated string or an invalid JSON escape.
    """
    out: list[str] = []
    origin: list[int] = []
    literals: list[LiteralValue] = []
    i = 0
    while i < len(text):
        end, value = _literal_at(text, i)
        if end == i:
            out.append(text[i])
            origin.append(i)
            i += 1
            continue
        placeholder = f'"v{len(literals)}"'
        literals.append(value)
        out.append(placeholder)
        origin.extend([i] * len(placeholder))
        i = end
    return LiftedFilter("".join(out), tuple(literals), tuple(origin))


def _literal_at(text: str, i: int) -> tuple[int, LiteralValue]:
    """(end, value) of a literal starting at ``i``; (i, None) when there is none."""
    if text[i] == '"':
        return string_at(text, i)
    if i > 0 and text[i - 1] not in _BEFORE:
        return i, None
    for pattern in (_KEYWORD, _NUMBER):
        match = pattern.match(text, i)
        if match and (match.end() == len(text) or text[match.end()] in _AFTER):
            token = match.group()
            if token in _KEYWORDS:
                return match.end(), _KEYWORDS[token]
            number: float = float(token)
            is_int = number.is_integer() and not any(c in token for c in ".eE")
            return match.end(), int(token) if is_int else number
    return i, None


def string_at(text: str, start: int) -> tuple[int, str]:
    """(end, decoded) of the JSON string starting at ``start``.

    Raises InvalidFilter for an unterminated string, an invalid escape or a lone surrogate.
    """
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            try:
                decoded = json.loads(text[start : i + 1], strict=False)
            except json.JSONDecodeError as exc:
                raise InvalidFilter(
                    f"Invalid escape in the string starting at position {start}: {exc.msg}."
                ) from exc
            if not _encodable(str(decoded)):
                raise InvalidFilter(f"The string starting at position {start} is not valid UTF-8.")
            return i + 1, str(decoded)
        i += 1
    raise InvalidFilter(f"Unterminated string starting at position {start}.")


def _encodable(text: str) -> bool:
    """False for lone surrogates (``\\ud800``), which no database column can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
