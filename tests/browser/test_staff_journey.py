"""Back office in a real browser: an admin invites a therapist, says what they give, and adds a
client who phoned; the therapist opens the emailed link and chooses a password. Each new page
is checked with axe, and at 390 px wide nothing scrolls sideways."""

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

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.salon.models import Therapist
from tests.booking_support import seed_salon
from tests.browser.steps import log_in, log_out
from tests.browser.test_account_journeys import emailed_link

NEW_PASSWORD = "copper-kettle-meadow-42"
PHONE = {"width": 390, "height": 844}


def fits_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{page.url} scrolls sideways at 390 px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_admin_invites_a_therapist_who_sets_their_password(app, users, live_server, page, page_problems, a11y):
    seed_salon(app, users)
    log_in(page, "admin@example.com", lands_on="/admin")
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Staff and invitations").click()
    expect(page.get_by_role("heading", level=1, name="Staff")).to_be_visible()
    a11y(page, "staff-index")
    fits_a_phone(page)

    page.get_by_role("link", name="Invite a therapist or admin").click()
    a11y(page, "staff-invite")
    fits_a_phone(page)
    page.get_by_label("Their full name").fill("Grace Liddell")
    page.get_by_label("Their email address").fill("client@example.com")  # already a client
    page.get_by_role("button", name="Send the invitation").click()
    email = page.get_by_label("Their email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("already has an account"))
    expect(page.get_by_label("Their full name")).to_have_value("Grace Liddell")
    page_problems.expect(r"422.*/admin/staff/invite\)?$")  # refused on purpose: a duplicate address
    email.fill("grace@example.com")
    page.get_by_role("button", name="Send the invitation").click()

    expect(page.get_by_role("heading", level=1, name="Edit Grace Liddell")).to_be_visible()
    expect(page.get_by_text("Invitation sent to grace@example.com.")).to_be_visible()
    a11y(page, "staff-therapist")
    fits_a_phone(page)
    page.get_by_label("About them").fill("Desk-worker tension.")
    page.get_by_label("Pregnancy massage").check()
    page.get_by_label("Full Body Massage").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Grace Liddell's details are saved.")).to_be_visible()
    expect(page.get_by_text("has not chosen a password yet")).to_be_visible()
    with app.app_context():
        grace = db.session.scalar(select(Therapist).where(Therapist.display_name == "Grace Liddell"))
        assert [s.name for s in grace.services] == ["Full Body Massage"]

    log_out(page)
    page.goto(emailed_link(app, live_server, "grace@example.com", "/account/welcome/"))
    expect(page.get_by_role("heading", level=1, name="Welcome, Grace")).to_be_visible()
    a11y(page, "accept-invitation")
    fits_a_phone(page)
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type it again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(re.compile(r"/therapist$"))
    expect(page.get_by_text("Welcome, Grace: your password is set.")).to_be_visible()


def test_reception_adds_a_client_who_phoned(app, users, live_server, page, a11y):
    log_in(page, "admin@example.com", lands_on="/admin")
    page.goto("/admin/clients/new")
    expect(page.get_by_role("heading", level=1, name="Add a client who phoned")).to_be_visible()
    a11y(page, "staff-new-client")
    fits_a_phone(page)
    page.get_by_label("Client's full name").fill("Mary Dodds")
    phone = page.get_by_label("Phone number")
    phone.fill("07700 90012")
    phone.blur()  # htmx checks the form on change, before it is sent
    expect(page.locator("#errors-phone")).to_contain_text("That number is too short")
    phone.fill("07700 900123")
    phone.blur()
    expect(page.locator("#errors-phone")).to_be_empty()
    page.get_by_role("button", name="Add the client").click()
    expect(page.get_by_text("Mary Dodds is added with phone 07700 900123.")).to_be_visible()
    a11y(page)
    with app.app_context():
        mary = db.session.scalar(select(User).where(User.name == "Mary Dodds"))
        assert (mary.email, mary.phone) == (None, "+447700900123")
