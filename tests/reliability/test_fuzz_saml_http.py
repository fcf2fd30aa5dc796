"""Whatever reaches the ACS (random bytes, random XML, genuine responses mutated at random, the
attack shapes of idp_fixtures/attacks.py, alone or mutated), the answer is a refusal with a code
or a sign-in of exactly the identity the IdP signed: never a 500, never a hang, never an
attacker signed in."""

from __future__ import annotations

import base64
import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.app import create_app
from gateway.clock import FrozenClock
from gateway.store.sql import SqlStore
from idp_fixtures import attacks
from idp_fixtures.idp import TestIdP
from idp_fixtures.xmlsign import decode, encode
from tests.reliability import fuzzing

PUBLIC = "http://127.0.0.1:8000"
ACS = f"{PUBLIC}/v/acme/saml/SSO"
SP = f"{PUBLIC}/v/acme/saml/metadata/sp"
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
SETTINGS = settings(
    max_examples=fuzzing.examples(50, 12_000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not fuzzing.LARGE,
)
NAME_IDS = st.sampled_from(["alice@acme.test", "bob@acme.test", "carol@elsewhere.test"])
XML_TOKENS = st.sampled_from(
    [
        "<samlp:Response ",
        'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ',
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"',
        ">",
        "</samlp:Response>",
        "<saml:Assertion ID='_a'>",
        "</saml:Assertion>",
        "<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'>",
        "<!DOCTYPE r [<!ENTITY x 'y'>]>",
        "&x;",
        "<!-- -->",
        "<![CDATA[",
        "]]>",
        "<?xml version='1.0'?>",
        "\x00",
        "é",
        "<",
        "'",
        '"',
    ]
)


@pytest.fixture(scope="module")
def acs(sqlite_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Acme trusting the test IdP (IdP-initiated allowed), and a poster to its ACS."""
    path = tmp_path_factory.mktemp("fuzz-saml") / "gateway.db"
    path.write_bytes(sqlite_template.read_bytes())
    store = SqlStore.from_url(f"sqlite:///{path}", FrozenClock(NOW), migrate=False)
    idp = TestIdP("https://idp.test/metadata")
    account = store.create_account(
        "Acme", "owner@acme.test", actor="t", vanity="acme", plan={"Licensed": 10}
    )
    store.add_verified_domain(account.id, "acme.test", actor="t")
    store.put_saml_config(
        account.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": True,
        },
        actor="t",
    )
    client = create_app(
        {"public_url": PUBLIC, "rate_limit_per_minute": 0}, store=store
    ).test_client()

    def post(saml_response: str | bytes) -> Any:
        with fuzzing.no_hang():
            answer = client.post(
                "/v/acme/saml/SSO",
                data={"SAMLResponse": saml_response},
                headers={"Accept": "application/json"},
            )
        assert answer.status_code < 500, answer.get_data(as_text=True)
        if answer.status_code >= 400:
            assert answer.get_json()["code"], answer.get_data(as_text=True)
        return answer

    yield idp, post
    store.dispose()


def _genuine(idp: TestIdP, name_id: str, *, sign_response: bool = False) -> str:
    return idp.make_response(
        sp_entity_id=SP,
        acs_url=ACS,
        name_id=name_id,
        attributes={"memberOf": ["staff"]},
        now=NOW,
        sign_response=sign_response,
    )


def _content(name_id: str) -> dict[str, Any]:
    return {"sp_entity_id": SP, "acs_url": ACS, "name_id": name_id, "now": NOW}


ATTACKER = TestIdP("https://attacker.test/metadata")


def _wrapped(xsw: Callable[[str], str]) -> Callable[[TestIdP, str], str]:
    return lambda idp, name_id: xsw(_genuine(idp, name_id, sign_response=True))


ATTACKS: dict[str, Callable[[TestIdP, str], str]] = {
    **{name: _wrapped(xsw) for name, xsw in attacks.XSW_VARIANTS.items()},
    "duplicate_id": lambda idp, n: attacks.duplicate_id(_genuine(idp, n)),
    "namespaced_duplicate_id": lambda idp, n: attacks.namespaced_duplicate_id(_genuine(idp, n)),
    "tamper_name_id": lambda idp, n: attacks.tamper_name_id(_genuine(idp, n)),
    "comment_in_digest_value": lambda idp, n: attacks.comment_in_digest_value(_genuine(idp, n)),
    "comment_in_name_id": lambda idp, n: attacks.comment_in_name_id(
        idp, n, ".evil.test", sp_entity_id=SP, acs_url=ACS, now=NOW
    ),
    "two_references": lambda idp, n: attacks.two_references(idp, **_content(n)),
    "hmac_signed": lambda idp, n: attacks.hmac_signed(idp, **_content(n)),
    "attacker_key_info": lambda idp, n: attacks.attacker_key_info(
        ATTACKER, idp.entity_id, **_content(n)
    ),
    "xxe": lambda idp, n: attacks.xxe(),
    "billion_laughs": lambda idp, n: attacks.billion_laughs(),
    "utf16_doctype": lambda idp, n: attacks.utf16_doctype(),
}
XML_TEXT = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=30)
# What the attack shapes may have changed the signed identity into.
FORGED_NAME_IDS = {attacks.EVIL_NAME_ID}


def _mutate(root: etree._Element, data: st.DataObject) -> etree._Element:
    """Apply a few random structural and textual mutations to a parsed response."""
    for _ in range(data.draw(st.integers(1, 4))):
        elements = list(root.iter(tag=etree.Element))
        target = data.draw(st.sampled_from(elements))
        kind = data.draw(
            st.sampled_from(["drop", "dup", "text", "attr", "comment", "move", "wrap"])
        )
        parent = target.getparent()
        if kind == "drop" and parent is not None:
            parent.remove(target)
        elif kind == "dup" and parent is not None:
            parent.insert(parent.index(target), copy.deepcopy(target))
        elif kind == "text":
            target.text = data.draw(XML_TEXT)
        elif kind == "attr":
            name = data.draw(
                st.sampled_from(["ID", "Version", "Algorithm", "URI", "NotOnOrAfter", "Format"])
            )
            target.set(name, data.draw(XML_TEXT))
        elif kind == "comment":
            comment = etree.Comment("x")
            comment.tail = data.draw(XML_TEXT)
            target.append(comment)
        elif kind == "move" and parent is not None:
            destination = data.draw(st.sampled_from(elements))
            if target not in destination.iterancestors() and destination is not target:
                destination.append(target)
        elif kind == "wrap":
            wrapper = etree.Element("{urn:oasis:names:tc:SAML:2.0:protocol}Response")
            wrapper.append(copy.deepcopy(root))
            root = wrapper
    return root


def _assert_only_the_signed_identity(answer: Any, signed_name_id: str) -> None:
    if answer.status_code in (200, 202):
        signed_in = answer.get_json()["assertion"]["name_id"]
        assert signed_in == signed_name_id and signed_in not in FORGED_NAME_IDS


@SETTINGS
@given(data=st.data(), name_id=NAME_IDS, attack=st.sampled_from([None, *ATTACKS]))
def test_a_mutated_response_signs_in_only_the_identity_the_idp_signed(acs, data, name_id, attack):
    idp, post = acs
    fuzzing.count("saml_mutated")
    response = ATTACKS[attack](idp, name_id) if attack else _genuine(idp, name_id)
    try:
        root = decode(response)
    except etree.XMLSyntaxError:
        root = None
    if root is not None and data.draw(st.booleans()):
        response = encode(_mutate(root, data))
    answer = post(response)
    _assert_only_the_signed_identity(answer, name_id)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_every_attack_shape_is_refused_at_the_acs_with_a_code(acs, attack):
    idp, post = acs
    fuzzing.count("saml_attack_shapes")
    answer = post(ATTACKS[attack](idp, "victim@acme.test"))
    assert answer.status_code in (400, 403, 413), answer.get_json()
    assert answer.get_json()["code"] != "internal_error"


@SETTINGS
@given(
    raw=st.one_of(
        st.binary(max_size=600).map(lambda b: base64.b64encode(b).decode()),
        st.text(max_size=200),
        st.lists(XML_TOKENS, max_size=25).map(
            lambda t: base64.b64encode("".join(t).encode()).decode()
        ),
        st.binary(max_size=300),
    )
)
def test_random_bytes_and_random_xml_are_refused_with_a_code(acs, raw):
    _, post = acs
    fuzzing.count("saml_random")
    answer = post(raw)
    assert answer.status_code in (400, 403, 413), answer.get_json()
