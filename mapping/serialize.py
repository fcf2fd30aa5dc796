"""YAML and JSON text for rule sets (import/export); the only module that imports PyYAML."""

from __future__ import annotations

import json
from typing import Literal

import yaml

from .errors import UnparseableDocument
from .loader import ruleset_to_data
from .model import RuleSet

Format = Literal["yaml", "json"]
# Rule files are written by hand; anything this large is a mistake or an attack.
MAX_DOCUMENT_CHARS = 2_000_000


def dump_yaml(ruleset: RuleSet) -> str:
    """The rule set as a YAML document ``{version, rules}``, keys in the documented order."""
    return yaml.safe_dump(
        ruleset_to_data(ruleset), sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def dump_json(ruleset: RuleSet) -> str:
    """The rule set as a JSON document ``{"version", "rules"}``."""
    return json.dumps(ruleset_to_data(ruleset), indent=2, ensure_ascii=False) + "\n"


def parse_text(text: str, fmt: Format) -> object:
    """The plain data of a YAML or JSON document, for ``load_rules`` to validate.

    Raises UnparseableDocument when the text is too large or not valid YAML/JSON.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise UnparseableDocument(f"Document larger than {MAX_DOCUMENT_CHARS} characters.")
    try:
        if fmt == "json":
            return json.loads(text)
        if fmt == "yaml":
            # safe_load builds plain data only: no Python objects from tags.
            return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise UnparseableDocument(f"Not valid {fmt.upper()}: {e}.") from e
    raise UnparseableDocument(f"Unknown format {fmt!r}; use yaml or json.")
