"""YAML/JSON import and export round-trip; the documented example loads as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mapping_helpers import CONTEXT, SEED_RULES, cond, rule

from mapping import (
    RuleSetInvalid,
    UnparseableDocument,
    dump_json,
    dump_yaml,
    load_rules,
    parse_text,
)

README = Path(__file__).resolve().parents[2] / "mapping" / "README_RULES.md"

MIXED = [
    *SEED_RULES,
    rule("license", "Licensed", cond("memberOf", "HIPAA", operator="equals", case_sensitive=True)),
    rule("addon:webinar", False, cond("title", r"VP .*", operator="regex")),
    rule("user_group", "Ärzte", cond("dept", "med", operator="starts_with"), name="doctors"),
    rule("sub_account", 12345, cond("dept", "labs")),
]


@pytest.mark.parametrize(("dump", "fmt"), [(dump_yaml, "yaml"), (dump_json, "json")])
def test_export_then_import_gives_the_same_rule_set(dump: object, fmt: str) -> None:
    ruleset = load_rules({"version": 3, "rules": MIXED}, context=CONTEXT)
    text = dump(ruleset)  # type: ignore[operator]
    assert load_rules(parse_text(text, fmt), context=CONTEXT) == ruleset  # type: ignore[arg-type]


def test_yaml_export_reads_like_the_documented_format() -> None:
    text = dump_yaml(load_rules(SEED_RULES, context=CONTEXT))
    assert "- category: sub_account\n  name: healthcare routing\n" in text
    assert "operator" not in text


def test_seed_example_in_readme_loads_as_written() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL)
    assert blocks, "README_RULES.md shows the rule format in yaml blocks"
    assert (
        load_rules(parse_text(blocks[0], "yaml"), context=CONTEXT).rules
        == load_rules(SEED_RULES, context=CONTEXT).rules
    )
    for block in blocks:
        load_rules(parse_text(block, "yaml"), context=CONTEXT)


def test_import_of_a_file_with_errors_changes_nothing() -> None:
    current = load_rules(SEED_RULES, context=CONTEXT)
    bad = "- category: license\n  conditions: []\n  result: Gold\n"
    with pytest.raises(RuleSetInvalid):
        current = load_rules(parse_text(bad, "yaml"), context=CONTEXT)
    assert current == load_rules(SEED_RULES, context=CONTEXT)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("- [unclosed", "yaml"), ("{", "json"), ("rules: []", "toml")],
)
def test_unparseable_document_is_refused(text: str, fmt: str) -> None:
    with pytest.raises(UnparseableDocument) as caught:
        parse_text(text, fmt)  # type: ignore[arg-type]
    assert caught.value.code == "unparseable"


def test_yaml_tags_do_not_build_python_objects() -> None:
    with pytest.raises(UnparseableDocument):
        parse_text("!!python/object/apply:os.system ['true']", "yaml")
