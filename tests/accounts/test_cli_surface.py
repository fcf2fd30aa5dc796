"""The ``gateway`` command as a user meets it: its help, a bad database URL, no import circle."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from gateway.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_help_lists_no_flask_options():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for flask_option in ("--env-file", "--app", "--debug", "-A", "-e"):
        assert flask_option not in result.output.split()
    assert "init-demo" in result.output


@pytest.mark.parametrize(
    ("url", "reason"),
    [("nonsense", "not in the form dialect://"), ("mysql://u@h/db", "'mysql' is not sqlite")],
)
def test_a_malformed_database_url_is_one_line_and_a_failure_exit(url, reason):
    env = {"GATEWAY_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "from gateway.cli import main; main()", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: config_invalid: GATEWAY_DATABASE_URL")
    assert reason in lines[0]
    assert "Traceback" not in done.stderr


def test_an_unreachable_database_is_one_line_and_a_failure_exit():
    env = {"GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "from gateway.cli import main; main()", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: database_unavailable: ")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_non_numeric_setting_names_the_variable(monkeypatch):
    from gateway.config import ConfigError, GatewayConfig

    with pytest.raises(ConfigError, match="GATEWAY_MAX_BODY_BYTES must be a whole number"):
        GatewayConfig.from_env({"GATEWAY_MAX_BODY_BYTES": "lots"})


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_command_module_imports_the_cli_that_registers_it():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "gateway").rglob("*.py")
        if path.name != "cli.py" or path.parent.name != "gateway"
        if "gateway.cli" in _imports(path)
    ]
    assert offenders == []
