"""The "try it" panel: a form in, the explanation's decision and trace as table rows out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.demo_idp import parse_attributes
from gateway.errors import BadRequest
from gateway.sso.explain import Explanation, explain
from gateway.sso.service import SsoService
from gateway.store.records import Account


def explain_form(sso: SsoService, account: Account, form: Mapping[str, str]) -> Explanation:
    """Explain the attributes (``name=value`` lines) or the pasted SAML response of the form.

    Raises BadRequest ``invalid_explain_request``/``invalid_attribute`` and the SAML refusals.
    """
    body: dict[str, Any] = {}
    email = form.get("email", "").strip()
    if email:
        body["email"] = email
    response = form.get("saml_response", "").strip()
    if form.get("source") == "saml_response":
        if not response:
            raise BadRequest("Paste a SAML response first.", code="invalid_explain_request")
        body.update(saml_response=response, verify=form.get("verify") == "on")
    else:
        lines = [x for x in form.get("attributes", "").splitlines() if x.strip()]
        if not lines:
            raise BadRequest(
                "Enter at least one attribute as name=value.", code="invalid_explain_request"
            )
        body["attributes"] = parse_attributes(lines)
    return explain(sso, account, body)


def explanation_view(result: Explanation) -> dict[str, Any]:
    """The explanation as the page shows it: a summary and one table row per rule."""
    data = result.to_dict()
    decision = data["decision"]
    trace = decision["trace"]
    decided = {pos: cat for cat, positions in trace["decided_by"].items() for pos in positions}
    return {
        "lands_in": data["lands_in"],
        "notes": [*data["notes"], *trace["notes"]],
        "verified": data["verified"],
        "existing_user": data["existing_user"],
        "attributes": data["attributes"],
        "decision": decision,
        "rows": [_row(rule, decided) for rule in trace["rules"]],
        "left_out": trace["left_out"],
        "removed": trace["removed"],
    }


def _row(rule: dict[str, Any], decided: dict[int, str]) -> dict[str, Any]:
    conditions = [
        {
            "text": f"{c['attribute']} {c['operator']} {' | '.join(c['values'])}",
            "matched": c["matched"],
            "reason": c["reason"],
        }
        for c in rule["conditions"]
    ]
    return {
        "position": rule["position"],
        "category": rule["category"],
        "name": rule["name"],
        "result": rule["result"],
        "matched": rule["matched"],
        "decides": decided.get(rule["position"]) == rule["category"],
        "conditions": conditions,
        "note": rule["note"],
    }
