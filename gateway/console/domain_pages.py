"""Console pages: associated domains (verify, summary, options, notice) and SSO enforcement."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway.config import GatewayConfig
from gateway.console import session
from gateway.console.session import Console, store
from gateway.console.web import blueprint, done, page, posted, refusal_status
from gateway.domains import services
from gateway.domains.service import OPTION_KEYS
from gateway.domains.verification import DomainVerifier
from gateway.errors import GatewayError
from gateway.store.domains import Domain
from gateway.store.records import Account

METHODS = ("dns", "http")


@blueprint.get("/domains")
def domains() -> ResponseReturnValue:
    return domains_page(session.require())


def domains_page(
    console: Console, errors: dict[str, GatewayError] | None = None, status: int = 200
) -> Response:
    """The domains page: each domain's state, instructions, summary and options; enforcement."""
    account = store().get_account(console.acting.id)  # as just changed, if it was
    config: GatewayConfig = current_app.extensions["gateway.config"]
    found = services().domains.store.list_domains(account.id)
    queued = request.args.get("queued", "")
    return page(
        "domains.html",
        console,
        status,
        errors=errors or {},
        rows=[_row(account, d) for d in found],
        readiness=services().enforcement.readiness(account),
        demo=config.demo,
        queued=int(queued) if queued.isdigit() else None,
        form=request.form,
        option_keys=OPTION_KEYS,
    )


def _row(account: Account, domain: Domain) -> dict[str, Any]:
    """One domain: how to prove it, and once verified its counts (never names)."""
    summary: dict[str, Any] | None = None
    summary_error: GatewayError | None = None
    if domain.verified:
        try:
            summary = services().domains.summary(account, domain.domain)
        except GatewayError as e:
            summary_error = e
    return {
        "domain": domain,
        "instructions": DomainVerifier.instructions(domain.domain, domain.verification_token),
        "summary": summary,
        "summary_error": summary_error,
    }


def _refused(console: Console, form: str, domain: str, error: GatewayError) -> Response:
    """The page again, the refusal next to the form of ``domain`` (at the top when unknown)."""
    listed = {d.domain for d in services().domains.store.list_domains(console.acting.id)}
    key = f"{form}-{domain}" if domain in listed else "page"
    return domains_page(console, {key: error}, refusal_status(error))


@blueprint.post("/domains")
def add_domain() -> ResponseReturnValue:
    console = posted()
    name = request.form.get("domain", "")
    try:
        services().domains.add(console.acting, name, actor=console.caller.actor)
    except GatewayError as e:
        return domains_page(console, {"add": e}, refusal_status(e))
    return done("domains", "domain_added")


@blueprint.post("/domains/<domain>/verify")
def verify_domain(domain: str) -> ResponseReturnValue:
    console = posted()
    method = request.form.get("method", "dns")
    try:
        services().domains.verify(console.acting, domain, method, actor=console.caller.actor)
    except GatewayError as e:
        return _refused(console, "verify", domain, e)
    return done("domains", "domain_verified")


@blueprint.post("/domains/<domain>/mark-verified")
def mark_verified(domain: str) -> ResponseReturnValue:
    console = posted()
    try:
        services().domains.mark_verified(console.acting, domain, actor=console.caller.actor)
    except GatewayError as e:
        return _refused(console, "verify", domain, e)
    return done("domains", "domain_verified")


@blueprint.post("/domains/<domain>/options")
def domain_options(domain: str) -> ResponseReturnValue:
    console = posted()
    chosen = {key: request.form.get(key) == "on" for key in OPTION_KEYS}
    try:
        services().domains.set_options(console.acting, domain, chosen, actor=console.caller.actor)
    except GatewayError as e:
        return _refused(console, "options", domain, e)
    return done("domains", "options_saved")


@blueprint.post("/domains/<domain>/notice")
def domain_notice(domain: str) -> ResponseReturnValue:
    console = posted()
    try:
        queued = services().domains.send_notice(console.acting, domain, actor=console.caller.actor)
    except GatewayError as e:
        return _refused(console, "notice", domain, e)
    return done("domains", "notice_sent", queued=queued, domain=domain)


@blueprint.post("/sso-enforcement")
def sso_enforcement() -> ResponseReturnValue:
    console = posted()
    enforcement = services().enforcement
    account = console.acting
    enabled = request.form.get("enabled") == "on"
    raw = request.form.get("threshold", "").strip()
    try:
        value: Any = None
        if raw and raw != str(enforcement.threshold(account)):
            value = int(raw) if raw.isdigit() else raw
        force = request.form.get("force") == "on"
        enforcement.update(
            account, enabled, force=force, actor=console.caller.actor, threshold=value
        )
    except GatewayError as e:
        return domains_page(console, {"enforcement": e}, refusal_status(e))
    return done("domains", "enforcement_saved")
