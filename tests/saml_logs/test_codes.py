"""Zoom's numeric codes: every refusal the ACS can give has one, in one table, documented."""

from __future__ import annotations

import pathlib
import re

from gateway.saml import errors as saml_errors
from gateway.saml.codes import CODES, INFERRED, OTHER, zoom_number
from gateway.store import errors as store_errors

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The modules whose refusals reach the ACS's answer (besides every SamlError and StoreError).
ACS_MODULES = (
    "gateway/sso/signin.py",
    "gateway/sso/profile.py",
    "gateway/sso/service.py",
    "gateway/sso/binding.py",
)
CODE_LITERAL = re.compile(r"""\bcode\s*=\s*["']([a-z0-9_]+)["']""")


def _subclass_codes(base: type) -> set[str]:
    found, pending = set(), [base]
    while pending:
        cls = pending.pop()
        found.add(cls.code)
        pending.extend(cls.__subclasses__())
    return found


def acs_refusal_codes() -> set[str]:
    """Every code the ACS can refuse with, read from the classes and the sign-in's sources."""
    import gateway.sso.service  # noqa: F401  (SamlError subclasses defined elsewhere load too)

    codes = _subclass_codes(saml_errors.SamlError) | _subclass_codes(store_errors.StoreError)
    for module in ACS_MODULES:
        codes |= set(CODE_LITERAL.findall((ROOT / module).read_text()))
    blocked = re.findall(r'blocked="([a-z_]+)"', (ROOT / "mapping/resolve.py").read_text())
    return codes | set(blocked) | {"account_not_found", "rate_limited"}


def test_every_refusal_code_of_the_acs_has_a_zoom_number():
    missing = sorted(code for code in acs_refusal_codes() if code not in CODES)
    assert missing == [], f"add these codes to gateway/saml/codes.py CODES: {missing}"


def test_the_numbers_zoom_publishes_are_kept_with_their_sources():
    assert zoom_number("not_provisioned") == 1020
    assert zoom_number("license_none") == 1021
    assert CODES["not_provisioned"].source.startswith("https://community.zoom.com/")
    assert not CODES["license_none"].inferred


def test_a_code_missing_from_the_table_gets_the_inferred_catch_all():
    assert zoom_number("no_such_code") == OTHER.number == 1099
    assert OTHER.number not in {c.number for c in CODES.values()}


def test_every_number_is_in_the_zoom_range_and_sourced_or_marked_inferred():
    for code, entry in CODES.items():
        assert 1000 <= entry.number <= 1099, code
        assert entry.source == INFERRED or entry.source.startswith("http"), code


def test_docs_list_every_code_with_its_number_and_source():
    text = (ROOT / "docs/saml-codes.md").read_text()
    for code, entry in CODES.items():
        row = re.search(rf"^\| {entry.number} \| `{code}` \|(.*)$", text, re.MULTILINE)
        assert row, f"docs/saml-codes.md lacks the row for {code} ({entry.number})"
        assert (entry.source in row.group(1)) or (entry.inferred and "inferred" in row.group(1))
