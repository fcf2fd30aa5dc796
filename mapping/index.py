"""The value index of the compiled evaluator: every anchor of one attribute in one regex.

A sign-in's values under one attribute key are joined into one *text*, each value framed by
``SEPARATOR`` (``\\0v1\\0v2\\0``). Each operator then becomes a *key* to find in that text:

- ``contains w``: ``w`` anywhere (a key holds no separator, so it never spans two values);
- ``starts_with w``: ``\\0w``;
- ``equals w``: ``\\0w\\0``;
- ``regex p``: ``\\0L`` where ``L`` is a literal every full match of ``p`` starts with.

All keys of one attribute and case mode are compiled into one trie-shaped pattern, searched
once per sign-in at the C level; a hit names the rules whose anchor it proves (or, for cut
keys and regexes, makes possible). The same framing turns the check of any other condition
into plain ``needle in text`` tests (``needles``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .facts import SEPARATOR
from .model import Condition

# Keys are cut to this length: a text holding the full key holds its prefix too, and the cut
# bounds the nesting of the trie pattern.
MAX_KEY_LENGTH = 48
# Characters whose re.IGNORECASE matches all casefold to the character's own casefold, so a
# case-insensitive literal can be looked for in the casefolded text (``i`` also matches the
# dotted capital and dotless i, which casefold differently). A test checks every code point.
IGNORECASE_SAFE = frozenset(chr(c) for c in range(32, 127)) - {"i", "I"}
_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_OPTIONAL_SUFFIX = frozenset("*?{")
_Trie = dict[str, "_Trie"]


def needles(condition: Condition) -> tuple[str, ...] | None:
    """What the framed text must contain for the condition to hold, or None (regex, or a
    value holding the separator, which the framing cannot express)."""
    values = condition.folded_values
    if condition.operator == "regex" or any(SEPARATOR in v for v in values):
        return None
    if condition.operator == "contains":
        return values
    if condition.operator == "starts_with":
        return tuple(SEPARATOR + v for v in values)
    return tuple(SEPARATOR + v + SEPARATOR for v in values)


def regex_literal(pattern: re.Pattern[str]) -> str | None:
    """A non-empty literal that starts every full match of ``pattern``, in the form to look
    for (casefolded under IGNORECASE), or None when none is found.

    Conservative: any ``|`` gives up, and so does any special character before the literal.
    """
    source = pattern.pattern
    if "|" in source:
        return None
    run = 0
    while run < len(source) and source[run] not in _REGEX_SPECIAL:
        run += 1
    if run < len(source) and source[run] in _OPTIONAL_SUFFIX:
        run -= 1  # the last character is quantified, maybe to nothing
    literal = source[: max(run, 0)]
    if pattern.flags & re.IGNORECASE:
        safe = 0
        while safe < len(literal) and literal[safe] in IGNORECASE_SAFE:
            safe += 1
        literal = literal[:safe].casefold()
    return literal if literal and SEPARATOR not in literal else None


def anchor_keys(condition: Condition) -> tuple[str, ...] | None:
    """The keys of a condition used as an anchor, or None when it cannot be one."""
    if condition.operator == "regex":
        literals = [regex_literal(p) for p in condition.patterns]
        if any(lit is None for lit in literals):
            return None
        return tuple(_cut(SEPARATOR + str(lit)) for lit in literals)
    found = needles(condition)
    if found is None or not all(found):
        return None  # an empty contains value holds for any asserted value
    return tuple(_cut(n) for n in found)


def proven_by_hit(condition: Condition) -> bool:
    """Whether finding one of the condition's keys means it holds (nothing was cut off)."""
    found = needles(condition)
    return found is not None and all(len(n) <= MAX_KEY_LENGTH for n in found)


def _cut(key: str) -> str:
    return key[:MAX_KEY_LENGTH]


@dataclass(frozen=True)
class KeyIndex:
    """The anchors of one attribute key in one case mode, found in its text in two passes."""

    # Keys at a value start and keys anywhere apart: each pattern then starts with a literal
    # or a small set of characters the regex engine scans for at C speed, which one pattern
    # holding both does not.
    patterns: tuple[re.Pattern[str], ...]
    # Equals keys are looked up by whole value instead: far smaller patterns, and a set
    # intersection costs less than walking the trie for each value.
    equals: dict[str, tuple[int, ...]]
    equals_keys: frozenset[str]
    # A match is the longest key found at its position; shorter keys found there are its
    # prefixes, so each key maps to the rules of itself and of every key that prefixes it.
    rules_by_match: dict[str, tuple[int, ...]]

    def hits(self, text: str, into: set[int]) -> None:
        """Add the rules whose anchor key occurs in the framed text."""
        if self.equals_keys:
            equals = self.equals
            for value in self.equals_keys.intersection(text[1:-1].split(SEPARATOR)):
                into.update(equals[value])
        rules = self.rules_by_match
        for pattern in self.patterns:
            search = pattern.search
            m = search(text)
            while m is not None:
                into.update(rules[m.group()])
                # Restart one character later: later keys may overlap this one.
                m = search(text, m.start() + 1)


def build_index(rules_by_key: dict[str, list[int]]) -> KeyIndex:
    """The index of the given keys, each with the 0-based rules it anchors."""
    whole = {k: v for k, v in rules_by_key.items() if len(k) > 1 and k.endswith(SEPARATOR)}
    equals = {k[1:-1]: tuple(sorted(set(v))) for k, v in whole.items()}
    keys = sorted(k for k in rules_by_key if k not in whole)
    rules_by_match = {key: tuple(sorted(_rules_of_prefixes(key, rules_by_key))) for key in keys}
    at_start = [k for k in keys if k.startswith(SEPARATOR)]
    anywhere = [k for k in keys if not k.startswith(SEPARATOR)]
    patterns = tuple(re.compile(_trie_pattern(group)) for group in (at_start, anywhere) if group)
    return KeyIndex(patterns, equals, frozenset(equals), rules_by_match)


def _rules_of_prefixes(key: str, rules_by_key: dict[str, list[int]]) -> Iterable[int]:
    return {i for n in range(1, len(key) + 1) for i in rules_by_key.get(key[:n], ())}


def _trie_pattern(keys: list[str]) -> str:
    trie: _Trie = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: _Trie) -> str:
    branches = [re.escape(c) + _node_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    # Plain groups: atomic ones measured slower, though nothing here ever backtracks.
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy: the longest key at a position wins, the shorter ones are recovered as prefixes.
    return f"(?:{body})?" if "" in node else body
