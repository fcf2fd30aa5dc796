"""The mapping engine stays pure: its modules import only the standard library (and PyYAML once)."""

from __future__ import annotations

import ast
from pathlib import Path

MAPPING = Path(__file__).resolve().parents[2] / "mapping"
ALLOWED = {
    "__future__",
    "collections",
    "dataclasses",
    "itertools",
    "json",
    "operator",
    "re",
    "re2",  # google-re2: regex rules run on a linear-time engine (issue 14)
    "typing",
}
YAML_MODULE = "serialize.py"


def imported_modules(path: Path) -> set[str]:
    """Top-level names of the absolute imports in one file; relative imports stay in mapping."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_mapping_modules_import_only_the_allowed_standard_library() -> None:
    offenders = {}
    for path in sorted(MAPPING.glob("*.py")):
        allowed = ALLOWED | ({"yaml"} if path.name == YAML_MODULE else set())
        extra = imported_modules(path) - allowed
        if extra:
            offenders[path.name] = sorted(extra)
    assert offenders == {}


def test_only_the_serialize_module_imports_yaml() -> None:
    users = [p.name for p in sorted(MAPPING.glob("*.py")) if "yaml" in imported_modules(p)]
    assert users == [YAML_MODULE]


def test_the_import_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom gateway.store import x\nfrom . import model\n")
    assert imported_modules(sample) == {"flask", "gateway"}
