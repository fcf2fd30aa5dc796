"""SCIM filters (RFC 7644 §3.4.2.2) and sort orders (§3.4.2.3): parse, check, compile, evaluate.

The public surface, used by the SCIM service, the console's people search and PATCH value paths:

- ``compile_user_filter`` / ``compile_group_filter`` / ``compile_filter``: a filter's text to a
  SQLAlchemy condition on ``users`` / ``groups`` (every value a bound parameter);
  ``user_filter`` adds the ``userName eq`` fast path; ``sort_expression`` a sortBy's column.
- ``FilterProfile``, ``RFC_FILTERS``, ``filter_profile_for``: which filters a
  client profile may use.
- ``parse_filter`` / ``parse_value_filter`` and the tree (``Node``, ``Compare``, ``And``...):
  a checked, typed filter; ``matches`` evaluates one against an in-memory value.

Inside: ``literals`` lifts JSON literals out before the library's lexer, ``syntax`` parses and
checks against the schema, ``columns`` says where each attribute is stored, ``compile`` builds
SQL, ``evaluate`` evaluates in memory.
"""

from gateway.scim.filters.columns import LOGIN_TYPE_TO_DB
from gateway.scim.filters.compile import (
    RFC_FILTERS,
    FilterProfile,
    checked_filter,
    compile_filter,
    compile_group_filter,
    compile_user_filter,
    filter_profile_for,
    sort_expression,
    user_filter,
)
from gateway.scim.filters.evaluate import matches
from gateway.scim.filters.syntax import (
    And,
    Compare,
    Node,
    Not,
    Or,
    Present,
    ValuePath,
    parse_filter,
    parse_value_filter,
)

__all__ = [
    "LOGIN_TYPE_TO_DB",
    "RFC_FILTERS",
    "And",
    "Compare",
    "FilterProfile",
    "Node",
    "Not",
    "Or",
    "Present",
    "ValuePath",
    "checked_filter",
    "compile_filter",
    "compile_group_filter",
    "compile_user_filter",
    "filter_profile_for",
    "matches",
    "parse_filter",
    "parse_value_filter",
    "sort_expression",
    "user_filter",
]
