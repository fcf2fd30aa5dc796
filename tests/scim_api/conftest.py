from scimapi import scim, sqlite_scim, gateway_app  # noqa: F401
