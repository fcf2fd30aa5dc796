"""One RE2 pass per sign-in: the keys of every rule, found in one text of all attributes.

The attributes the rules look at are written into one *sections text* of UTF-8 bytes, one
section per attribute and case mode (casefolded when conditions ignore case). Each value is
written between ``\\0`` + its section's tag ``T`` and ``T``::

    \\0T1 v1 T1 \\0T1 v2 T1 \\0T2 v3 T2

A tag is made of bytes UTF-8 never uses (0xFF, then fixed-width digits among 0xC0, 0xC1,
0xF5-0xFE), and values never hold ``\\0`` (a sign-in where one does takes the plain loop), so
``\\0T`` occurs only where a value of section T starts, and the first 0xFF after any byte of
a value starts the tag that ends it. Each condition value becomes one key of one RE2 set
(Latin-1 mode: byte for byte; UTF-8 is self-synchronising, so byte substrings are character
substrings), found exactly when the condition's section holds a value that matches it:

- ``equals v``: ``\\0TvT``; ``starts_with v``: ``\\0Tv``; a regex value's literal ``L``
  (``index.regex_literal``): ``\\0TL``, a gate before RE2's full match, which still decides;
- ``contains w``: ``w[^\\0\\xff]*T``. The loop comes after ``w``: a DFA state carries one
  only for the keys just seen in the value. Put first (``\\0T[^\\0]*w``), RE2 gives every key
  its own loop, and every state in a section carries thousands of them (measured: 20x slower).

One ``Match`` call reports every key present, so checking a condition is a set test, and the
ten per-attribute texts, casefolds and RE2 calls of the index before it become one each.
"""

from __future__ import annotations

from collections.abc import Callable

from .facts import SEPARATOR, SignInFacts
from .regex import encode, key_set

# Above this many keys the one set's DFA outgrows the CPU caches and one pass ran slower than
# the per-attribute sets (same-process CPU time: faster at ~300 keys, even at ~3,000, slower
# at ~30,000; bench/profiling_notes.md, Session 5), so the per-attribute index serves.
ONE_PASS_MAX_KEYS = 5_000
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_TAG_START = b"\xff"
_TAG_DIGITS = bytes([0xC0, 0xC1, *range(0xF5, 0xFF)])
Match = Callable[[bytes], list[int] | None]


class Unframable(Exception):
    """An asserted value holds the separator: this sign-in takes the plain loop."""


def _escaped(data: bytes) -> bytes:
    """A Latin-1 RE2 pattern matching exactly ``data``."""
    return b"".join(bytes([b]) if b in _PLAIN else b"\\x%02x" % b for b in data)


def _tag(number: int, width: int) -> bytes:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, len(_TAG_DIGITS))
        digits.append(_TAG_DIGITS[digit])
    return _TAG_START + bytes(digits)


class SectionKeys:
    """The sections and keys of a rule set, added condition by condition, then compiled."""

    def __init__(self) -> None:
        self._sections: dict[tuple[str, bool], int] = {}
        self._ids: dict[bytes, int] = {}
        self._bytes = 0  # what the keys match, about one RE2 instruction a byte
        self._tag_width = 1

    def section(self, attribute: str, case_sensitive: bool) -> int:
        """The number of the section of ``attribute`` in one case mode (added on first use)."""
        return self._sections.setdefault((attribute, case_sensitive), len(self._sections))

    def number(self, sections: list[tuple[str, bool]]) -> None:
        """Number every section before any key is made: tags have one width."""
        for attribute, case_sensitive in sections:
            self.section(attribute, case_sensitive)
        width, capacity = 1, len(_TAG_DIGITS)
        while capacity < len(self._sections):
            width, capacity = width + 1, capacity * len(_TAG_DIGITS)
        self._tag_width = width

    def _tag(self, section: int) -> bytes:
        return _escaped(_tag(section, self._tag_width))

    def _id(self, pattern: bytes, size: int) -> int:
        known = self._ids.get(pattern)
        if known is None:
            known = self._ids[pattern] = len(self._ids)
            self._bytes += size
        return known

    def at_start(self, section: int, value: str, *, whole: bool = False) -> int:
        """The id of the key of a value of ``section`` starting with (``whole``: equal to)
        ``value``."""
        tag, data = self._tag(section), encode(value)
        pattern = b"\\x00" + tag + _escaped(data) + (tag if whole else b"")
        return self._id(pattern, len(data) + 2 * (self._tag_width + 2))

    def inside(self, section: int, value: str) -> int:
        """The id of the key of a value of ``section`` holding ``value``."""
        if not value:
            return self.at_start(section, value)
        # The first 0xFF after the value's bytes starts the tag that ends their value.
        data = encode(value)
        pattern = _escaped(data) + b"[^\\x00\\xff]*" + self._tag(section)
        return self._id(pattern, len(data) + self._tag_width + 3)

    def compile(self) -> SectionsText | None:
        """The text writer and its key set, or None when there are more than ONE_PASS_MAX_KEYS
        keys or RE2 cannot build the set within KEY_SET_MAX_MEMORY."""
        if len(self._ids) > ONE_PASS_MAX_KEYS:
            return None
        patterns = sorted(self._ids, key=self._ids.__getitem__)
        match = key_set(patterns, latin1=True, size=self._bytes)
        return None if match is None else SectionsText(self._sections, self._tag_width, match)


class SectionsText:
    """Writes a sign-in's sections text and finds its keys."""

    def __init__(self, sections: dict[tuple[str, bool], int], width: int, match: Match) -> None:
        ordered = sorted(sections.items(), key=lambda item: item[1])
        tags = [_tag(n, width) for n in range(len(ordered))]
        self._plan = tuple(
            (attribute, cased, b"\0" + tag, tag + b"\0" + tag, tag)
            for ((attribute, cased), _), tag in zip(ordered, tags, strict=True)
        )
        self._match = match

    def found(self, facts: SignInFacts) -> list[int]:
        """The ids of the keys the sign-in's sections text holds; raises Unframable when a
        value holds the separator."""
        values = facts.values
        parts = []
        for attribute, case_sensitive, start, between, end in self._plan:
            listed = values(attribute)
            if not listed:
                continue
            joined = SEPARATOR.join(listed)
            if case_sensitive:
                encoded = encode(joined)
            elif joined.isascii():
                # casefold agrees with ASCII lowercasing on ASCII, which bytes do in C.
                encoded = joined.encode().lower()
            else:
                encoded = encode(joined.casefold())  # never makes or removes a \0
            framed = encoded.replace(b"\0", between)
            # Each \0 grew into a separator: more of them than joins means a value holds one.
            if len(framed) - len(encoded) != (len(listed) - 1) * (len(between) - 1):
                raise Unframable
            parts.append(start + framed + end)
        return self._match(b"".join(parts)) or []
