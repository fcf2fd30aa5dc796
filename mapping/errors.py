"""The one exception base of the mapping engine: every refusal names its code, rule and field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


class MappingError(Exception):
    """A rule or rule set that cannot be used, with a stable code a test or a person can act on.

    ``position`` is the rule's 1-based position in the rule set ("rule 3"), or None when the
    problem is not tied to one rule; ``field`` is a path inside that rule, such as
    ``"conditions[2].values[1]"`` (1-based too), or None.
    """

    status: ClassVar[int] = 400
    code: ClassVar[str] = "mapping_error"

    def __init__(self, message: str, *, position: int | None = None, field: str | None = None):
        where = _where(position, field)
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.position = position
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the refusal."""
        return {
            "code": self.code,
            "position": self.position,
            "field": self.field,
            "message": str(self),
        }


def _where(position: int | None, field: str | None) -> str:
    parts = []
    if position is not None:
        parts.append(f"Rule {position}")
    if field is not None:
        parts.append(f"field {field}" if parts else f"Field {field}")
    return ", ".join(parts)


class UnknownCategory(MappingError):
    code = "unknown_category"


class UnknownSubAccount(MappingError):
    code = "unknown_sub_account"


class UnknownLicenseType(MappingError):
    code = "unknown_license_type"


class UnknownRole(MappingError):
    code = "unknown_role"


class BadRegex(MappingError):
    code = "bad_regex"


class EmptyConditions(MappingError):
    code = "empty_conditions"


class UnknownOperator(MappingError):
    code = "unknown_operator"


class BadResult(MappingError):
    code = "bad_result"


class MalformedRule(MappingError):
    code = "malformed_rule"


class UnparseableDocument(MappingError):
    code = "unparseable"


class RuleSetInvalid(MappingError):
    """Every problem found in one rule set, so an import reports them all at once."""

    code = "invalid_rule_set"

    def __init__(self, errors: Iterable[MappingError]):
        self.errors: tuple[MappingError, ...] = tuple(errors)
        lines = "\n".join(f"- [{e.code}] {e}" for e in self.errors)
        super().__init__(f"{len(self.errors)} problem(s) in the rule set:\n{lines}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the refusal, listing every problem."""
        body = super().to_dict()
        body["errors"] = [e.to_dict() for e in self.errors]
        return body
