"""docs/pytest-plugin.md's example is the one tests/plugin runs, verbatim (so it keeps working)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_plugin_example_is_the_tested_one():
    page = (ROOT / "docs" / "pytest-plugin.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 1
    tested = (ROOT / "tests" / "plugin" / "test_readme_example.py").read_text()
    assert blocks[0].strip() in tested
