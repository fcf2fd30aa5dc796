"""The schemas this server speaks, as data: RFC 7643 §4.1 User, §4.3 Enterprise User, §4.2
Group, and the SaaS's own user extension."""

from __future__ import annotations

from gateway.scim.schema_model import Attribute, AttrType, ResourceType, Schema

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOOM_URN = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"

LICENSE_TYPES = ("Basic", "Licensed", "On-Prem")
LOGIN_TYPES = ("workEmail", "sso")
USER_STATUSES = ("active", "pending", "deactivated")


def _multi(
    name: str,
    types: tuple[str, ...],
    *,
    value_type: AttrType = "string",
    description: str = "",
) -> Attribute:
    """A multi-valued complex attribute with the usual value/display/type/primary."""
    return Attribute(
        name,
        "complex",
        multi_valued=True,
        description=description,
        sub_attributes=(
            Attribute("value", value_type),
            Attribute("display"),
            Attribute("type", canonical_values=types),
            Attribute("primary", "boolean"),
        ),
    )


COMMON_ATTRIBUTES = (
    Attribute(
        "id",
        case_exact=True,
        mutability="readOnly",
        returned="always",
        uniqueness="server",
        description="Unique identifier issued by the service provider.",
    ),
    Attribute("externalId", case_exact=True, description="Identifier issued by the client."),
    Attribute(
        "meta",
        "complex",
        mutability="readOnly",
        sub_attributes=(
            Attribute("resourceType", case_exact=True, mutability="readOnly"),
            Attribute("created", "dateTime", mutability="readOnly"),
            Attribute("lastModified", "dateTime", mutability="readOnly"),
            Attribute("location", "reference", case_exact=True, mutability="readOnly"),
            Attribute("version", case_exact=True, mutability="readOnly"),
        ),
    ),
)

_NAME = Attribute(
    "name",
    "complex",
    sub_attributes=tuple(
        Attribute(n)
        for n in (
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        )
    ),
)

_ADDRESSES = Attribute(
    "addresses",
    "complex",
    multi_valued=True,
    sub_attributes=(
        *(
            Attribute(n)
            for n in ("formatted", "streetAddress", "locality", "region", "postalCode", "country")
        ),
        Attribute("type", canonical_values=("work", "home", "other")),
        Attribute("primary", "boolean"),
    ),
)

_GROUPS = Attribute(
    "groups",
    "complex",
    multi_valued=True,
    mutability="readOnly",
    sub_attributes=(
        Attribute("value", mutability="readOnly"),
        Attribute("$ref", "reference", mutability="readOnly", reference_types=("Group",)),
        Attribute("display", mutability="readOnly"),
        Attribute("type", mutability="readOnly", canonical_values=("direct", "indirect")),
    ),
)

USER_SCHEMA = Schema(
    USER_URN,
    "User",
    "User Account",
    (
        Attribute(
            "userName",
            required=True,
            uniqueness="server",
            description=(
                "Unique across the service, case-insensitively. An email address is the email "
                "the user signs in with; any other userName needs an email in 'emails' (the "
                "primary, else the first work, else the first one), which is then the sign-in "
                "email. Zoom's dialect (/scim2) accepts only an email address."
            ),
        ),
        _NAME,
        Attribute("displayName"),
        Attribute("nickName"),
        Attribute("profileUrl", "reference", reference_types=("external",)),
        Attribute("title"),
        Attribute(
            "userType",
            required=True,
            canonical_values=LICENSE_TYPES,
            enforce_canonical=True,
            server_default="Basic",
            description=(
                "The license: Licensed and On-Prem take a seat of the account's pool, Basic "
                "none. Always has a value: Basic when a create leaves it out, unchanged when a "
                "replace does; it cannot be removed (400 mutability)."
            ),
        ),
        Attribute("preferredLanguage"),
        Attribute("locale"),
        Attribute("timezone"),
        Attribute(
            "active",
            "boolean",
            required=True,
            server_default=True,
            description=(
                "Always has a value: true when a create leaves it out, unchanged when a replace "
                "does; it cannot be removed (400 mutability). A pending user (awaiting email "
                "activation) stays false when a client sends true, until its link is followed; "
                "false sent by a client deactivates it, and true later makes it pending again."
            ),
        ),
        Attribute("password", mutability="writeOnly", returned="never"),
        _multi("emails", ("work", "home", "other")),
        _multi("phoneNumbers", ("work", "home", "mobile", "fax", "pager", "other")),
        _multi("ims", ("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
        _multi("photos", ("photo", "thumbnail"), value_type="reference"),
        _ADDRESSES,
        _GROUPS,
        _multi("entitlements", ()),
        _multi("roles", ()),
        _multi("x509Certificates", (), value_type="binary"),
    ),
)

ENTERPRISE_SCHEMA = Schema(
    ENTERPRISE_URN,
    "EnterpriseUser",
    "Enterprise User",
    (
        Attribute("employeeNumber"),
        Attribute("costCenter"),
        Attribute("organization"),
        Attribute("division"),
        Attribute("department"),
        Attribute(
            "manager",
            "complex",
            sub_attributes=(
                Attribute("value"),
                Attribute("$ref", "reference", reference_types=("User",)),
                Attribute("displayName", mutability="readOnly"),
            ),
        ),
    ),
)

ZOOM_SCHEMA = Schema(
    ZOOM_URN,
    "ZoomUser",
    "The SaaS's user extension",
    (
        Attribute(
            "loginType",
            required=True,
            canonical_values=LOGIN_TYPES,
            enforce_canonical=True,
            server_default="workEmail",
            description=(
                "How the user signs in. Always has a value: workEmail when a create leaves it "
                "out, unchanged when a replace does; it cannot be removed (400 mutability)."
            ),
        ),
        Attribute("personalLinkName"),
        Attribute("pronouns"),
        Attribute(
            "status",
            mutability="readOnly",
            returned="request",
            canonical_values=USER_STATUSES,
            description=(
                "active, pending (awaiting email activation: active is false until the emailed "
                "link is followed) or deactivated. Returned when asked for "
                "(attributes=urn:ietf:params:scim:schemas:extension:zoom:1.0:User:status)."
            ),
        ),
    ),
)

GROUP_SCHEMA = Schema(
    GROUP_URN,
    "Group",
    "Group",
    (
        Attribute("displayName", required=True),
        Attribute(
            "members",
            "complex",
            multi_valued=True,
            sub_attributes=(
                Attribute("value", case_exact=True, mutability="immutable"),
                Attribute(
                    "$ref", "reference", mutability="immutable", reference_types=("User", "Group")
                ),
                Attribute("display", mutability="readOnly"),
                Attribute("type", mutability="immutable", canonical_values=("User", "Group")),
            ),
        ),
    ),
)

USER = ResourceType(
    "User",
    "/Users",
    "User Account",
    USER_SCHEMA,
    COMMON_ATTRIBUTES,
    ((ENTERPRISE_SCHEMA, False), (ZOOM_SCHEMA, True)),
)

GROUP = ResourceType("Group", "/Groups", "Group", GROUP_SCHEMA, COMMON_ATTRIBUTES)

RESOURCE_TYPES = (USER, GROUP)
SCHEMAS = (USER_SCHEMA, ENTERPRISE_SCHEMA, ZOOM_SCHEMA, GROUP_SCHEMA)


def resource_type(name: str) -> ResourceType:
    """The resource type called ``name`` ("User" or "Group", case-insensitive).

    Raises KeyError when there is none.
    """
    folded = name.casefold()
    for candidate in RESOURCE_TYPES:
        if candidate.name.casefold() == folded:
            return candidate
    raise KeyError(name)
