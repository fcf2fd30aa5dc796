"""SAML response logs as Zoom keeps them: one entry per post to the ACS while the account saves
them, found by the tracking ID its user was shown (docs/saml-logs.md)."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Any

from gateway.errors import GatewayError
from gateway.saml.codes import zoom_number
from gateway.saml.inspection import ResponseFacts, configured_certificates, inspect_response
from gateway.saml_logs.store import LogFilter, LogSummary, SamlLogStore
from gateway.sso.config import SamlConfig
from gateway.sso.explain import Explanation, explain
from gateway.sso.service import SsoService
from gateway.sso.signin import SignInResult
from gateway.store.records import Account
from gateway.store.saml_state import AcsStamp

# One XML document (the raw response, the decrypted assertion) is kept up to this many
# characters; the ACS refuses responses past its own cap (256 KiB by default) anyway.
MAX_DOCUMENT_CHARS = 256 * 1024


def saving_enabled(config: SamlConfig) -> bool:
    """Zoom's "Save SAML response logs on user sign-in" for the account (off by default)."""
    return config.save_response_logs


def new_tracking_id() -> str:
    """The ID a user is shown when a sign-in fails, which finds its log entry."""
    return f"WEB_{secrets.token_hex(16)}"


@dataclass(frozen=True)
class Attempt:
    """One post to the ACS: what was posted and what the gateway answered."""

    tracking_id: str
    saml_response: str
    result: SignInResult | None = None
    error: GatewayError | None = None


@dataclass
class SamlLogService:
    """Keeps, lists and explains again the SAML response logs of every account."""

    sso: SsoService

    @functools.cached_property
    def logs(self) -> SamlLogStore:
        """The entries' storage (one per service: it tracks when each account is pruned)."""
        return SamlLogStore(self.sso.store)

    def keep(self, stamp: AcsStamp, attempt: Attempt, host_base: str | None = None) -> bool:
        """Log one ACS post when the account saves logs; returns whether it was kept."""
        if stamp.config_version is None:
            return False
        config, sp = self.sso.acs_settings(stamp, host_base)
        if not saving_enabled(config):
            return False
        facts = inspect_response(
            attempt.saml_response,
            certificates=config.certificates,
            decryption_keys=sp.identity().decryption_keys(),
            max_bytes=self.sso.config.saml_max_bytes,
            # An accepted response's signatures were verified moments ago: named, not redone.
            signed_with=attempt.result.assertion.signed_with if attempt.result else None,
        )
        summary, entry = self._entry(stamp.account, config, facts, attempt)
        size = len(entry["raw_response"]) + len(entry["decrypted_assertion"] or "")
        self.logs.add(stamp.account.id, summary, entry, size)
        return True

    def _entry(
        self, account: Account, config: SamlConfig, facts: ResponseFacts, attempt: Attempt
    ) -> tuple[LogSummary, dict[str, Any]]:
        result, error = attempt.result, attempt.error
        outcome = result.outcome if result is not None else "refused"
        code = error.code if error is not None else None
        summary = LogSummary(
            tracking_id=attempt.tracking_id,
            time=self.sso.store.clock.now(),  # the clock the 7 days are counted by
            outcome=outcome,
            code=code,
            number=zoom_number(code) if code else None,
            name_id=facts.name_id,
            email=result.user.email if result is not None else _claimed_email(config, facts),
        )
        described = facts.to_dict()
        raw, decrypted = described.pop("xml"), described.pop("decrypted_assertion")
        entry = {
            **summary.to_dict(),
            "message": error.message if error is not None else None,
            "account": {"id": account.id, "number": account.number, "vanity": account.vanity},
            **described,
            "certificate": _certificate(facts),
            "configured_certificates": configured_certificates(config.certificates),
            "mapping": _mapping_in_short(result, error),
            "landed_in": result.account.number if result is not None else None,
            "raw_response": raw[:MAX_DOCUMENT_CHARS],
            "decrypted_assertion": decrypted[:MAX_DOCUMENT_CHARS] if decrypted else None,
            "truncated": len(raw) > MAX_DOCUMENT_CHARS or len(decrypted or "") > MAX_DOCUMENT_CHARS,
        }
        return summary, entry

    def list(self, account: Account, wanted: LogFilter) -> list[LogSummary]:
        """The account's entries, newest first."""
        return self.logs.list(account.id, wanted)

    def detail(self, account: Account, tracking_id: str) -> dict[str, Any]:
        """One entry; raises NotFound ``saml_log_not_found``."""
        return self.logs.get(account.id, tracking_id)

    def explain_again(self, account: Account, tracking_id: str) -> Explanation:
        """The mapping decision for the logged attributes under the account's current rules.

        Raises NotFound ``saml_log_not_found``.
        """
        entry = self.detail(account, tracking_id)
        attributes: dict[str, list[str]] = {}
        for attribute in entry.get("attributes") or []:
            for key in {attribute["name"], attribute.get("friendly_name")} - {None}:
                attributes.setdefault(key, []).extend(attribute["values"])
        body: dict[str, Any] = {"attributes": attributes}
        if entry.get("email") or entry.get("name_id"):
            body["email"] = entry.get("email") or entry.get("name_id")
        return explain(self.sso, account, body)


def _certificate(facts: ResponseFacts) -> dict[str, Any] | None:
    found = facts.verifying_certificate()
    return found.to_dict() if found else None


def _claimed_email(config: SamlConfig, facts: ResponseFacts) -> str | None:
    """The email the response claims, by the account's basic mapping (else the NameID)."""
    mapped = config.attribute_map.get("email")
    for attribute in facts.attributes if mapped else ():
        if mapped in (attribute.name, attribute.friendly_name) and attribute.values:
            return attribute.values[0]
    return facts.name_id


def _mapping_in_short(
    result: SignInResult | None, error: GatewayError | None
) -> dict[str, Any] | None:
    """The mapping decision without its per-rule trace (the detail view can explain again)."""
    if result is not None:
        decision: dict[str, Any] | None = result.decision_dict
    else:
        decision = error.details.get("mapping") if error is not None else None
    if not isinstance(decision, dict):
        return None
    short = {k: v for k, v in decision.items() if k != "trace"}
    trace = decision.get("trace") or {}
    short["decided_by"] = trace.get("decided_by", {})
    short["removed"] = trace.get("removed", [])
    return short
