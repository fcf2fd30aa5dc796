"""A live demo gateway and headless Debian chromium driven by Playwright (never its download)."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.testing.server import LiveGateway
from tests.support.e2e import WIDE

CHROMIUM = pathlib.Path("/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.live)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(
                        reason="/usr/bin/chromium is missing: 'make sysdeps' installs it "
                        "(apt-get install chromium)"
                    )
                )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo world served live: its URL and the tokens ``gateway init-demo`` printed."""
    workdir = tmp_path_factory.mktemp("e2e-gateway")
    server = LiveGateway(f"sqlite:///{workdir / 'gateway.db'}", workdir, demo=True)
    printed = server.cli("init-demo")
    tokens = dict(re.findall(r"token \(([^)]+), shown once\): (\S+)", printed))
    with server:
        yield {"url": server.url, "tokens": tokens, "server": server}


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    """Debian's chromium, headless (the session's one instance, tests/conftest.py)."""
    return chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context at 1280 px wide."""
    context = browser.new_context(viewport=WIDE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
