"""The admin's undelivered email on a phone: find a dead message from the dashboard, read why
it failed, send it again."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from portal import clock
from portal.extensions import db
from portal.mail import outbox
from portal.outbox.models import OutboxMessage
from tests.browser.steps import log_in

PHONE = {"width": 390, "height": 844}


def test_the_admin_resends_a_dead_email_on_a_phone(app, users, page: Page, a11y):
    with app.app_context():
        db.session.add(OutboxMessage(
            kind="booked", key="booked:1:0", to="claire@example.com", subject="Booked: Monday 15 March 2027 at 10:00",
            body="Hello Claire,\n\nYour booking.", html="<p>Hello Claire,</p>", headers={}, user_id=users["client"].id,
            status="dead", attempts=8, last_error="TimeoutError: timed out", created_at=clock.now(),
            next_attempt_at=clock.now()))
        db.session.commit()

    page.set_viewport_size(PHONE)
    log_in(page, "admin@example.com", lands_on="/admin")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Undelivered email").click()
    expect(page.get_by_role("heading", level=1, name="Undelivered email")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("claire@example.com"))
    expect(row).to_contain_text("TimeoutError: timed out")
    expect(row).to_contain_text("dead")
    # The page fits the phone: only the table scrolls sideways, inside its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    a11y(page, "outbox-dead-letters-phone")

    row.get_by_role("button", name=re.compile("Resend")).click()
    expect(page.get_by_role("status")).to_contain_text("Sending again: Booked: Monday 15 March 2027 at 10:00")
    expect(page.get_by_text("every email has been delivered")).to_be_visible()
    a11y(page)
    with app.app_context():
        assert [m["To"] for m in outbox()] == ["claire@example.com"]
