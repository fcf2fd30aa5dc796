"""The attack corpus offered to SP teams (``gateway idp attacks``, the ``saml_attacks`` pytest
fixture): every hostile variant of ``idp_fixtures.attacks``, signed for one SP, with the verdict
a strict SP gives it, plus a genuine control that must be accepted."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idp_fixtures.attacks import (
    XSW_VARIANTS,
    attacker_key_info,
    billion_laughs,
    comment_in_digest_value,
    comment_in_name_id,
    duplicate_id,
    hmac_signed,
    namespaced_duplicate_id,
    tamper_name_id,
    two_references,
    utf16_doctype,
    xxe,
)
from idp_fixtures.idp import TestIdP

ACCEPTED = "accepted"
Genuine = Callable[..., str]
Built = tuple[str, str, str, str]  # name, description, SAMLResponse, expected


@dataclass(frozen=True)
class Attack:
    """One hostile (or control) SAMLResponse and the verdict a strict SP gives it.

    ``expected`` is ``accepted`` for the controls, otherwise the gateway's refusal code.
    Attacks are posted in corpus order: ``replay`` repeats the ``genuine`` control.
    """

    name: str
    description: str
    saml_response: str
    expected: str

    @property
    def is_control(self) -> bool:
        """A genuine response that must be accepted, or the verdicts prove nothing."""
        return self.expected == ACCEPTED

    def manifest(self, file_name: str | None = None) -> dict[str, Any]:
        """The manifest entry: what it is and the verdict it should get."""
        verdict = ACCEPTED if self.is_control else f"refused: {self.expected}"
        entry = {"name": self.name, "description": self.description, "expected": verdict}
        if not self.is_control:
            entry["expected_code"] = self.expected
        if file_name:
            entry["file"] = file_name
        return entry


def attack_corpus(
    idp: TestIdP,
    *,
    sp_entity_id: str,
    acs_url: str,
    now: dt.datetime,
    name_id: str | None = None,
) -> list[Attack]:
    """Every attack, signed by ``idp`` for one SP, with its expected verdict.

    The SP must trust ``idp`` (its certificate and entity ID) and allow IdP-initiated sign-in.
    ``name_id`` defaults to a new address each time, so the control never meets a user an
    earlier run created in another account.
    """
    content: dict[str, Any] = {
        "sp_entity_id": sp_entity_id,
        "acs_url": acs_url,
        "name_id": name_id or f"victim-{secrets.token_hex(4)}@example.test",
        "now": now,
    }

    def genuine(**options: Any) -> str:
        return idp.make_response(**{**content, **options})

    control = genuine()
    attacker = TestIdP("https://attacker.example.test/idp")
    built: list[Built] = [
        ("genuine", "control: a genuine signed response (must be accepted)", control, ACCEPTED),
        ("replay", "the genuine response posted a second time", control, "replayed"),
        *_wrapping(genuine),
        *_forged(idp, attacker, genuine, content),
        *_hostile_documents(),
        *_misaddressed(genuine, attacker, now),
    ]
    return [
        Attack(name, " ".join(text.split()), response, code) for name, text, response, code in built
    ]


def _described(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, str, str]:
    """(name, docstring, response) of one attack function applied."""
    return function.__name__, function.__doc__ or "", function(*args, **kwargs)


def _wrapping(genuine: Genuine) -> list[Built]:
    """XSW1-8 over fresh genuine responses (1-2 wrap a signed Response, 3-8 an Assertion),
    and the duplicate-ID variants."""
    expected = {"xsw3": "multiple_assertions", "xsw5": "multiple_assertions"}
    found: list[Built] = []
    for name, variant in XSW_VARIANTS.items():
        response_signed = name in ("xsw1", "xsw2")
        original = genuine(sign_response=response_signed, sign_assertion=not response_signed)
        found.append(
            (
                name,
                variant.__doc__ or "",
                variant(original),
                expected.get(name, "signature_wrapping"),
            )
        )
    for function in (duplicate_id, namespaced_duplicate_id):
        found.append((*_described(function, genuine()), "signature_wrapping"))
    return found


def _forged(
    idp: TestIdP, attacker: TestIdP, genuine: Genuine, content: dict[str, Any]
) -> list[Built]:
    """Comments, extra references, foreign keys, HMAC and tampering."""
    others = {k: v for k, v in content.items() if k != "name_id"}
    victim = content["name_id"]
    return [
        (*_described(comment_in_name_id, idp, victim, ".evil.test", **others), "comment_injection"),
        (*_described(comment_in_digest_value, genuine()), "comment_injection"),
        (*_described(two_references, idp, **content), "signature_wrapping"),
        (*_described(attacker_key_info, attacker, idp.entity_id, **content), "untrusted_key"),
        (*_described(hmac_signed, idp, **content), "weak_algorithm"),
        (*_described(tamper_name_id, genuine()), "signature_invalid"),
    ]


def _hostile_documents() -> list[Built]:
    """DOCTYPEs: an external entity, nested entity expansion, a UTF-16 DOCTYPE."""
    return [(*_described(f), "malformed_xml") for f in (xxe, billion_laughs, utf16_doctype)]


def _misaddressed(genuine: Genuine, attacker: TestIdP, now: dt.datetime) -> list[Built]:
    """Genuinely signed responses that are not for this SP, not now, or not signed enough."""
    earlier = now - dt.timedelta(hours=1)
    return [
        ("unsigned", "nothing signed at all", genuine(sign_assertion=False), "signature_missing"),
        (
            "sha1_signed",
            "signed with RSA-SHA1 and a SHA-1 digest",
            genuine(signature_algorithm="rsa-sha1", digest_algorithm="sha1"),
            "weak_algorithm",
        ),
        (
            "wrong_audience",
            "signed for another SP (Audience)",
            genuine(audience="https://other-sp.example.test/metadata"),
            "audience_mismatch",
        ),
        (
            "wrong_destination",
            "addressed to another SP's ACS (Destination)",
            genuine(destination="https://other-sp.example.test/saml/SSO"),
            "destination_mismatch",
        ),
        (
            "expired",
            "valid an hour ago, for five minutes",
            genuine(now=earlier, not_on_or_after=earlier + dt.timedelta(minutes=5)),
            "expired",
        ),
        (
            "issuer_of_another_idp",
            "signed by the trusted key but naming another IdP as issuer",
            genuine(issuer=attacker.entity_id),
            "issuer_unknown",
        ),
    ]
