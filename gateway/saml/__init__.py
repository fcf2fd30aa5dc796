"""The SAML core: the only package that imports pysaml2 or python-xmlsec.

Entry points: ``verify.verify_response`` (ACS), ``sp`` (SP metadata, signed AuthnRequest and
Single Logout over HTTP-Redirect), ``idp_metadata.parse_idp_metadata`` (uploaded metadata),
``types`` (IdpTrust, SpIdentity, VerifiedAssertion) and ``errors`` (one class per refusal code).
"""
