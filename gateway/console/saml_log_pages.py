"""Console tab: the account's SAML response logs, one entry in detail (pretty-printed XML), and
its attributes explained again with the current mapping rules."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from gateway.console import session
from gateway.console.web import blueprint, page
from gateway.saml.inspection import pretty_xml
from gateway.saml_logs.acs import saml_logs
from gateway.saml_logs.service import saving_enabled
from gateway.saml_logs.store import OUTCOMES, LogFilter
from gateway.sso.service import SsoNotConfigured

PER_PAGE = 100


@blueprint.get("/saml-logs")
def saml_logs_page() -> ResponseReturnValue:
    console = session.require()
    outcome = request.args.get("outcome") or None
    wanted = LogFilter(
        outcome=outcome if outcome in OUTCOMES else None,
        name_id=(request.args.get("name_id") or "").strip() or None,
        limit=PER_PAGE,
    )
    try:
        saving = saving_enabled(saml_logs().sso.saml_config(console.acting))
    except SsoNotConfigured:
        saving = False
    return page(
        "saml_logs.html",
        console,
        entries=saml_logs().list(console.acting, wanted),
        wanted=wanted,
        outcomes=OUTCOMES,
        saving=saving,
    )


@blueprint.get("/saml-logs/<tracking_id>")
def saml_log_page(tracking_id: str) -> ResponseReturnValue:
    console = session.require()
    service = saml_logs()
    entry = service.detail(console.acting, tracking_id)
    explanation = None
    if request.args.get("explain"):
        explanation = service.explain_again(console.acting, tracking_id).to_dict()
    return page(
        "saml_log.html",
        console,
        entry=entry,
        raw_xml=pretty_xml(entry.get("raw_response")),
        decrypted_xml=pretty_xml(entry.get("decrypted_assertion")),
        explanation=explanation,
    )
