from scimapi import gateway_app, scim, sqlite_scim  # noqa: F401
