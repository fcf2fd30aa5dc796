"""Where each filterable SCIM attribute is stored in the ``users``/``groups`` tables.

The ``profile`` JSON column of ``users`` holds everything without a column of its own, keyed by
the SCIM attribute name without URN: ``nickName``, ``title``, ``profileUrl``, ``locale``,
``preferredLanguage``, ``timezone``, ``name`` ({formatted, middleName, honorificPrefix,
honorificSuffix}), the enterprise ``department``, ``organization``, ``costCenter``, ``division``
and ``manager`` ({value, displayName}), the extension's ``personalLinkName`` and ``pronouns``,
and the multi-valued ``emails`` (as the client sent them), ``phoneNumbers``, ``addresses``,
``ims``, ``photos``, ``entitlements``, ``roles``, ``x509Certificates``: JSON lists, filtered value
by value (``Listed``). A user whose ``profile`` has no ``emails`` shows its sign-in email alone
(``email``, ``email_type``, primary), so ``emails`` filters fall back to those columns; sorting
by ``emails`` uses the sign-in email (the primary one). ``email_key`` is ``email.lower()``.
``userName`` is ``user_name`` when set, else ``email`` (``resources.scim_user_name``), so its
lower-cased key is ``coalesce(user_name_key, email_key)``, the expression of the unique index
``ix_users_scim_user_name`` (``userName eq`` lookups use it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from gateway.scim.filters.json_lists import element_field, list_elements
from gateway.scim.schema_model import Attribute
from gateway.scim.schemas import ENTERPRISE_URN, USER_SCHEMA, ZOOM_URN
from gateway.store.schema import group_members, groups, scim_user_name_key, users

LOGIN_TYPE_TO_DB = {"workEmail": "work_email", "sso": "sso"}
USER_NAME_KEY = scim_user_name_key
# A user without an email (``email`` NULL) has no ``emails``: its type and primary are absent too.
_HAS_EMAIL = users.c.email_key.is_not(None)
EMAIL_TYPE: ColumnElement[str] = sa.case((_HAS_EMAIL, users.c.email_type), else_=sa.null())
EMAIL_PRIMARY: ColumnElement[bool] = sa.case((_HAS_EMAIL, sa.true()), else_=sa.null())


@dataclass(frozen=True)
class Stored:
    """A value held in a column or a JSON path of the row."""

    column: ColumnElement[Any]
    nullable: bool = True
    # The column already holds the lower-cased value (``email_key``), so only the value folds.
    lowered: bool = False
    to_db: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Constant:
    """A sub-attribute every stored value has (``emails.primary`` is the one email)."""

    value: Any


@dataclass(frozen=True)
class ActiveFlag:
    """``active`` is true exactly when ``status`` is ``active``."""

    column: ColumnElement[Any]


Location = Stored | Constant | ActiveFlag
# The one ``emails`` value of a user that keeps no list: its sign-in email.
_SIGN_IN_EMAIL: dict[str, Location] = {
    "value": Stored(users.c.email_key, lowered=True),
    "type": Stored(EMAIL_TYPE),
    "primary": Stored(EMAIL_PRIMARY),
}


@dataclass(frozen=True)
class Related:
    """A multi-valued attribute held in other rows, tested with a correlated EXISTS."""

    source: sa.FromClause
    correlate: ColumnElement[bool]
    members: Mapping[str, Location]


@dataclass(frozen=True)
class Alone:
    """The one value shown when a user keeps no list: ``emails`` is then the sign-in email."""

    when: ColumnElement[bool]
    members: Mapping[str, Location]


@dataclass(frozen=True)
class Listed:
    """A multi-valued attribute kept as a JSON list in ``profile``: any element may match."""

    elements: Related
    alone: Alone | None = None


@dataclass(frozen=True)
class TableMap:
    """The attribute locations of one resource type, keyed by casefolded qualified name."""

    table: sa.Table
    attrs: Mapping[str, Location | Related | Listed] = field(default_factory=dict)

    def locate(self, qualified: str) -> Location | Related | Listed | None:
        """The location of a qualified attribute path (``name.givenName``), or None."""
        return self.attrs.get(qualified.casefold())


def _json(*path: str) -> Stored:
    expr = users.c.profile[path if len(path) > 1 else path[0]].as_string()
    return Stored(expr)


def _membership(owner: sa.Table, own_key: str, other: sa.Table, kind: str) -> Related:
    """``groups`` of a User or ``members`` of a Group: rows of ``group_members``."""
    other_key = "group_id" if own_key == "user_id" else "user_id"
    member = group_members.alias("scim_gm")
    joined = other.alias(f"scim_{other.name}")
    display = joined.c.display_name
    return Related(
        source=member.join(joined, joined.c.id == member.c[other_key]),
        correlate=member.c[own_key] == owner.c.id,
        members={
            "value": Stored(member.c[other_key], nullable=False),
            "display": Stored(display, nullable=bool(display.nullable)),
            "type": Constant(kind),
        },
    )


def _listed(attribute: Attribute) -> Listed:
    """``attribute`` (a multi-valued complex one) kept as a list in ``profile``.

    ``emails`` without a list shows the sign-in email alone (``resources._user_resource``).
    """
    elements = list_elements(users.c.profile, attribute.name, f"scim_{attribute.name}")
    members: dict[str, Location] = {
        sub.name.casefold(): Stored(element_field(elements, sub.name, sub.type))
        for sub in attribute.sub_attributes
    }
    alone = None
    if attribute.name == "emails":
        no_list = ~sa.exists(sa.select(sa.literal(1)).select_from(elements))
        alone = Alone(sa.and_(_HAS_EMAIL, no_list), _SIGN_IN_EMAIL)
    return Listed(Related(elements, sa.true(), members), alone)


def _profile_lists() -> dict[str, Location | Related | Listed]:
    """Every multi-valued attribute of the User kept in ``profile`` (all but ``groups``)."""
    return {
        attribute.name.casefold(): _listed(attribute)
        for attribute in USER_SCHEMA.attributes
        if attribute.multi_valued and attribute.name != "groups"
    }


def _common(table: sa.Table) -> dict[str, Location | Related | Listed]:
    return {
        "id": Stored(table.c.id, nullable=False),
        "externalid": Stored(table.c.external_id),
        "meta.created": Stored(table.c.created_at, nullable=False),
        "meta.lastmodified": Stored(table.c.updated_at, nullable=False),
    }


def _user_attrs() -> dict[str, Location | Related | Listed]:
    ent = ENTERPRISE_URN.casefold()
    zoom = ZOOM_URN.casefold()
    attrs: dict[str, Location | Related | Listed] = {
        **_common(users),
        "username": Stored(USER_NAME_KEY, nullable=False, lowered=True),
        "name.givenname": Stored(users.c.first_name),
        "name.familyname": Stored(users.c.last_name),
        "displayname": Stored(users.c.display_name),
        "usertype": Stored(users.c.license_type, nullable=False),
        "active": ActiveFlag(users.c.status),
        **_profile_lists(),
        # Sorting by ``emails`` (RFC 7644 §3.4.2.3: its primary value) uses the sign-in email.
        **{f"emails.{k}": v for k, v in _SIGN_IN_EMAIL.items()},
        "groups": _membership(users, "user_id", groups, "direct"),
        f"{ent}:employeenumber": Stored(users.c.employee_id),
        f"{ent}:manager.value": _json("manager", "value"),
        f"{ent}:manager.displayname": _json("manager", "displayName"),
        f"{zoom}:logintype": Stored(users.c.login_type, nullable=False, to_db=LOGIN_TYPE_TO_DB),
        f"{zoom}:status": Stored(users.c.status, nullable=False),
    }
    for sub in ("formatted", "middleName", "honorificPrefix", "honorificSuffix"):
        attrs[f"name.{sub.casefold()}"] = _json("name", sub)
    for key in ("nickName", "title", "profileUrl", "preferredLanguage", "locale", "timezone"):
        attrs[key.casefold()] = _json(key)
    for key in ("costCenter", "organization", "division", "department"):
        attrs[f"{ent}:{key.casefold()}"] = _json(key)
    for key in ("personalLinkName", "pronouns"):
        attrs[f"{zoom}:{key.casefold()}"] = _json(key)
    return attrs


USER_MAP = TableMap(users, _user_attrs())
GROUP_MAP = TableMap(
    groups,
    {
        **_common(groups),
        "displayname": Stored(groups.c.display_name, nullable=False),
        "members": _membership(groups, "group_id", users, "User"),
    },
)
