"""Admin API: associated domains, their summary and options, SSO enforcement, data release."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from gateway.api.auth import managed_account
from gateway.api.registry import api
from gateway.domains import services
from gateway.domains.verification import DomainVerifier
from gateway.errors import BadRequest
from gateway.http import json_body
from gateway.store.domains import Domain

TAG = "domains"
BOOL = {"type": "boolean"}


def domain_json(domain: Domain) -> dict[str, Any]:
    """The JSON view of one of the account's own domains."""
    return {
        "domain": domain.domain,
        "verified": domain.verified,
        "options": {
            k: bool(domain.options.get(k))
            for k in ("manage", "allow_consolidation", "allow_signup")
        },
        "verification": DomainVerifier.instructions(domain.domain, domain.verification_token),
    }


@api.route("/accounts/<int:account_id>/domains", "GET", "The account's domains", tag=TAG)
def list_domains(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    domains = services().domains.store.list_domains(account.id)
    return jsonify({"domains": [domain_json(d) for d in domains]})


@api.route(
    "/accounts/<int:account_id>/domains",
    "POST",
    "Claim a domain and get its verification token",
    tag=TAG,
    body={"type": "object", "required": ["domain"], "properties": {"domain": {"type": "string"}}},
    errors=("profile_incomplete", "invalid_domain", "domain_exists"),
)
def add_domain(account_id: int) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    domain = services().domains.add(account, str(json_body().get("domain", "")), actor=caller.actor)
    return jsonify(domain_json(domain)), 201


@api.route(
    "/accounts/<int:account_id>/domains/<domain>/verify",
    "POST",
    "Verify ownership by DNS TXT record or HTTP file",
    tag=TAG,
    body={"type": "object", "properties": {"method": {"enum": ["dns", "http"]}}},
    errors=(
        "verification_failed",
        "domain_verified_elsewhere",
        "dns_not_configured",
        "http_verification_unavailable",
        "profile_incomplete",
    ),
)
def verify_domain(account_id: int, domain: str) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    method = str(json_body().get("method", "dns"))
    found = services().domains.verify(account, domain, method, actor=caller.actor)
    return jsonify(domain_json(found))


@api.route(
    "/accounts/<int:account_id>/domains/<domain>/mark-verified",
    "POST",
    "Mark a domain verified without proof (demo mode only)",
    tag=TAG,
    errors=("demo_only", "domain_verified_elsewhere"),
)
def mark_verified(account_id: int, domain: str) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    return jsonify(
        domain_json(services().domains.mark_verified(account, domain, actor=caller.actor))
    )


@api.route(
    "/accounts/<int:account_id>/domains/<domain>/summary",
    "GET",
    "How many users with the domain are in the account and outside it (counts only)",
    tag=TAG,
    errors=("domain_not_verified", "profile_incomplete"),
)
def summary(account_id: int, domain: str) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify(services().domains.summary(account, domain))


@api.route(
    "/accounts/<int:account_id>/domains/<domain>/options",
    "PUT",
    "Set manage, allow_consolidation and allow_signup",
    tag=TAG,
    body={
        "type": "object",
        "properties": {"manage": BOOL, "allow_consolidation": BOOL, "allow_signup": BOOL},
    },
    errors=("invalid_option", "domain_not_verified", "profile_incomplete"),
)
def set_options(account_id: int, domain: str) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    found = services().domains.set_options(account, domain, json_body(), actor=caller.actor)
    return jsonify(domain_json(found))


@api.route(
    "/accounts/<int:account_id>/domains/<domain>/notice",
    "POST",
    "Email every outside user of the domain (answers with a count only)",
    tag=TAG,
    errors=("domain_not_managed", "domain_not_verified"),
)
def send_notice(account_id: int, domain: str) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    return jsonify({"queued": services().domains.send_notice(account, domain, actor=caller.actor)})


@api.route(
    "/accounts/<int:account_id>/sso-enforcement",
    "GET",
    "Whether SSO is enforced for the associated domains, and how ready the account is",
    tag=TAG,
)
def get_enforcement(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    return jsonify(services().enforcement.readiness(account))


@api.route(
    "/accounts/<int:account_id>/sso-enforcement",
    "PUT",
    "Enforce SSO for associated domains (refused below the threshold or with VIPs pending "
    "unless forced)",
    tag=TAG,
    body={
        "type": "object",
        "required": ["enabled"],
        "properties": {"enabled": BOOL, "force": BOOL, "threshold": {"type": "integer"}},
    },
    errors=(
        "sso_enforcement_premature",
        "sso_not_configured",
        "domain_not_associated",
        "threshold_below_minimum",
    ),
)
def set_enforcement(account_id: int) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    body = json_body()
    if not isinstance(body.get("enabled"), bool):
        raise BadRequest("'enabled' must be true or false.", code="invalid_option")
    if "threshold" in body and body["threshold"] is None:
        raise BadRequest("'threshold' must be a whole percentage 0-100.", code="invalid_threshold")
    answer = services().enforcement.update(
        account,
        body["enabled"],
        force=body.get("force") is True,
        actor=caller.actor,
        threshold=body.get("threshold"),
    )
    return jsonify(answer)


@api.route(
    "/accounts/<int:account_id>/domains/<domain>/data-release",
    "POST",
    "Domain data release: names and emails of outside users, for eligible paying accounts",
    tag=TAG,
    body={
        "type": "object",
        "required": ["attestations", "signed_by"],
        "properties": {
            "attestations": {
                "type": "object",
                "properties": {
                    "current_registrant": BOOL,
                    "acceptable_use_policy": BOOL,
                    "lawful_purpose": BOOL,
                },
            },
            "signed_by": {"type": "string"},
        },
    },
    errors=(
        "requester_not_owner_or_admin",
        "plan_not_eligible",
        "not_paying",
        "business_under_50_licenses",
        "domain_not_verified",
        "attestation_missing",
        "signature_missing",
    ),
)
def data_release(account_id: int, domain: str) -> ResponseReturnValue:
    caller, account = managed_account(account_id)
    answer = services().release.request(
        caller.account, account, domain, json_body(), actor=caller.actor
    )
    return jsonify(answer)
