"""Steps every journey takes: log in and out through the real forms."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def log_in(page: Page, email: str = "client@example.com", lands_on: str | None = "/dashboard", *,
           password: str = PASSWORD) -> None:
    """Log in through the form; with `lands_on`, check where it leads."""
    page.goto("/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    if lands_on:
        expect(page).to_have_url(re.compile(re.escape(lands_on) + r"(\?.*)?$"))


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out. See you soon.")).to_be_visible()


def dots(count: int, shape: str = "circle") -> re.Pattern:
    """A chart series' path data drawing exactly `count` dots (portal/feedback/chart.py draws each
    series as one path): expect(locator("svg path.dot-after")).to_have_attribute("d", dots(2))."""
    one = r"M[\d.]+ [\d.]+a5 5 0 1 0 10 0a5 5 0 1 0-10 0" if shape == "circle" else r"M[\d.]+ [\d.]+h8v8h-8z"
    return re.compile(rf"^(?:{one}){{{count}}}$")
