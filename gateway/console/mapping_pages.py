"""Console pages: an account's ordered mapping rules and the "try it" panel."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue

from gateway.console import session
from gateway.console.rule_forms import CATEGORIES, field_problems, form_rule, rule_fields
from gateway.console.session import Console, store
from gateway.console.try_it import explain_form, explanation_view
from gateway.console.web import blueprint, done, page, posted, refusal_status
from gateway.errors import BadRequest, GatewayError
from gateway.rules import RulesService


def _rules() -> RulesService:
    return current_app.extensions["gateway.rules"]  # type: ignore[no-any-return]


@blueprint.get("/mapping")
def mapping() -> ResponseReturnValue:
    return mapping_page(session.require())


def mapping_page(
    console: Console,
    *,
    status: int = 200,
    failed: dict[str, Any] | None = None,
    explanation: dict[str, Any] | None = None,
    try_error: GatewayError | None = None,
) -> Response:
    """The rules in order, each with its form; ``failed`` re-shows a refused form in place."""
    rules, version = store().get_rules(console.acting.id)
    forms = [rule_fields(rule) for rule in rules]
    add_form = {"category": "", "name": "", "conditions": "", "result": ""}
    if failed is not None:
        if failed["position"] <= len(forms) and not failed["adding"]:
            forms[failed["position"] - 1] = failed["fields"]
        else:
            add_form = failed["fields"]
    return page(
        "mapping.html",
        console,
        status,
        forms=forms,
        version=version,
        add_form=add_form,
        failed=failed,
        categories=CATEGORIES,
        sub_accounts=store().list_accounts(parent_id=console.acting.id),
        explanation=explanation,
        try_error=try_error,
        try_form=request.form if explanation is not None or try_error else {},
    )


def _save(console: Console, rules: list[Any]) -> None:
    expected = request.form.get("version", "")
    _rules().save(
        console.acting.id,
        rules,
        actor=console.caller.actor,
        expected_version=int(expected) if expected.isdigit() else None,
    )


def _refused(console: Console, error: GatewayError, position: int, adding: bool) -> Response:
    fields = {k: request.form.get(k, "") for k in ("category", "name", "conditions", "result")}
    failed = {
        "position": position,
        "adding": adding,
        "fields": fields,
        "problems": field_problems(error, position),
    }
    return mapping_page(console, status=refusal_status(error), failed=failed)


@blueprint.post("/mapping/rules")
def add_rule() -> ResponseReturnValue:
    console = posted()
    rules, _ = store().get_rules(console.acting.id)
    rules.append(form_rule(request.form))
    try:
        _save(console, rules)
    except GatewayError as e:
        return _refused(console, e, len(rules), adding=True)
    return done("mapping", "rule_added", _anchor=f"rule-{len(rules)}")


@blueprint.post("/mapping/rules/<int:position>")
def edit_rule(position: int) -> ResponseReturnValue:
    console = posted()
    rules, _ = store().get_rules(console.acting.id)
    try:
        index = _index(rules, position)
        rules[index] = form_rule(request.form)
        _save(console, rules)
    except GatewayError as e:
        return _refused(console, e, position, adding=False)
    return done("mapping", "rule_saved", _anchor=f"rule-{position}")


@blueprint.post("/mapping/rules/<int:position>/delete")
def delete_rule(position: int) -> ResponseReturnValue:
    console = posted()
    rules, _ = store().get_rules(console.acting.id)
    try:
        del rules[_index(rules, position)]
        _save(console, rules)
    except GatewayError as e:
        return _refused(console, e, position, adding=False)
    return done("mapping", "rule_deleted")


@blueprint.post("/mapping/rules/<int:position>/move")
def move_rule(position: int) -> ResponseReturnValue:
    console = posted()
    rules, _ = store().get_rules(console.acting.id)
    target = position - 1 if request.form.get("direction") == "up" else position + 1
    try:
        index, other = _index(rules, position), _index(rules, target)
        rules[index], rules[other] = rules[other], rules[index]
        _save(console, rules)
    except GatewayError as e:
        return _refused(console, e, position, adding=False)
    return done("mapping", "rule_moved", _anchor=f"rule-{target}")


def _index(rules: list[Any], position: int) -> int:
    if not 1 <= position <= len(rules):
        raise BadRequest(
            f"There is no rule {position}; positions run 1 to {len(rules)}.",
            code="rule_not_found",
        )
    return position - 1


@blueprint.post("/mapping/try")
def try_it() -> ResponseReturnValue:
    console = posted()
    sso = current_app.extensions["gateway.sso"]
    try:
        result = explain_form(sso, console.acting, request.form)
    except GatewayError as e:
        return mapping_page(console, status=refusal_status(e), try_error=e)
    return mapping_page(console, explanation=explanation_view(result))
