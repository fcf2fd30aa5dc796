"""Test helpers for the SAML core: an SP harness with request and replay memory like a store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from gateway.clock import FrozenClock
from gateway.saml.types import IdpTrust, SpIdentity, VerifiedAssertion
from gateway.saml.verify import verify_response
from idp_fixtures.idp import TestIdP
from idp_fixtures.keys import KeyPair

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
SP_ENTITY_ID = "https://gw.test/v/acme/saml/metadata/sp"
ACS_URL = "https://gw.test/v/acme/saml/SSO"


class Harness:
    """Verifies responses against one SP and IdP, with request and replay memory like a store."""

    def __init__(self, idp: TestIdP, sp_keys: KeyPair) -> None:
        self.idp = idp
        self.sp_keys = sp_keys
        self.clock = FrozenClock(NOW)
        self.sp = SpIdentity(SP_ENTITY_ID, ACS_URL, decryption_key_pem=sp_keys.private_key_pem)
        self.trust = IdpTrust(idp.entity_id, (idp.certificate_pem,), allow_unsolicited=True)
        self.outstanding: set[str] = {"_req1"}
        self.seen: dict[str, dt.datetime] = {}

    def response(self, **options: Any) -> str:
        """A response from the test IdP to this SP, issued now unless told otherwise."""
        options.setdefault("sp_entity_id", SP_ENTITY_ID)
        options.setdefault("acs_url", ACS_URL)
        options.setdefault("name_id", "alice@corp.test")
        options.setdefault("now", NOW)
        return self.idp.make_response(**options)

    def content(self, **options: Any) -> dict[str, Any]:
        """Response content options for the attack builders."""
        return {"sp_entity_id": SP_ENTITY_ID, "acs_url": ACS_URL, "now": NOW, **options}

    def verify(self, saml_response: str, **trust_changes: Any) -> VerifiedAssertion:
        """verify_response with this harness's trust (changed as told) and callbacks."""
        return verify_response(
            saml_response,
            trust=dataclasses.replace(self.trust, **trust_changes),
            sp=self.sp,
            clock=self.clock,
            is_outstanding_request=self.outstanding.__contains__,
            remember_assertion=self._remember,
        )

    def _remember(self, assertion_id: str, until: dt.datetime) -> bool:
        if assertion_id in self.seen:
            return False
        self.seen[assertion_id] = until
        return True
