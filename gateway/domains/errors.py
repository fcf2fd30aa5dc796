"""Refusals of associated domains, consolidation, migration and data release."""

from __future__ import annotations

from gateway.errors import GatewayError


class DomainsError(GatewayError):
    """Base of this package's refusals; each carries its status and stable code."""

    status = 409
    code = "domains_error"


class ProfileIncomplete(DomainsError):
    """Account name, support name or support email is missing."""

    code = "profile_incomplete"


class DomainNotVerified(DomainsError):
    """The domain is not verified by this account."""

    code = "domain_not_verified"


class VerificationFailed(DomainsError):
    """The DNS record or HTTP file does not carry the verification token."""

    status = 422
    code = "verification_failed"


class ConsolidationBlocked(DomainsError):
    """Something must be done before this consolidation can run."""

    code = "consolidation_blocked"


class ChoiceRequired(DomainsError):
    """The user let three prompts go unanswered and must choose first."""

    status = 403
    code = "consolidation_choice_required"


class ReleaseRefused(DomainsError):
    """A rule of the domain data release is not met."""

    status = 403
    code = "data_release_refused"
