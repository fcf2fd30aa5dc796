"""The OpenAPI document describes what the server accepts and how it refuses (issue 17 item 16).

What these tests prove: every example body the document shows is accepted as sent; the bodies
named in the issue have their media types and properties; and every refusal that the probes
below provoke (no token, a foreign or unknown account, a malformed body, and the refusals the
issue names) is listed under its HTTP status for that operation. The document's lists come
from reading each view's code (``gateway.api.raises``) plus what a route declares; the probes
are the independent check that those lists hold what the server really answers. They cannot
show that a code listed is reachable, nor provoke every refusal of every route.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Blueprint

from gateway.api import examples
from gateway.api.openapi import build
from gateway.api.registry import ApiRegistry
from gateway.app import create_app
from gateway.demo import init_demo
from gateway.sso.config import SamlConfigInvalid

PREFIX = "/api/v1"


@pytest.fixture
def world(sqlite_store: Any) -> dict[str, Any]:
    made = init_demo(sqlite_store)
    app = create_app(
        {"demo": True, "public_url": "http://127.0.0.1:8000", "rate_limit_per_minute": 0},
        store=sqlite_store,
    )
    client = app.test_client()
    document = client.get(f"{PREFIX}/openapi.json").json
    token = made.tokens["acme admin"]
    return {
        "client": client,
        "document": document,
        "auth": {"Authorization": f"Bearer {token}"},
        "acme": sqlite_store.find_account("acme").id,
        "globex": sqlite_store.find_account("globex").id,
    }


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _url(path: str, **values: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), "x")), path)


def _listed(operation: dict[str, Any], status: int) -> set[str]:
    answer = operation["responses"].get(str(status), {})
    return {entry["code"] for entry in answer.get("x-error-codes", [])}


def _assert_documented(operation: dict[str, Any], where: str, answer: Any) -> None:
    if answer.status_code < 400:
        return
    code = answer.json["code"]
    assert code in _listed(operation, answer.status_code), (where, answer.status_code, code)


def _send(client: Any, method: str, url: str, media: str, body: Any, auth: dict[str, str]) -> Any:
    if media == "application/json":
        return client.open(url, method=method.upper(), json=body, headers=auth)
    return client.open(
        url, method=method.upper(), data=body, headers={**auth, "Content-Type": media}
    )


def test_every_documented_example_body_is_accepted_as_sent(world):
    sent = 0
    for path, method, operation in _operations(world["document"]):
        content = operation.get("requestBody", {}).get("content", {})
        for media, entry in content.items():
            if "example" not in entry:
                continue
            assert set(re.findall(r"\{(\w+)\}", path)) <= {"account_id"}, path
            url = _url(path, account_id=world["acme"])
            answer = _send(world["client"], method, url, media, entry["example"], world["auth"])
            assert answer.status_code < 300, (method, path, media, answer.json)
            sent += 1
    # PUT /saml, the metadata upload (3 media types), the rules import (3), explain, tokens.
    assert sent >= 9


def test_the_bodies_say_what_the_server_accepts(world):
    paths = world["document"]["paths"]
    account = f"{PREFIX}/accounts/{{account_id}}"
    upload = paths[f"{account}/saml/metadata"]["post"]["requestBody"]["content"]
    assert "application/samlmetadata+xml" in upload and "application/xml" in upload
    rules = paths[f"{account}/mapping/import"]["post"]["requestBody"]["content"]
    assert {"application/yaml", "text/yaml", "application/json"} <= set(rules)
    saml = paths[f"{account}/saml"]["put"]["requestBody"]["content"]["application/json"]
    properties = saml["schema"]["properties"]
    assert {"idp_entity_id", "sign_in_url", "certificates", "signatures", "binding"} <= set(
        properties
    )
    assert properties["signatures"]["enum"] == ["either", "response", "assertion", "both"]
    explain = paths[f"{account}/mapping/explain"]["post"]["requestBody"]["content"]
    assert {"attributes", "saml_response", "verify", "email"} <= set(
        explain["application/json"]["schema"]["properties"]
    )
    token = paths[f"{account}/tokens"]["post"]["requestBody"]["content"]["application/json"]
    assert token["schema"]["properties"]["profile"]["enum"] == [
        "strict",
        "compatible",
        "okta",
        "entra",
    ]


def test_the_put_saml_body_lists_every_field_of_the_saml_configuration(world):
    from dataclasses import fields

    from gateway.sso.config import SamlConfig

    put = world["document"]["paths"][f"{PREFIX}/accounts/{{account_id}}/saml"]["put"]
    schema = put["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == {f.name for f in fields(SamlConfig)}


def test_every_refusal_the_probes_provoke_is_listed_for_its_operation(world):
    client, auth = world["client"], world["auth"]
    probes = 0
    for path, method, operation in _operations(world["document"]):
        url = _url(path, account_id=world["acme"])
        tries = [("no token", client.open(url, method=method.upper()))]
        if "{account_id}" in path:
            foreign = _url(path, account_id=world["globex"])
            unknown = _url(path, account_id=987654)
            tries.append(
                ("foreign account", client.open(foreign, method=method.upper(), headers=auth))
            )
            tries.append(
                ("unknown account", client.open(unknown, method=method.upper(), headers=auth))
            )
        if "requestBody" in operation:
            tries.append(
                (
                    "malformed body",
                    client.open(
                        url,
                        method=method.upper(),
                        data="{not json",
                        headers={**auth, "Content-Type": "application/json"},
                    ),
                )
            )
        for what, answer in tries:
            assert answer.status_code < 500, (method, path, what)
            _assert_documented(operation, f"{method} {path} ({what})", answer)
            probes += 1
    assert probes > 150


@pytest.mark.parametrize(
    ("route", "media", "body", "status", "code"),
    [
        ("saml/metadata", "application/samlmetadata+xml", "<md:EntityDescriptor", 400, None),
        ("saml/metadata", "application/xml", "<a>no metadata</a>", 400, None),
        ("saml", "application/json", {"idp_entity_id": "x"}, 400, "invalid_saml_config"),
        ("mapping/import", "application/yaml", "- category: [", 400, None),
        ("mapping/import", "application/json", [{"category": "nope"}], 400, None),
        ("mapping/explain", "application/json", {"saml_response": "%%%"}, None, None),
        ("mapping/explain", "application/json", {"attributes": 3}, 400, "invalid_explain_request"),
        ("tokens", "application/json", {"kind": "root"}, 400, None),
    ],
)
def test_the_refusals_the_issue_names_are_listed(world, route, media, body, status, code):
    document = world["document"]
    method = "put" if route == "saml" else "post"
    operation = document["paths"][f"{PREFIX}/accounts/{{account_id}}/{route}"][method]
    url = f"{PREFIX}/accounts/{world['acme']}/{route}"
    answer = _send(world["client"], method, url, media, body, world["auth"])
    assert answer.status_code >= 400, answer.json
    if status is not None:
        assert answer.status_code == status, answer.json
    if code is not None:
        assert answer.json["code"] == code
    _assert_documented(operation, f"{method} {route}", answer)


def test_each_code_says_what_triggers_it(world):
    for path, method, operation in _operations(world["document"]):
        for status, answer in operation["responses"].items():
            for entry in answer.get("x-error-codes", []):
                assert entry["trigger"].strip(), (method, path, status, entry)
                assert f"`{entry['code']}`" in answer["description"]


def test_a_route_added_later_is_documented_with_the_codes_its_code_raises():
    registry = ApiRegistry(Blueprint("later", __name__))

    @registry.route("/later/<int:account_id>", "POST", "A route another helper adds", tag="t")
    def later(account_id: int) -> Any:
        raise SamlConfigInvalid("Nothing here is valid.", code="later_refusal")

    operation = build(registry.routes)["paths"]["/api/v1/later/{account_id}"]["post"]
    assert "later_refusal" in _listed(operation, 400)
    assert {"rate_limited", "not_found"} <= _listed(operation, 429) | _listed(operation, 404)


def test_the_examples_module_certificate_is_only_an_example():
    assert "BEGIN CERTIFICATE" in examples.EXAMPLE_CERTIFICATE
    with open(examples.__file__) as source:
        assert "PRIVATE KEY" not in source.read()
