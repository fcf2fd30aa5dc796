"""``attribute op "string"`` filters are read without the library: exactly as the full parse
reads them, and every other filter (or refusal) is left to the full parse."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.scim.errors import InvalidFilter
from gateway.scim.filters import parse_filter
from gateway.scim.filters import syntax as filter_ast
from gateway.scim.schemas import GROUP, USER

FAST = [
    'userName eq "bjensen@example.com"',
    'USERNAME Eq "bjensen@example.com"',
    'username EQ "BJensen"',
    '  userName   eq   "x"  ',
    'userName\teq\t"x"\t',
    'userName eq ""',
    'userName eq "a\\"b"',
    'userName eq "back\\\\slash"',
    'userName eq "tab\\there \\u00e9t\\u00E9 \\/ \\n"',
    'userName eq "\\ud83d\\ude00"',
    'userName eq "and or not ) ( [ ] eq"',
    'userName eq "true"',
    'userName eq "42"',
    'userName ne "x"',
    'userName co "x"',
    'userName sw "x"',
    'userName gt "x"',
    'externalId eq "ext-1"',
    'displayName eq "Ops"',
    'emails eq "a@b.c"',
    'title eq "tab\tinside"',
]
FALLBACK = [
    'userName eq "a" and title eq "b"',
    'userName eq "a" or userName eq "b"',
    'not (userName eq "a")',
    '(userName eq "a")',
    'userName eq"a"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"',
    'name.givenName eq "a"',
    'emails[value eq "a"]',
    "userName eq 42",
    "userName eq true",
    "userName eq null",
    "userName pr",
    'nosuch eq "a"',
    'userName eq "a" ',
    'userName xx "a"',
]
REFUSED = [
    'userName eq "unterminated',
    'userName eq "bad \\x escape"',
    'userName eq "lone \\ud800 surrogate"',
    'userName eq "a" "b"',
    'userName eq "a"b"',
    'nosuch eq "a"',
    'active eq "true"',
    'meta eq "x"',
    'userName pr "a"',
    'userName or "a"',
    'userName eq "a\\\n"',
]


def _full(text: str, resource: Any = USER) -> Any:
    """The full parse, with the fast path switched off."""
    original = filter_ast._SIMPLE
    filter_ast._SIMPLE = filter_ast.re.compile(r"(?!)")
    try:
        return parse_filter(text, resource)
    finally:
        filter_ast._SIMPLE = original


def _outcome(parse: Any, text: str) -> Any:
    try:
        return parse(text)
    except InvalidFilter as e:
        return ("refused", e.message)


@pytest.mark.parametrize("text", FAST)
def test_a_simple_comparison_takes_the_fast_path_and_reads_as_the_full_parse(text: str) -> None:
    resource = GROUP if text.startswith("displayName") else USER
    fast = filter_ast._simple_compare(text, resource)
    assert fast is not None
    assert fast == _full(text, resource)
    assert parse_filter(text, resource) == fast


@pytest.mark.parametrize("text", FALLBACK)
def test_anything_else_is_left_to_the_full_parse(text: str) -> None:
    if text == 'userName eq "a" ':
        text = 'userName eq "a" \n'  # a newline is not among the spaces the fast path skips
    assert filter_ast._simple_compare(text, USER) is None
    assert _outcome(lambda t: parse_filter(t, USER), text) == _outcome(_full, text)


@pytest.mark.parametrize("text", REFUSED)
def test_refusals_are_the_full_parses_refusals(text: str) -> None:
    expected = _outcome(_full, text)
    assert expected[0] == "refused"
    assert _outcome(lambda t: parse_filter(t, USER), text) == expected
