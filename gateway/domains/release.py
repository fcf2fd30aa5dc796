"""Domain data release: names and emails of outside users, for eligible paying accounts only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from gateway.domains.errors import ReleaseRefused
from gateway.store.domains import check_domain
from gateway.store.records import Account
from gateway.store.sql import SqlStore

ATTESTATIONS = ("current_registrant", "acceptable_use_policy", "lawful_purpose")
ELIGIBLE_PLANS = ("business", "enterprise", "education")
BUSINESS_MINIMUM = 50


@dataclass(frozen=True)
class DataRelease:
    """Checks every rule in order; the first that fails is the 403's code."""

    store: SqlStore

    def request(
        self, caller: Account, account: Account, domain: str, body: dict[str, Any], *, actor: str
    ) -> dict[str, Any]:
        """The outside users of ``domain``; raises ReleaseRefused naming the failed rule."""
        name = check_domain(domain)
        self._check_requester(caller, account)
        self._check_plan(account)
        if self.store.domain_holder(name) != account.id:
            _refuse("domain_not_verified", f"{name} is not a verified domain of {account.name}.")
        signed_by = self._check_certification(body)
        users = self.store.outside_users(account.id, name)
        self.store.record_data_release(
            account.id,
            name,
            {k: True for k in ATTESTATIONS},
            signed_by=signed_by,
            requested_by=actor,
            released_count=len(users),
        )
        return {
            "domain": name,
            "purpose": "to invite these people; this release moves nobody",
            "users": [
                {"name": _name(u.first_name, u.last_name, u.display_name), "email": u.email}
                for u in users
            ],
        }

    def _check_requester(self, caller: Account, account: Account) -> None:
        if caller.id != account.id:
            _refuse(
                "requester_not_owner_or_admin",
                "Only the owner or an admin of the paying account itself may ask "
                "(a master's token acting for a sub-account does not qualify).",
            )

    def _check_plan(self, account: Account) -> None:
        if account.plan_kind not in ELIGIBLE_PLANS:
            _refuse(
                "plan_not_eligible",
                f"Data release is for Business, Enterprise or Education plans, not "
                f"{account.plan_kind}.",
            )
        licensed = sum(
            p.capacity for p in self.store.pools(account.id) if p.seat_kind == "Licensed"
        )
        ended = account.subscription_end is not None and (
            account.subscription_end <= self.store.clock.now()
        )
        if licensed == 0 or ended:
            _refuse("not_paying", "The account must be a paying customer with licenses in force.")
        if account.plan_kind == "business" and licensed < BUSINESS_MINIMUM:
            _refuse(
                "business_under_50_licenses",
                f"A Business account needs at least {BUSINESS_MINIMUM} licenses "
                f"(this one has {licensed}).",
            )

    def _check_certification(self, body: dict[str, Any]) -> str:
        given = body.get("attestations")
        missing = [
            k for k in ATTESTATIONS if not (isinstance(given, dict) and given.get(k) is True)
        ]
        if missing:
            _refuse(
                "attestation_missing",
                "The signed certification must attest: " + ", ".join(missing) + ".",
            )
        signed_by = body.get("signed_by")
        if not isinstance(signed_by, str) or not signed_by.strip():
            _refuse("signature_missing", "signed_by: the name of who signed the certification.")
        return str(signed_by).strip()


def _refuse(rule: str, message: str) -> NoReturn:
    raise ReleaseRefused(message, code=rule, rule=rule)


def _name(first: str | None, last: str | None, display: str | None) -> str:
    return display or " ".join(p for p in (first, last) if p) or ""
