"""Enforce SSO for associated domains, guarded by the consolidation rate and pending VIPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.config import GatewayConfig
from gateway.domains.errors import DomainNotVerified, DomainsError
from gateway.domains.service import percent, require_profile
from gateway.errors import BadRequest
from gateway.sso.service import SsoService
from gateway.store.records import Account
from gateway.store.sql import SqlStore

SETTING = "enforce_sso_associated_domains"
THRESHOLD_SETTING = "sso_enforcement_threshold"


class EnforcementPremature(DomainsError):
    """Too few users consolidated, or a VIP pending, and the admin did not force it."""

    code = "sso_enforcement_premature"


def setting_value(account: Account, key: str, default: Any = None) -> Any:
    """The value of one account setting, or ``default``."""
    entry = account.settings.get(key)
    return entry.get("value", default) if isinstance(entry, dict) else default


def is_enforced(account: Account) -> bool:
    """Whether password sign-in with the account's domains goes to its IdP."""
    return bool(setting_value(account, SETTING, False))


@dataclass(frozen=True)
class SsoEnforcement:
    """Readiness figures and the switch itself."""

    store: SqlStore
    config: GatewayConfig
    sso: SsoService

    def threshold(self, account: Account) -> int:
        """The account's threshold (percent), the configured one unless set lower/higher."""
        return int(setting_value(account, THRESHOLD_SETTING, self.config.sso_enforcement_threshold))

    def readiness(self, account: Account) -> dict[str, Any]:
        """Percent of the domains' users consolidated, threshold, and the account's pending VIPs."""
        domains = [d for d in self.store.list_domains(account.id) if d.verified]
        inside = outside = 0
        for domain in domains:
            i, o = self.store.domain_counts(account.id, domain.domain)
            inside, outside = inside + i, outside + o
        return {
            "enforced": is_enforced(account),
            "domains": [d.domain for d in domains],
            "percent_consolidated": percent(inside, outside),
            "threshold": self.threshold(account),
            "pending_vips": self.store.pending_vips(account.id),
        }

    def set_threshold(self, account: Account, value: Any, *, actor: str) -> Account:
        """Change the threshold; below the configured one only for education accounts."""
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise BadRequest(
                "'threshold' must be a whole percentage 0-100.", code="invalid_threshold"
            )
        if value < self.config.sso_enforcement_threshold and account.plan_kind != "education":
            raise BadRequest(
                f"Only education accounts may set the threshold below "
                f"{self.config.sso_enforcement_threshold}%.",
                code="threshold_below_minimum",
            )
        return self.store.set_setting(account.id, THRESHOLD_SETTING, value, actor=actor)

    def update(
        self,
        account: Account,
        enabled: bool,
        *,
        force: bool,
        actor: str,
        threshold: Any = None,
    ) -> dict[str, Any]:
        """Set the threshold (unless None) and turn enforcement on or off, all or nothing: a
        refused request changes nothing. Raises what ``set_threshold`` and ``set`` raise."""
        with self.store.transaction():
            if threshold is not None:
                account = self.set_threshold(account, threshold, actor=actor)
            return self.set(account, enabled, force=force, actor=actor)

    def set(self, account: Account, enabled: bool, *, force: bool, actor: str) -> dict[str, Any]:
        """Turn enforcement on or off; raises EnforcementPremature, SsoNotConfigured."""
        if enabled:
            self._check_ready(account, force=force)
        updated = self.store.set_setting(account.id, SETTING, enabled, actor=actor)
        return {**self.readiness(updated), "forced": bool(enabled and force)}

    def _check_ready(self, account: Account, *, force: bool) -> None:
        require_profile(account)
        self.sso.saml_config(account)
        state = self.readiness(account)
        if not state["domains"]:
            raise DomainNotVerified(
                "Enforcing SSO needs at least one verified associated domain.",
                code="domain_not_associated",
            )
        low = state["percent_consolidated"] < state["threshold"]
        if (low or state["pending_vips"]) and not force:
            reasons = []
            if low:
                reasons.append(
                    f"only {state['percent_consolidated']}% of the domains' users are "
                    f"consolidated (threshold {state['threshold']}%)"
                )
            if state["pending_vips"]:
                reasons.append("VIPs still pending: " + ", ".join(state["pending_vips"]))
            raise EnforcementPremature(
                "Enforcing SSO now would lock out users who have not consolidated: "
                + "; ".join(reasons)
                + ". Send again with force=true to do it anyway.",
                percent_consolidated=state["percent_consolidated"],
                threshold=state["threshold"],
                pending_vips=state["pending_vips"],
            )
