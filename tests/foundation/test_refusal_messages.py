"""Every refusal message reads as a sentence a person can act on (issue 17 item 15).

The static half lists each place the code builds a refusal (a ``GatewayError`` or
``MappingError`` subclass called with a message) and checks its template: the literal text,
with each ``{...}`` placeholder kept as written. What it proves: every literal or f-string
template (and module-level string constants named as the message) starts with a capital, a
quoted name or a placeholder, ends with a full stop (or passes another refusal's message
through), and has no bare ``None``, doubled word, "the either"-style slip or a library's
exception text in brackets. What it cannot prove: the words a placeholder fills in at run time;
the runtime half below triggers the refusals whose filled-in text went wrong before.
Zoom's dialect (``gateway/zoom_scim``) answers with Zoom's own documented texts, kept as
Zoom writes them, so only the run-time-independent checks (no ``None``, no doubled word) apply.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from gateway.errors import GatewayError
from mapping.errors import MappingError

ROOT = Path(__file__).resolve().parents[2]
ZOOM_TEXTS = "gateway/zoom_scim/"
# A placeholder that passes another refusal's message through (already a sentence).
PASSED_THROUGH = re.compile(r"\{[^{}]*\b(message|msg|detail)\b[^{}]*\}$")


@dataclass(frozen=True)
class Site:
    where: str
    cls: str
    template: str


def _sources() -> list[Path]:
    paths = [*ROOT.joinpath("gateway").rglob("*.py"), *ROOT.joinpath("mapping").rglob("*.py")]
    return sorted(p for p in paths if "migrations" not in p.parts)


def _refusal_classes(trees: list[ast.Module]) -> set[str]:
    """Names of the classes derived, through any chain of bases, from the two roots."""
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
                bases.setdefault(node.name, set()).update(names)
    found = {GatewayError.__name__, MappingError.__name__}
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                grew = True
    return found


def _template(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"  # type: ignore[attr-defined]
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [_template(side, constants) for side in (node.left, node.right)]
        if all(p is None for p in parts):
            return None
        # A part computed at run time reads as a placeholder: '...: ' + '; '.join(reasons)
        return "".join(
            p if p is not None else "{" + ast.unparse(side) + "}"
            for p, side in zip(parts, (node.left, node.right), strict=True)
        )
    if isinstance(node, ast.Name | ast.Attribute):
        return constants.get(ast.unparse(node))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and (node.func.attr == "format")
    ):
        return _template(node.func.value, constants)
    return None


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level string constants, by the names the module uses for them."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                value = _template(node.value, out)
                if value is not None:
                    out[target.id] = value
    return out


def collect() -> tuple[list[Site], list[str]]:
    """The refusal sites with a template, and those whose message is computed elsewhere."""
    parsed = [(path, ast.parse(path.read_text())) for path in _sources()]
    classes = _refusal_classes([tree for _, tree in parsed])
    sites: list[Site] = []
    computed: list[str] = []
    for path, tree in parsed:
        constants = _constants(tree)
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            message = node.args[0]
            if name not in classes:
                # ``fail(BadResult, message)``: a helper handed a refusal class and its message.
                first = node.args[0]
                if not (isinstance(first, ast.Name) and first.id in classes) or len(node.args) < 2:
                    continue
                name, message = first.id, node.args[1]
            where = f"{relative}:{node.lineno}"
            template = _template(message, constants)
            if template is None and isinstance(message, ast.Name):
                template = _assigned(tree, message)
            helper = _returned(tree, message, constants) if isinstance(message, ast.Call) else []
            sites.extend(Site(where, name, returned) for returned in helper[:-1])
            if template is None and helper:
                template = helper[-1]
            if template is None:
                computed.append(f"{where} {ast.unparse(message)}")
            else:
                sites.append(Site(where, name, template))
    return sites, computed


def _assigned(tree: ast.Module, name: ast.Name) -> str | None:
    """The template last assigned to the local ``name`` before it is used (``message = ...``)."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= name.lineno <= (
            node.end_lineno or 0
        ):
            for assign in ast.walk(node):
                if (
                    isinstance(assign, ast.Assign)
                    and assign.lineno < name.lineno
                    and [ast.unparse(t) for t in assign.targets] == [name.id]
                ):
                    found = _template(assign.value, {}) or found
    return found


def _returned(tree: ast.Module, call: ast.Call, constants: dict[str, str]) -> list[str]:
    """Every message a module-level helper named as the message returns (``_detail(e)``)."""
    if not isinstance(call.func, ast.Name):
        return []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == call.func.id:
            returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value]
            return [t for t in (_template(value, constants) for value in returns) if t is not None]
    return []


def problems(site: Site) -> list[str]:
    """What is wrong with one template (empty when it reads as a sentence)."""
    text = site.template.strip()
    found = []
    outside_quotes = text
    while re.search(r"\{[^{}]*\}", outside_quotes):  # placeholders, innermost first
        outside_quotes = re.sub(r"\{[^{}]*\}", "", outside_quotes)
    outside_quotes = re.sub(r"'[^']*'|\"[^\"]*\"", "", outside_quotes)
    if re.search(r"\bNone\b", outside_quotes):
        found.append("shows None")
    if re.search(r"\b([A-Za-z]+) \1\b", re.sub(r"\{[^{}]*\}", "{}", text), re.IGNORECASE):
        found.append("doubled word")
    if site.where.startswith(ZOOM_TEXTS):
        return found
    if not text or not (text[0].isupper() or text[0] in "'\"{`"):
        found.append("does not start with a capital")
    if not (text.endswith((".", "?", "!")) or PASSED_THROUGH.search(text)):
        found.append("does not end with a full stop")
    if re.search(r"\bthe (either|both|any|all|none|neither)\b", text):
        found.append("'the' before a quantifier")
    if re.search(r"\(\{(e|exc|err|error)\}\)", text):
        found.append("a library's exception text in brackets")
    return found


SITES, COMPUTED = collect()


def test_the_scan_finds_the_refusals_of_every_layer():
    places = {site.where.split("/")[1] for site in SITES if site.where.startswith("gateway/")}
    assert {"saml", "scim", "sso", "api", "store", "domains"} <= places
    assert any(site.where.startswith("mapping/") for site in SITES)
    assert len(SITES) > 400
    # Messages computed elsewhere (another refusal's message, a helper) are a small minority.
    assert len(COMPUTED) < len(SITES) / 5, COMPUTED


def test_every_refusal_template_reads_as_a_sentence():
    bad = [f"{s.where} {s.cls}: {problems(s)} {s.template!r}" for s in SITES if problems(s)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("operation {index} must be a JSON object.", "does not start with a capital"),
        ("The filter is empty", "does not end with a full stop"),
        ("This account requires the either to be signed.", "'the' before a quantifier"),
        ("The SAMLResponse is not valid base64 ({e}).", "a library's exception text in brackets"),
        ("Turn it on on the SSO page.", "doubled word"),
        ("The mapping gives no license (None).", "shows None"),
    ],
)
def test_the_checks_catch_the_slips_once_shipped(template, problem):
    assert problem in problems(Site("gateway/x.py:1", "BadRequest", template))


def test_quoted_values_and_passed_through_messages_are_fine():
    ok = ["The license type 'None' blocks sign-in.", "The IdP metadata cannot be read: {e.message}"]
    assert [problems(Site("gateway/x.py:1", "BadRequest", t)) for t in ok] == [[], []]


# The run-time half: the refusals whose filled-in words read badly before.


def _sentence(message: str) -> str:
    assert message[0].isupper() and message.endswith("."), message
    assert "None" not in message and "  " not in message, message
    assert not re.search(r"\bthe (either|both)\b", message), message
    return message


@pytest.mark.parametrize(
    ("policy", "response_signed", "assertion_signed", "expected"),
    [
        (
            "either",
            False,
            False,
            "requires the response or the assertion to be signed, but the IdP signed neither",
        ),
        (
            "both",
            False,
            True,
            "requires both the response and the assertion to be signed, "
            "but the IdP signed only the assertion",
        ),
        (
            "response",
            False,
            True,
            "requires the response to be signed, but the IdP signed only the assertion",
        ),
        (
            "assertion",
            True,
            False,
            "requires the assertion to be signed, but the IdP signed only the response",
        ),
    ],
)
def test_a_missing_signature_names_what_is_required_and_what_was_signed(
    policy, response_signed, assertion_signed, expected
):
    from gateway.saml.errors import SignatureMissing
    from gateway.saml.types import SignaturePolicy
    from gateway.saml.verify import _check_policy

    with pytest.raises(SignatureMissing) as refused:
        _check_policy(SignaturePolicy(policy), response_signed, assertion_signed)
    assert expected in _sentence(refused.value.message)
    assert f"'{policy}'" in refused.value.message


@pytest.mark.parametrize(
    ("bearer_answers", "response_answers", "expected"),
    [
        (
            None,
            "_req1",
            "names no request (InResponseTo is absent), but the Response answers request '_req1'",
        ),
        ("_req2", None, "answers request '_req2', but the Response names no request"),
        ("_req2", "_req1", "answers request '_req2', but the Response answers request '_req1'"),
    ],
)
def test_a_bearer_confirmation_answering_another_request_says_which(
    bearer_answers, response_answers, expected
):
    from gateway.saml.claims import Window, _check_bearer
    from gateway.saml.errors import SubjectConfirmationInvalid

    acs = "https://sp.example/saml/SSO"
    ns = "urn:oasis:names:tc:SAML:2.0:assertion"
    bearer = etree.Element(f"{{{ns}}}SubjectConfirmation")
    data = etree.SubElement(bearer, f"{{{ns}}}SubjectConfirmationData")
    data.set("Recipient", acs)
    data.set("NotOnOrAfter", "2030-01-01T00:00:00Z")
    if bearer_answers:
        data.set("InResponseTo", bearer_answers)
    window = Window(dt.datetime(2029, 1, 1, tzinfo=dt.UTC), dt.timedelta(seconds=60))
    with pytest.raises(SubjectConfirmationInvalid) as refused:
        _check_bearer(bearer, (acs,), response_answers, window)
    assert expected in _sentence(refused.value.message)


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        ("PHNhbWw+", None),
        ("PHNhbWw", "its length is not a multiple of 4"),
        ("PHNh*Ww+", "a character outside A-Z, a-z, 0-9"),
    ],
)
def test_bad_base64_says_what_is_wrong_without_the_library_s_words(posted, expected):
    from gateway.saml.errors import NotBase64
    from gateway.saml.xmlparse import decode_base64

    if expected is None:
        assert decode_base64(posted) == b"<saml>"
        return
    with pytest.raises(NotBase64) as refused:
        decode_base64(posted)
    message = _sentence(refused.value.message)
    assert expected in message
    assert "(" not in message.split(":")[0]


def test_a_body_over_the_limit_is_refused_with_the_limit(tmp_path):
    from gateway.app import create_app

    app = create_app({"database_url": f"sqlite:///{tmp_path}/gw.db", "max_body_bytes": 1000})
    answer = app.test_client().post(
        "/api/v1/accounts", data=b"x" * 2000, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json["code"] == "too_large"
    assert "1000 bytes" in _sentence(answer.json["message"])


def test_a_signature_reference_without_uri_or_transform_algorithm_names_no_none():
    from gateway.saml import ns
    from gateway.saml.errors import SignatureWrapping, UnsupportedAlgorithm
    from gateway.saml.signature import _check_reference

    element = etree.Element(ns.saml("Assertion"), ID="_a1")
    signed_info = etree.Element(ns.ds("SignedInfo"))
    reference = etree.SubElement(signed_info, ns.ds("Reference"))
    with pytest.raises(SignatureWrapping) as refused:
        _check_reference(signed_info, element, "assertion", allow_sha1=False)
    assert "references nothing (its Reference has no URI)" in _sentence(refused.value.message)
    reference.set("URI", "#_a1")
    transforms = etree.SubElement(reference, ns.ds("Transforms"))
    etree.SubElement(transforms, ns.ds("Transform"))
    with pytest.raises(UnsupportedAlgorithm) as refused:
        _check_reference(signed_info, element, "assertion", allow_sha1=False)
    assert "a transform without an Algorithm" in _sentence(refused.value.message)


def test_an_idp_status_without_a_value_names_no_none():
    from gateway.saml import ns
    from gateway.saml.errors import StatusNotSuccess
    from gateway.saml.verify import _check_status

    root = etree.Element(ns.samlp("Response"))
    status = etree.SubElement(root, ns.samlp("Status"))
    etree.SubElement(status, ns.samlp("StatusCode"))
    with pytest.raises(StatusNotSuccess) as refused:
        _check_status(root)
    assert "status '(none given)'" in _sentence(refused.value.message)
