"""Addresses the tests of this directory share (a module name no other test directory uses)."""

PUBLIC = "http://127.0.0.1:8000"
IDP_SSO = "https://login.idp.test/saml2"
IDP_SLO = "https://login.idp.test/saml2/logout"
# What Microsoft's Entra tutorial for the Zoom gallery app has the IdP team type in.
ENTRA_IDENTIFIER = "acme.zoom.us"
ENTRA_REPLY_URL = "https://acme.zoom.us/saml/SSO"
