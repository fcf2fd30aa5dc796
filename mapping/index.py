"""The value index of the compiled evaluator: every anchor of one attribute, looked up at once.

Each operator becomes a *key* (``anchor_keys``) found in an attribute's values, one per sign-in
and case mode:

- ``equals w``: the whole value ``w``, by hash;
- ``starts_with w``: a value's first ``len(w)`` characters, by hash, one lookup per distinct
  key length;
- ``regex p``: likewise ``L``, a literal every full match of ``p`` starts with;
- ``contains w``: ``w`` anywhere in the *text*, the values joined and framed by ``SEPARATOR``
  (``\\0v1\\0v2\\0``), with one trie-shaped pattern searched by one C-level ``findall``.

Every key above is a literal that the framed text holds when the anchor may hold, so one RE2
set of them all (``regex.literal_set``), run once on the text's UTF-8, finds every key at once
in C, in time linear in the text: about half of what the lookups below cost in Python
(callgrind, bench/profiling_notes.md). The lookups remain for a key set RE2 cannot build.

Keys at a value's start are hashed rather than put in a pattern: with thousands of keys a trie
pattern grows to hundreds of kilobytes, and walking it misses the CPU caches at every branch.
A hit names the rules whose anchor it proves (or, for cut keys and regexes, makes possible).
The same framing turns the check of any other condition into plain ``needle in text`` tests
(``needles``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import cast

from .facts import SEPARATOR
from .model import Condition, Rule
from .regex import RulePattern, encode, literal_set

# Keys are cut to this length: a text holding the full key holds its prefix too, and the cut
# bounds the nesting of the trie pattern.
MAX_KEY_LENGTH = 48
# Characters whose re.IGNORECASE matches all casefold to the character's own casefold, so a
# case-insensitive literal can be looked for in the casefolded text (``i`` also matches the
# dotted capital and dotless i, which casefold differently). A test checks every code point.
IGNORECASE_SAFE = frozenset(chr(c) for c in range(32, 127)) - {"i", "I"}
_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_OPTIONAL_SUFFIX = frozenset("*?{")
# A trie node: a child per next character; the key "" marks the end of a key.
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


def regex_literal(pattern: RulePattern) -> str | None:
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
    if condition.operator == "equals":
        return found  # looked up whole, by hash: nothing to cut
    return tuple(_cut(n) for n in found)


_ANCHOR_RANK = {"equals": 0, "starts_with": 1, "contains": 2, "regex": 3}


def choose_anchor(rule: Rule) -> tuple[Condition, tuple[str, ...]] | None:
    """The condition a rule is indexed by, with its keys: the one whose values narrow the
    candidates most (equals, then starts_with, contains, regex); None when none can be."""
    keyed = [(c, anchor_keys(c)) for c in rule.conditions]
    usable = [(c, keys) for c, keys in keyed if keys is not None]
    return min(usable, key=lambda ck: _ANCHOR_RANK[ck[0].operator], default=None)


def proven_by_hit(condition: Condition) -> bool:
    """Whether finding one of the condition's keys means it holds (nothing was cut off)."""
    found = needles(condition)
    if found is None:
        return False
    return condition.operator == "equals" or all(len(n) <= MAX_KEY_LENGTH for n in found)


def _cut(key: str) -> str:
    return key[:MAX_KEY_LENGTH]


@dataclass(frozen=True)
class KeyIndex:
    """The anchors of one attribute key in one case mode, found in its values and text."""

    # Equals keys by the whole value, keys at a value start by each of their lengths.
    equals: dict[str, tuple[int, ...]]
    equals_keys: frozenset[str]
    prefixes: tuple[tuple[Callable[[str], str], frozenset[str]], ...]
    rules_by_prefix: dict[str, tuple[int, ...]]
    # Keys anywhere: one trie-shaped pattern, searched with one C-level findall. findall
    # reports the longest key found at a position and resumes after it, so each match names
    # the rules of itself and of every key inside it; keys that can start inside another key
    # and end past it would be skipped, so such a set is searched one match at a time.
    anywhere: re.Pattern[str] | None
    anywhere_overlaps: bool
    rules_by_match: dict[str, tuple[int, ...]]
    # Every key at once (None: RE2 could not build the set; the lookups above serve), and
    # the rules of each key by its position in the set.
    key_set: Callable[[bytes], list[int] | None] | None = None
    rules_by_position: tuple[tuple[int, ...], ...] = ()

    def hits(self, values: tuple[str, ...], text: str, into: set[int]) -> None:
        """Add the rules whose anchor key occurs in the values or their framed text (both
        casefolded or both raw, as the index is)."""
        update = into.update
        key_set = self.key_set
        if key_set is not None:
            rules_by_position = self.rules_by_position
            for position in key_set(encode(text)) or ():
                update(rules_by_position[position])
            return
        if self.equals_keys:
            equals = self.equals
            for value in self.equals_keys.intersection(values):
                update(equals[value])
        if self.prefixes:
            rules = self.rules_by_prefix
            for cut, keys in self.prefixes:
                for prefix in keys.intersection(map(cut, values)):
                    update(rules[prefix])
        anywhere = self.anywhere
        if anywhere is None:
            return
        rules = self.rules_by_match
        if not self.anywhere_overlaps:
            for key in anywhere.findall(text):
                update(rules[key])
            return
        search = anywhere.search
        m = search(text)
        while m is not None:
            update(rules[m.group()])
            # Restart one character later: a later key may overlap this one.
            m = search(text, m.start() + 1)


def build_index(rules_by_key: dict[str, list[int]], *, use_key_set: bool = True) -> KeyIndex:
    """The index of the given keys, each with the 0-based rules it anchors: one RE2 key set,
    or (without ``use_key_set``, or when RE2 cannot build it) the lookups."""
    keys = sorted(rules_by_key)
    key_set = literal_set(keys) if use_key_set else None
    if key_set is not None:
        by_position = tuple(tuple(sorted(set(rules_by_key[key]))) for key in keys)
        return KeyIndex({}, frozenset(), (), {}, None, False, {}, key_set, by_position)
    equals: dict[str, tuple[int, ...]] = {}
    rules_by_prefix: dict[str, tuple[int, ...]] = {}
    by_length: dict[int, set[str]] = {}
    for key, rules in rules_by_key.items():
        if not key.startswith(SEPARATOR):
            continue
        if len(key) > 1 and key.endswith(SEPARATOR):
            equals[key[1:-1]] = tuple(sorted(set(rules)))
        else:
            rules_by_prefix[key[1:]] = tuple(sorted(set(rules)))
            by_length.setdefault(len(key) - 1, set()).add(key[1:])
    prefixes = tuple(
        (cast(Callable[[str], str], itemgetter(slice(0, n))), frozenset(keys))
        for n, keys in sorted(by_length.items())
    )
    anywhere = sorted(k for k in rules_by_key if not k.startswith(SEPARATOR))
    trie = _trie(anywhere)
    rules_by_match: dict[str, tuple[int, ...]] = {}
    overlaps = False
    for key in anywhere:
        inside = set()
        for offset in range(len(key)):
            for end in _ends(trie, key[offset:]):
                inside.update(rules_by_key[key[offset : offset + end]])
            overlaps = overlaps or (offset > 0 and _continues_past(trie, key[offset:]))
        rules_by_match[key] = tuple(sorted(inside))
    return KeyIndex(
        equals,
        frozenset(equals),
        prefixes,
        rules_by_prefix,
        re.compile(_node_pattern(trie)) if anywhere else None,
        overlaps,
        rules_by_match,
    )


def _trie(keys: list[str]) -> _Trie:
    trie: _Trie = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def _ends(trie: _Trie, text: str) -> Iterator[int]:
    """The lengths of the keys that prefix ``text``."""
    node = trie
    for length, char in enumerate(text, 1):
        child = node.get(char)
        if child is None:
            return
        node = child
        if "" in node:
            yield length


def _continues_past(trie: _Trie, text: str) -> bool:
    """Whether some key is longer than ``text`` and starts with it."""
    node = trie
    for char in text:
        child = node.get(char)
        if child is None:
            return False
        node = child
    return any(node)  # a character child, not just the end mark ""


def _node_pattern(node: _Trie) -> str:
    branches = [re.escape(c) + _node_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    # Plain groups: atomic ones measured slower, though nothing here ever backtracks.
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy: the longest key at a position wins, the shorter ones are recovered as prefixes.
    return f"(?:{body})?" if "" in node else body
