"""What an evaluation looks at: the asserted attributes, the user's current state, the account."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .model import GROUP_KINDS, RuleResult, fold

# Joins an attribute's values into one text for single-call substring search; rule values
# containing it are never indexed, so a match can never span two asserted values.
SEPARATOR = "\x00"


@dataclass(frozen=True, init=False)
class Attribute:
    """One asserted SAML attribute: its Name, optional FriendlyName and values."""

    name: str
    values: tuple[str, ...]
    friendly_name: str | None = None

    def __init__(self, name: str, values: tuple[str, ...], friendly_name: str | None = None):
        # Written straight into __dict__: a sign-in builds one per asserted attribute, and
        # the frozen dataclass's generated __init__ (object.__setattr__ per field) is slower.
        fields = self.__dict__
        fields["name"] = name
        fields["values"] = values
        fields["friendly_name"] = friendly_name


class AttributeView(NamedTuple):
    """The values asserted under one key (Name or FriendlyName), in the forms matching needs.

    A NamedTuple rather than a frozen dataclass: one is built per attribute per sign-in, on
    the hot path, and a tuple builds several times faster.
    """

    raw: tuple[str, ...]
    folded: tuple[str, ...]
    raw_set: frozenset[str]
    folded_set: frozenset[str]
    raw_text: str
    folded_text: str


EMPTY_VIEW = AttributeView((), (), frozenset(), frozenset(), "", "")


@dataclass(frozen=True)
class SignInFacts:
    """The attributes of one sign-in; a condition names an attribute by its Name or FriendlyName.

    When several attributes answer to the same key (one by Name, another by FriendlyName),
    their values are pooled.
    """

    attributes: tuple[Attribute, ...] = ()
    _by_key: dict[str, tuple[str, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # Views are built on first use: a sign-in asserts many attributes no rule looks at.
    _views: dict[str, AttributeView] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        by_key = self._by_key
        get = by_key.get
        for attribute in self.attributes:
            name, values, friendly = attribute.name, attribute.values, attribute.friendly_name
            if type(values) is not tuple:
                values = tuple(values)
            pooled = get(name)
            by_key[name] = values if pooled is None else pooled + values
            if friendly and friendly != name:
                pooled = get(friendly)
                by_key[friendly] = values if pooled is None else pooled + values

    @classmethod
    def of(cls, attributes: Mapping[str, Iterable[str] | str]) -> SignInFacts:
        """Facts from a plain ``{name: values}`` mapping (no FriendlyNames), e.g. for explain."""
        return cls(
            tuple(
                Attribute(name, (values,) if isinstance(values, str) else tuple(values))
                for name, values in attributes.items()
            )
        )

    def values(self, key: str) -> tuple[str, ...]:
        """The raw values asserted under ``key`` (Name or FriendlyName); empty when absent."""
        return self._by_key.get(key, ())

    def view(self, key: str) -> AttributeView:
        """The values under ``key`` in raw and case-folded forms, cached per key."""
        view = self._views.get(key)
        if view is None:
            raw = self._by_key.get(key)
            if raw is None:
                return EMPTY_VIEW
            raw_text = SEPARATOR.join(raw)
            folded_text = fold(raw_text)
            # One casefold of the joined text, split back, unless a value holds the separator.
            folded = tuple(folded_text.split(SEPARATOR))
            if len(folded) != len(raw):
                folded = tuple(fold(v) for v in raw)
            view = AttributeView(
                raw, folded, frozenset(raw), frozenset(folded), raw_text, folded_text
            )
            self._views[key] = view
        return view


def _no_groups() -> Mapping[str, frozenset[str]]:
    return {kind: frozenset() for kind in GROUP_KINDS}


@dataclass(frozen=True)
class UserState:
    """The user as the gateway knows them before this sign-in (``exists=False`` for JIT)."""

    exists: bool = False
    is_owner: bool = False
    license_type: str | None = None
    addons: frozenset[str] = frozenset()
    groups: Mapping[str, frozenset[str]] = field(default_factory=_no_groups)
    has_upcoming_meetings: bool = False
    # The user's current values of SETTING_CATEGORIES (absent: none).
    settings: Mapping[str, RuleResult] = field(default_factory=dict)

    def groups_of(self, kind: str) -> frozenset[str]:
        """The user's current groups of one kind (user_group, im_group, contact_group)."""
        return self.groups.get(kind, frozenset())


@dataclass(frozen=True)
class AccountFacts:
    """The account whose rules are evaluated.

    ``routes_sub_accounts`` is true when these are the master's rules and the user signs in
    through the master's SSO; only then do ``sub_account`` rules route anyone.
    """

    default_license_type: str = "Basic"
    routes_sub_accounts: bool = False
