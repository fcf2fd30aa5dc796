"""Explaining a mapping without signing anyone in: attributes or a SAML response in, trace out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.errors import BadRequest
from gateway.saml.types import SamlAttribute
from gateway.saml.unverified import read_unverified
from gateway.saml.verify import verify_response
from gateway.sso.profile import SignInRefused
from gateway.sso.service import SsoService
from gateway.sso.signin import ROUTED_NOTE, SignInService
from gateway.store.records import Account
from mapping import Decision


@dataclass(frozen=True)
class Explanation:
    """A decision with what it was computed from; ``to_dict`` is the API's answer."""

    decision: Decision
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The JSON explanation."""
        return {**self.data, "decision": self.decision.to_dict()}


def explain(sso: SsoService, account: Account, body: dict[str, Any]) -> Explanation:
    """The decision and trace for ``attributes``, or for a ``saml_response`` (verified unless
    ``"verify": false``); ``email`` evaluates as that existing user would be.

    Raises BadRequest ``invalid_explain_request``, SamlError (when verifying), SignInRefused.
    """
    attributes, verified, name_id = _attributes(sso, account, body)
    email = body.get("email") or name_id
    user = sso.store.find_user_by_email(email) if isinstance(email, str) and email else None
    if user is not None and user.account_id not in _family(sso, account):
        user = None
    service = SignInService(sso.store, sso.rules, sso.activation)
    decision = service.decide(account, attributes, user, explain=True)
    notes = []
    if "attributes" in body:
        notes.append("Evaluated on the attributes given; no SAML response was involved.")
    elif not verified:
        notes.append(
            "Not verified: the response's signature, issuer, audience and validity "
            "were not checked ('verify': false)."
        )
    target = None
    if decision.sub_account is not None and not decision.blocked:
        try:
            landing = service.target(account, decision)
        except SignInRefused as e:
            notes.append(e.message)
        else:
            target = {
                "id": landing.id,
                "number": landing.number,
                "name": landing.name,
                "vanity": landing.vanity,
            }
            notes.append(ROUTED_NOTE.format(name=landing.name))
    return Explanation(
        decision,
        {
            "verified": verified,
            "existing_user": user.email if user else None,
            "attributes": [
                {"name": a.name, "friendly_name": a.friendly_name, "values": list(a.values)}
                for a in attributes
            ],
            "lands_in": target
            or {
                "id": account.id,
                "number": account.number,
                "name": account.name,
                "vanity": account.vanity,
            },
            "notes": notes,
        },
    )


def _family(sso: SsoService, account: Account) -> set[int]:
    return {account.id} | {a.id for a in sso.store.descendants(account.id)}


def _attributes(
    sso: SsoService, account: Account, body: dict[str, Any]
) -> tuple[tuple[SamlAttribute, ...], bool, str | None]:
    if "attributes" in body:
        raw = body["attributes"]
        if not isinstance(raw, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            for v in raw.values()
        ):
            raise BadRequest(
                "'attributes' maps names to a string or a list of strings.",
                code="invalid_explain_request",
            )
        return (
            tuple(
                SamlAttribute(str(k), None, (v,) if isinstance(v, str) else tuple(v))
                for k, v in raw.items()
            ),
            False,
            None,
        )
    response = body.get("saml_response")
    if not isinstance(response, str):
        raise BadRequest(
            "Send either 'attributes' or 'saml_response'.", code="invalid_explain_request"
        )
    if body.get("verify", True) is False:
        claims = read_unverified(response)
        return claims.attributes, False, claims.name_id
    return _verified(sso, account, response)


def _verified(
    sso: SsoService, account: Account, response: str
) -> tuple[tuple[SamlAttribute, ...], bool, str | None]:
    config = sso.saml_config(account)
    # As at sign-in, except that nothing is consumed (no request ID, no replay record), so the
    # same response can be explained again; InResponseTo is therefore not checked here.
    assertion = verify_response(
        response,
        trust=config.trust(),
        sp=sso.sp(account).identity(),
        clock=sso.clock,
        max_bytes=sso.config.saml_max_bytes,
        is_outstanding_request=lambda _rid: True,
        remember_assertion=lambda _aid, _until: True,
    )
    return assertion.attributes, True, assertion.name_id
