"""Answer an AuthnRequest with Lasso (Entr'ouvert's SAML library) acting as the IdP.

Runs under the system python3 that carries Debian's python3-lasso, not the project venv:
reads JSON on stdin (idp_metadata, idp_key, idp_cert, sp_metadata, authn_request_query,
name_id) and prints JSON with the base64 SAMLResponse and the ACS URL Lasso chose.
"""

import json
import sys

import lasso


def main() -> None:
    job = json.load(sys.stdin)
    server = lasso.Server.newFromBuffers(job["idp_metadata"], job["idp_key"], None, job["idp_cert"])
    server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256
    server.addProviderFromBuffer(lasso.PROVIDER_ROLE_SP, job["sp_metadata"])
    login = lasso.Login(server)
    login.processAuthnRequestMsg(job["authn_request_query"])
    login.validateRequestMsg(True, True)
    login.buildAssertion(
        lasso.SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT,
        job["now"],
        None,
        job["not_before"],
        job["not_on_or_after"],
    )
    name_id = login.assertion.subject.nameId
    name_id.content = job["name_id"]
    name_id.format = lasso.SAML2_NAME_IDENTIFIER_FORMAT_EMAIL
    login.buildAuthnResponseMsg()
    print(json.dumps({"saml_response": login.msgBody, "acs_url": login.msgUrl}))


if __name__ == "__main__":
    main()
