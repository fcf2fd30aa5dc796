"""Admin API: an account's ordered mapping rules (CRUD, reorder, import/export) and explain."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from gateway.api import examples
from gateway.api.auth import managed_account, store
from gateway.api.registry import api
from gateway.errors import BadRequest
from gateway.http import json_body
from gateway.rules import RulesService, rules_error
from gateway.sso.explain import explain
from gateway.sso.service import SsoService
from mapping import dump_json, dump_yaml, load_rules, parse_text

RULE_BODY = {"type": "object", "required": ["category", "conditions", "result"]}
RULES_ERRORS = ("rules_invalid", "version_mismatch")


def _rules() -> RulesService:
    return current_app.extensions["gateway.rules"]  # type: ignore[no-any-return]


def _rules_json(account_id: int) -> dict[str, Any]:
    rules, version = store().get_rules(account_id)
    return {"version": version, "rules": rules}


def _save(account_id: int, rules: list[Any], actor: str) -> ResponseReturnValue:
    expected = request.args.get("expected_version")
    _rules().save(
        account_id,
        rules,
        actor=actor,
        expected_version=int(expected) if expected and expected.isdigit() else None,
    )
    return jsonify(_rules_json(account_id))


def _position(rules: list[Any], position: int) -> int:
    if not 1 <= position <= len(rules):
        raise BadRequest(
            f"There is no rule {position}; positions run 1 to {len(rules)}.",
            code="rule_not_found",
            status=404,
        )
    return position - 1


@api.route(
    "/accounts/<int:account_id>/mapping/rules",
    "GET",
    "The account's mapping rules in order, with their version",
    tag="mapping",
)
def get_rules(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    return jsonify(_rules_json(account_id))


@api.route(
    "/accounts/<int:account_id>/mapping/rules",
    "PUT",
    "Replace every rule (validated whole: on any error nothing changes)",
    tag="mapping",
    body={"type": "object", "required": ["rules"]},
    errors=RULES_ERRORS,
)
def put_rules(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    rules = json_body().get("rules")
    if not isinstance(rules, list):
        raise BadRequest("'rules' must be a list of rules.", code="rules_invalid")
    return _save(account_id, rules, caller.actor)


@api.route(
    "/accounts/<int:account_id>/mapping/rules",
    "POST",
    "Append one rule",
    tag="mapping",
    body=RULE_BODY,
    errors=RULES_ERRORS,
)
def add_rule(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    rules, _ = store().get_rules(account_id)
    position = request.args.get("position")
    index = int(position) - 1 if position and position.isdigit() else len(rules)
    rules.insert(max(0, min(index, len(rules))), json_body())
    return _save(account_id, rules, caller.actor)


@api.route(
    "/accounts/<int:account_id>/mapping/rules/<int:position>",
    "PUT",
    "Replace the rule at a 1-based position",
    tag="mapping",
    body=RULE_BODY,
    errors=(*RULES_ERRORS, "rule_not_found"),
)
def replace_rule(account_id: int, position: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    rules, _ = store().get_rules(account_id)
    rules[_position(rules, position)] = json_body()
    return _save(account_id, rules, caller.actor)


@api.route(
    "/accounts/<int:account_id>/mapping/rules/<int:position>",
    "DELETE",
    "Delete the rule at a 1-based position",
    tag="mapping",
    errors=("rule_not_found",),
)
def delete_rule(account_id: int, position: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    rules, _ = store().get_rules(account_id)
    del rules[_position(rules, position)]
    return _save(account_id, rules, caller.actor)


@api.route(
    "/accounts/<int:account_id>/mapping/reorder",
    "POST",
    "Reorder: 'order' lists every current position once, in the new order",
    tag="mapping",
    body={"type": "object", "required": ["order"]},
    errors=("invalid_order",),
)
def reorder(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    rules, _ = store().get_rules(account_id)
    order = json_body().get("order")
    if (
        not isinstance(order, list)
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in order)
        or sorted(order) != list(range(1, len(rules) + 1))
    ):
        raise BadRequest(
            f"'order' must list positions 1 to {len(rules)}, each once.", code="invalid_order"
        )
    return _save(account_id, [rules[p - 1] for p in order], caller.actor)


@api.route(
    "/accounts/<int:account_id>/mapping/export",
    "GET",
    "Export the rules as YAML (default) or JSON (?format=json)",
    tag="mapping",
)
def export_rules(account_id: int) -> ResponseReturnValue:
    managed_account(account_id)
    fmt = "json" if request.args.get("format") == "json" else "yaml"
    return Response(
        export_text(_rules(), account_id, fmt),
        mimetype="application/json" if fmt == "json" else "application/yaml",
    )


@api.route(
    "/accounts/<int:account_id>/mapping/import",
    "POST",
    "Import rules from YAML or JSON text (validated whole: on any error nothing changes)",
    tag="mapping",
    body={"type": "string"},
    errors=RULES_ERRORS,
    media=examples.RULES_IMPORT,
)
def import_rules(account_id: int) -> ResponseReturnValue:
    caller, _ = managed_account(account_id)
    fmt = "json" if "json" in (request.content_type or "") else "yaml"
    import_text(_rules(), account_id, request.get_data(as_text=True), fmt, actor=caller.actor)
    return jsonify(_rules_json(account_id))


@api.route(
    "/accounts/<int:account_id>/mapping/explain",
    "POST",
    "Explain the mapping for attributes or a SAML response (verified unless verify=false)",
    tag="mapping",
    body=examples.EXPLAIN_BODY,
    errors=("invalid_explain_request", "signature_invalid", "sso_not_configured"),
    example=examples.EXPLAIN,
)
def explain_route(account_id: int) -> ResponseReturnValue:
    _, account = managed_account(account_id)
    sso: SsoService = current_app.extensions["gateway.sso"]
    return jsonify(explain(sso, account, json_body()).to_dict())


def export_text(rules: RulesService, account_id: int, fmt: str) -> str:
    """The stored rules as YAML or JSON text."""
    data, version = rules.store.get_rules(account_id)
    ruleset = load_rules(
        {"version": max(version, 1), "rules": data}, context=rules.context(account_id)
    )
    return dump_json(ruleset) if fmt == "json" else dump_yaml(ruleset)


def import_text(rules: RulesService, account_id: int, text: str, fmt: str, *, actor: str) -> int:
    """Parse and save rules text; raises RulesInvalid (nothing changes then)."""
    from mapping import MappingError

    try:
        data = parse_text(text, "json" if fmt == "json" else "yaml")
    except MappingError as e:
        raise rules_error(e) from e
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    return rules.save(account_id, data, actor=actor)
