"""Regex rule values on a linear-time engine (RE2): no pattern or value can stall a sign-in.

Python's ``re`` backtracks: ``(a+)+`` against 28 ``a`` and a ``b`` takes seconds, doubling with
each character. RE2 matches in time linear in the value, and refuses what it cannot run that
way (backreferences, lookaround, huge counted repetitions), so such a rule is refused when the
rule set is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import re2

from .errors import BadRegex


class RulePattern(Protocol):
    """What the index reads of a compiled pattern: its text and its ``re`` flags."""

    @property
    def pattern(self) -> str: ...

    @property
    def flags(self) -> int: ...


@dataclass(frozen=True, eq=False)
class LinearPattern:
    """One compiled regex rule value: ``fullmatch`` is RE2's (anchored at both ends)."""

    pattern: str
    flags: int  # re.IGNORECASE when case-insensitive, as the index expects
    fullmatch: Callable[[str], Any]


def compile_pattern(value: str, *, case_sensitive: bool) -> LinearPattern:
    """Compile ``value`` for full matches; raises BadRegex when RE2 cannot run it."""
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    try:
        compiled = re2.compile(value, options)
    except re2.error as e:
        reason = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
        raise BadRegex(
            f"Invalid regular expression {value!r}: {reason} (rules run on a linear-time "
            "engine: no backreferences, lookahead or lookbehind, repetitions up to 1000)."
        ) from e
    flags = 0 if case_sensitive else re.IGNORECASE
    return LinearPattern(value, flags, compiled.fullmatch)
