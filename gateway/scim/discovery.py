"""Discovery documents: RFC 7644 §4 ``/ServiceProviderConfig``, ``/ResourceTypes``, ``/Schemas``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.scim.schema_model import Attribute, ResourceType, Schema
from gateway.scim.schemas import RESOURCE_TYPES, SCHEMAS

SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass(frozen=True)
class ScimLimits:
    """The limits the server enforces and advertises (RFC 7643 §5)."""

    max_operations: int = 1000
    max_payload_size: int = 1_048_576
    max_results: int = 1000
    documentation_uri: str | None = None


def render_attribute(attribute: Attribute) -> dict[str, Any]:
    """An attribute definition as it appears in a Schema resource (RFC 7643 §7)."""
    body: dict[str, Any] = {
        "name": attribute.name,
        "type": attribute.type,
        "multiValued": attribute.multi_valued,
        "description": attribute.description,
        "required": attribute.required,
        "mutability": attribute.mutability,
        "returned": attribute.returned,
    }
    if attribute.type in {"string", "reference", "binary"}:
        body["caseExact"] = attribute.case_exact
    if attribute.type != "complex":
        body["uniqueness"] = attribute.uniqueness
    if attribute.canonical_values:
        body["canonicalValues"] = list(attribute.canonical_values)
    if attribute.reference_types:
        body["referenceTypes"] = list(attribute.reference_types)
    if attribute.sub_attributes:
        body["subAttributes"] = [render_attribute(sub) for sub in attribute.sub_attributes]
    return body


def render_schema(schema: Schema, base_url: str = "") -> dict[str, Any]:
    """One Schema resource (RFC 7643 §7)."""
    return {
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": [render_attribute(a) for a in schema.attributes],
        "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{schema.id}"},
    }


def render_resource_type(resource: ResourceType, base_url: str = "") -> dict[str, Any]:
    """One ResourceType resource (RFC 7643 §6)."""
    return {
        "schemas": [RESOURCE_TYPE_URN],
        "id": resource.name,
        "name": resource.name,
        "endpoint": resource.endpoint,
        "description": resource.description,
        "schema": resource.core.id,
        "schemaExtensions": [
            {"schema": schema.id, "required": required} for schema, required in resource.extensions
        ],
        "meta": {
            "resourceType": "ResourceType",
            "location": f"{base_url}/ResourceTypes/{resource.name}",
        },
    }


def list_response(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete (unpaged) ListResponse (RFC 7644 §3.4.2)."""
    return {
        "schemas": [LIST_URN],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def schemas_document(base_url: str = "") -> dict[str, Any]:
    """The ``/Schemas`` ListResponse (RFC 7644 §4)."""
    return list_response([render_schema(schema, base_url) for schema in SCHEMAS])


def resource_types_document(base_url: str = "") -> dict[str, Any]:
    """The ``/ResourceTypes`` ListResponse (RFC 7644 §4)."""
    return list_response([render_resource_type(r, base_url) for r in RESOURCE_TYPES])


def schema_by_id(urn: str, base_url: str = "") -> dict[str, Any] | None:
    """``/Schemas/{urn}``, or None when no such schema (the caller answers 404)."""
    folded = urn.casefold()
    found = next((s for s in SCHEMAS if s.id.casefold() == folded), None)
    return render_schema(found, base_url) if found else None


def resource_type_by_id(name: str, base_url: str = "") -> dict[str, Any] | None:
    """``/ResourceTypes/{name}``, or None when no such resource type (the caller answers 404)."""
    folded = name.casefold()
    found = next((r for r in RESOURCE_TYPES if r.name.casefold() == folded), None)
    return render_resource_type(found, base_url) if found else None


def service_provider_config(limits: ScimLimits, base_url: str = "") -> dict[str, Any]:
    """The ``/ServiceProviderConfig`` document (RFC 7643 §5), truthful about what is supported."""
    body: dict[str, Any] = {
        "schemas": [SPC_URN],
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": limits.max_operations,
            "maxPayloadSize": limits.max_payload_size,
        },
        "filter": {"supported": True, "maxResults": limits.max_results},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a per-account SCIM bearer token.",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }
    if limits.documentation_uri:
        body["documentationUri"] = limits.documentation_uri
    return body
