"""Example request bodies the OpenAPI document shows; tests send each and expect it accepted.

The certificate is a self-signed example (CN idp.example.com, valid 2025-2045) made for these
examples only; no private key exists for it anywhere.
"""

from __future__ import annotations

from typing import Any

from gateway.sso.config import PROFILE_FIELDS, SamlConfig

EXAMPLE_CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIC5DCCAcygAwIBAgIUZKZpzXvzkLMRFAzH4WpacFpzOIcwDQYJKoZIhvcNAQEL\n"
    "BQAwLDEqMCgGA1UEAwwhaWRwLmV4YW1wbGUuY29tIChPcGVuQVBJIGV4YW1wbGUp\n"
    "MB4XDTI1MDEwMTAwMDAwMFoXDTQ1MDEwMTAwMDAwMFowLDEqMCgGA1UEAwwhaWRw\n"
    "LmV4YW1wbGUuY29tIChPcGVuQVBJIGV4YW1wbGUpMIIBIjANBgkqhkiG9w0BAQEF\n"
    "AAOCAQ8AMIIBCgKCAQEAm/cg4OAsUk8eehFrelNd3SWy7LwZFL7+o0T+YcG20768\n"
    "B5VIUexYL/9UO6lKkwaPlieGPe6PwYSDkuUvw7iSqKlGCd6zzVwZgKyH4+Rj4nMz\n"
    "xbBr3nk7ROBMIi9N//HGDpFs7oaYmUIDJsRA6fQFl6Fr/rF6AzdlDOA5u0aTvEsa\n"
    "liNoeAvy/xpifU6oCHcLPYnFmWFl0I0asfVmtO2N6vOGFPWQ6IlSEunOr/pXCx7+\n"
    "yEp5R680uhcg6eGzmf3jjEjkhY/c7dvmVRoZSZuKLTfF2QiCRzWGRge+nhB9VVXS\n"
    "7Kbzo9WmJdtSHEZMokEbO7uMpRi1BVMwTAxlDp5OfQIDAQABMA0GCSqGSIb3DQEB\n"
    "CwUAA4IBAQCB9dBItc00ReGo+Q/ZdqRrij3KAtNVzBE/ndOuexIXFvyoEXgthJbs\n"
    "8Sii8ofNkUkbuNp45xpX1VhmbaDfRKOT0Ie6dFAe42hCl2vFNUl/koCQCvDrgmNw\n"
    "7I/UQhCBRA13agguDpx/3qHfs9hUvDtKW59lmBZwDyBLbHCngIzW4gy4eJwRAO+m\n"
    "F+AQ6XQazEefQ3XCjIGxefGHC4E7GDVHEOGDGJasiXFEdBLKi33HvBDDWVtfjeb4\n"
    "WG08B7CvVZMbR22yKlfGnA1zRAOTlOQQRLxwwhmLUJ1rt+g+wBdnrqas7uzD7xVF\n"
    "MUN/LqmofXxmqiClbjvOUf5ZX/ypBn9E\n"
    "-----END CERTIFICATE-----\n"
)
_CERT_BASE64 = "".join(EXAMPLE_CERTIFICATE.splitlines()[1:-1])

SAML_CONFIG: dict[str, Any] = {
    "idp_entity_id": "https://idp.example.com/saml",
    "sign_in_url": "https://idp.example.com/saml/sso",
    "sign_out_url": "https://idp.example.com/saml/slo",
    "certificates": [EXAMPLE_CERTIFICATE],
    "binding": "POST",
    "signatures": "either",
    "provisioning": "jit",
    "attribute_map": {"email": "email", "first_name": "givenName", "last_name": "sn"},
}

IDP_METADATA = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{_CERT_BASE64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""

RULES_YAML = """- category: license
  name: licensed staff
  conditions:
    - attribute: memberOf
      values: [global_users]
      operator: equals
  result: Licensed
"""

RULES_JSON = [
    {
        "category": "license",
        "name": "licensed staff",
        "conditions": [{"attribute": "memberOf", "values": ["global_users"], "operator": "equals"}],
        "result": "Licensed",
    }
]
_RULES_TEXT = {"type": "string", "description": "The rules as YAML (gateway mapping export)"}
RULES_IMPORT: dict[str, dict[str, Any]] = {
    "application/yaml": {"schema": _RULES_TEXT, "example": RULES_YAML},
    "text/yaml": {"schema": _RULES_TEXT, "example": RULES_YAML},
    "application/json": {
        "schema": {
            "oneOf": [
                {"type": "array", "items": {"type": "object"}},
                {
                    "type": "object",
                    "required": ["rules"],
                    "properties": {"version": {"type": "integer"}, "rules": {"type": "array"}},
                },
            ],
            "description": "The rules as JSON: a list, or {version, rules}",
        },
        "example": RULES_JSON,
    },
}

EXPLAIN_BODY = {
    "type": "object",
    "description": "Either 'attributes' or 'saml_response'.",
    "properties": {
        "attributes": {
            "type": "object",
            "additionalProperties": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
            "description": "SAML attribute name -> value(s), evaluated as asserted",
        },
        "saml_response": {
            "type": "string",
            "description": "A base64 SAMLResponse, verified against the account's IdP",
        },
        "verify": {
            "type": "boolean",
            "default": True,
            "description": "false: read the response without checking signature or validity",
        },
        "email": {
            "type": "string",
            "description": "Evaluate as this existing user of the account (default: NameID)",
        },
    },
}

EXPLAIN = {"attributes": {"memberOf": ["global_users", "HIPAA"]}, "email": "hana@acme.test"}

TOKEN = {"kind": "scim", "profile": "okta", "label": "Okta provisioning"}


def saml_config_schema() -> dict[str, Any]:
    """The PUT /saml body, from ``SamlConfig``'s fields (a field added there appears here)."""
    from dataclasses import MISSING, fields

    from gateway.saml.types import SignaturePolicy
    from gateway.sso import config as c

    choices = {
        "binding": [*c.BINDINGS, *c.ALIASES["binding"]],
        "provisioning": [*c.PROVISIONING, *c.ALIASES["provisioning"]],
        "sp_entity_id_form": list(c.ENTITY_ID_FORMS),
        "signature_hash": [*c.SIGNATURE_HASHES, *c.ALIASES["signature_hash"]],
        "signatures": [p.value for p in SignaturePolicy],
    }
    properties: dict[str, Any] = {}
    for item in fields(SamlConfig):
        schema = _type_schema(str(item.type))
        if item.name in choices:
            schema["enum"] = choices[item.name]
        if item.name == "attribute_map":
            schema["propertyNames"] = {"enum": list(PROFILE_FIELDS)}
        zoom_name = c.ZOOM_NAMES.get(item.name)
        if zoom_name:
            schema["description"] = f"Zoom's SSO page: {zoom_name}"
        if item.default is not MISSING and not callable(item.default):
            schema["default"] = item.default
        properties[item.name] = schema
    required = [
        f.name for f in fields(SamlConfig) if f.default is MISSING and f.default_factory is MISSING
    ]
    return {"type": "object", "required": required, "properties": properties}


def _type_schema(annotation: str) -> dict[str, Any]:
    nullable = "None" in annotation
    base = annotation.replace(" | None", "")
    kinds = {"str": "string", "bool": "boolean", "int": "integer"}
    if base.startswith("tuple") or base.startswith("list"):
        schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
    elif base.startswith("dict"):
        schema = {"type": "object", "additionalProperties": {"type": "string"}}
    else:
        schema = {"type": kinds.get(base, "string")}
    if nullable:
        schema["type"] = [schema["type"], "null"]
    return schema
