"""Whatever a client sends as a filter, the answer is a WHERE clause or a 400 invalidFilter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.scim.errors import InvalidFilter
from gateway.scim.filters import compile_group_filter, compile_user_filter

TOKENS = st.sampled_from(
    [
        "userName",
        "emails",
        "name.givenName",
        "meta.created",
        "active",
        "members",
        "[",
        "]",
        "(",
        ")",
        " ",
        "eq",
        "ne",
        "co",
        "pr",
        "gt",
        "and",
        "or",
        "not",
        '"x"',
        '"a\\"b"',
        "true",
        "null",
        "42",
        "-1.5",
        ".value",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        '"',
        "\\",
        "type",
        "value",
        "displayName",
        "\t",
    ]
)


def _compiles_or_refuses(text: str) -> None:
    for compile_ in (compile_user_filter, compile_group_filter):
        try:
            compile_(text)
        except InvalidFilter as exc:
            assert exc.to_scim()["scimType"] == "invalidFilter"
            assert exc.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_random_text_never_leaks_a_parser_exception(text: str) -> None:
    _compiles_or_refuses(text)


@settings(max_examples=600, deadline=None)
@given(st.lists(TOKENS, max_size=14).map(" ".join))
def test_filter_shaped_noise_never_leaks_a_parser_exception(text: str) -> None:
    _compiles_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(TOKENS, max_size=10).map("".join))
def test_glued_tokens_never_leak_a_parser_exception(text: str) -> None:
    _compiles_or_refuses(text)
