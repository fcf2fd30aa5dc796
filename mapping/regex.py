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


# The memory one key set may take, its program and its DFA states (made as texts need them;
# RE2 drops them all and starts over when they fill it): a base plus room for the program
# (about a 16-byte instruction per key byte, RE2 allowing it a quarter of the budget) with
# half as much again for states. A larger set is not built: its keys are looked up in Python.
KEY_SET_BASE_MEMORY = 4 << 20
KEY_SET_MEMORY_PER_BYTE = 96
KEY_SET_MAX_MEMORY = 64 << 20


def encode(text: str) -> bytes:
    """UTF-8, lone surrogates included (they cannot come from XML, but explain takes JSON): a
    substring of the text is a byte substring of its encoding and back, as UTF-8 is
    self-synchronising."""
    return text.encode("utf-8", "surrogatepass")


def literal_set(keys: list[str]) -> Callable[[bytes], list[int] | None] | None:
    """One RE2 set of literal keys: called on an encoded text, it gives the positions in
    ``keys`` of every key found anywhere in it (overlapping ones included), or None for none.
    None when the set would need more than KEY_SET_MAX_MEMORY or RE2 cannot build it.

    RE2 runs every key at once on a lazily built DFA, in time linear in the text.
    """
    return key_set([encode(key) for key in keys], literal=True)


def key_set(
    patterns: list[bytes], *, literal: bool = False, latin1: bool = False, size: int = -1
) -> Callable[[bytes], list[int] | None] | None:
    """One case-sensitive RE2 search set of ``patterns`` (literal keys, or expressions read
    as Latin-1 bytes), sized by ``size`` bytes of what they match (by default the patterns'
    length): its ``Match``, which gives the positions of every pattern found in a text, or
    None for none. None when the set would need more than KEY_SET_MAX_MEMORY or RE2 cannot
    build it."""
    size = sum(map(len, patterns)) if size < 0 else size
    memory = KEY_SET_BASE_MEMORY + KEY_SET_MEMORY_PER_BYTE * size
    if memory > KEY_SET_MAX_MEMORY:
        return None
    options = re2.Options()
    options.literal = literal
    if latin1:
        options.encoding = re2.Options.Encoding.LATIN1
    options.case_sensitive = True
    options.log_errors = False
    options.max_mem = memory
    found = re2.Set.SearchSet(options)
    try:
        for pattern in patterns:
            found.Add(pattern)
        found.Compile()
    except re2.error:
        return None
    match: Callable[[bytes], list[int] | None] = found.Match
    return match
