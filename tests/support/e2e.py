"""Playwright steps of the end-to-end tests: screenshots at two widths, the console's sign-in."""

from __future__ import annotations

import pathlib
from typing import Any

SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def screenshot(page: Any, name: str, *, narrow: bool = True) -> None:
    """Save the page at 1280 px (and at 390 px) under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"), full_page=True)
    if narrow:
        page.set_viewport_size(NARROW)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        page.set_viewport_size(WIDE)


def sign_in(page: Any, demo: dict[str, Any], token: str = "acme admin") -> None:
    """Sign in to the console with one of the demo's admin tokens."""
    page.goto(f"{demo['url']}/console/")
    page.get_by_label("Admin token").fill(demo["tokens"][token])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/accounts")
