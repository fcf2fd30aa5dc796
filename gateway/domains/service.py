"""Associated domains of an account: claim, verify, summarize, set options, notify outsiders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.config import GatewayConfig
from gateway.domains.errors import DomainNotVerified, ProfileIncomplete
from gateway.domains.verification import DomainVerifier
from gateway.errors import BadRequest, Forbidden
from gateway.mail import deliver
from gateway.store.domains import Domain, check_domain
from gateway.store.errors import NotFound
from gateway.store.records import Account
from gateway.store.sql import SqlStore

OPTION_KEYS = ("manage", "allow_consolidation", "allow_signup")


def require_profile(account: Account) -> None:
    """Raise ProfileIncomplete unless name, support name and support email are set."""
    missing = [
        label
        for label, value in (
            ("account name", account.name),
            ("support name", account.support_name),
            ("support email", account.support_email),
        )
        if not (value or "").strip()
    ]
    if missing:
        raise ProfileIncomplete(
            f"Fill in the account profile first ({', '.join(missing)}): outside users see "
            "these when they are asked to change email or consolidate.",
            missing=missing,
        )


def manages(domain: Domain) -> bool:
    """Whether outside users of this domain are prompted (manage or allow consolidation)."""
    return bool(domain.options.get("manage") or domain.options.get("allow_consolidation"))


@dataclass(frozen=True)
class DomainService:
    """Everything an admin does with the account's associated domains."""

    store: SqlStore
    config: GatewayConfig
    verifier: DomainVerifier

    def add(self, account: Account, domain: str, *, actor: str) -> Domain:
        """Claim a domain and issue its token; raises ProfileIncomplete, Conflict."""
        require_profile(account)
        return self.store.add_domain(account.id, domain, actor=actor)

    def verify(self, account: Account, domain: str, method: str, *, actor: str) -> Domain:
        """Check the proof and mark verified; raises VerificationFailed, Conflict."""
        require_profile(account)
        found = self.claimed(account, domain)
        if not found.verified:
            self.verifier.check(found.domain, found.verification_token, method)
        return self.store.mark_domain_verified(account.id, found.domain, actor=actor)

    def mark_verified(self, account: Account, domain: str, *, actor: str) -> Domain:
        """Skip the proof (demo mode only); raises Forbidden ``demo_only``."""
        if not self.config.demo:
            raise Forbidden(
                "Marking a domain verified without proof is only possible in demo mode.",
                code="demo_only",
            )
        require_profile(account)
        return self.store.mark_domain_verified(
            account.id, self.claimed(account, domain).domain, actor=actor
        )

    def claimed(self, account: Account, domain: str) -> Domain:
        """The account's claim of ``domain``; raises NotFound ``domain_not_found``."""
        name = check_domain(domain)
        for found in self.store.list_domains(account.id):
            if found.domain == name:
                return found
        raise NotFound(f"{name} is not on this account's domain list.", code="domain_not_found")

    def verified(self, account: Account, domain: str) -> Domain:
        """The account's verified ``domain``; raises ProfileIncomplete, DomainNotVerified."""
        require_profile(account)
        found = self.claimed(account, domain)
        if not found.verified:
            raise DomainNotVerified(f"Verify {found.domain} first (DNS TXT record or HTTP file).")
        return found

    def summary(self, account: Account, domain: str) -> dict[str, Any]:
        """Counts only: users with the domain in the account, and outside it."""
        found = self.verified(account, domain)
        inside, outside = self.store.domain_counts(account.id, found.domain)
        return {
            "domain": found.domain,
            "in_account": inside,
            "outside_account": outside,
            "percent_consolidated": percent(inside, outside),
            "options": _options(found),
        }

    def set_options(
        self, account: Account, domain: str, body: dict[str, Any], *, actor: str
    ) -> Domain:
        """Set manage / allow_consolidation / allow_signup; raises BadRequest ``invalid_option``."""
        found = self.verified(account, domain)
        unknown = set(body) - set(OPTION_KEYS)
        if unknown or not all(isinstance(body.get(k, False), bool) for k in OPTION_KEYS):
            raise BadRequest(
                f"Options are booleans among {', '.join(OPTION_KEYS)}.", code="invalid_option"
            )
        options = {**_options(found), **body}
        # Allowing consolidation means managing: outside users are then offered both ways.
        options["manage"] = bool(options["manage"] or options["allow_consolidation"])
        self.store.set_domain_options(account.id, found.domain, options, actor=actor)
        return self.claimed(account, found.domain)

    def send_notice(self, account: Account, domain: str, *, actor: str) -> int:
        """Email every outside user of the domain; returns only how many were queued."""
        found = self.verified(account, domain)
        if not manages(found):
            raise BadRequest(
                "Turn on 'manage' or 'allow_consolidation' for this domain before notifying.",
                code="domain_not_managed",
            )
        users = self.store.outside_users(account.id, found.domain)
        for user in users:
            if user.email is None:  # never under a domain; nothing to send to
                continue
            # Queued on the user's own account: the notifying admin never sees the addresses.
            message = self.store.queue_email(
                user.account_id,
                "domain_notice",
                user.email,
                f"{account.name} manages {found.domain} addresses",
                notice_body(account, found),
            )
            deliver(self.store, self.config.smtp_url, message)
        self.store.audit_event(
            actor=actor,
            account_id=account.id,
            action="domain.notice",
            target=found.domain,
            after={"queued": len(users)},
        )
        return len(users)


def notice_body(account: Account, domain: Domain) -> str:
    """The notice email sent to outside users of a managed domain."""
    ways = "change the email of your account"
    if domain.options.get("allow_consolidation"):
        ways += f", or consolidate into the {account.name} account"
    return (
        f"Hello,\n\n{account.name} owns {domain.domain} and manages the accounts that use it. "
        f"At your next sign-in you will be asked to {ways}. Changing your email is always "
        f"possible; nobody is forced to consolidate.\n\nQuestions: {account.support_name} "
        f"<{account.support_email}>\n"
    )


def percent(inside: int, outside: int) -> float:
    """Share of users already in the account, 100 when nobody uses the domain."""
    total = inside + outside
    return 100.0 if total == 0 else round(100.0 * inside / total, 1)


def _options(domain: Domain) -> dict[str, bool]:
    return {k: bool(domain.options.get(k, False)) for k in OPTION_KEYS}
