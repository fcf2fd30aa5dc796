"""pysaml2 and python-xmlsec stay inside gateway/saml; test IdP keys stay private on disk."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

from idp_fixtures.idp import TestIdP

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"
FENCED = ("saml2", "xmlsec")


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_saml_package_imports_pysaml2_or_xmlsec() -> None:
    offenders = [
        str(path.relative_to(GATEWAY))
        for path in GATEWAY.rglob("*.py")
        if "saml" not in path.relative_to(GATEWAY).parts[:1] and _imported_roots(path) & set(FENCED)
    ]
    assert offenders == []


def test_idp_keys_persist_in_the_key_dir_readable_only_by_the_owner(tmp_path: Path) -> None:
    first = TestIdP("https://persist.test/idp", key_dir=tmp_path)
    again = TestIdP("https://persist.test/idp", key_dir=tmp_path)
    assert again.keys == first.keys
    (key_file,) = tmp_path.glob("*.key.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
