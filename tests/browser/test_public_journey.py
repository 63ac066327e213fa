"""The front door in a real browser: a visitor on a phone goes from the home page to the free
times, chooses one, creates an account, confirms it and lands back on that time; axe checks
every public page at phone and desktop sizes, and none scrolls sideways on a phone."""

from __future__ import annotations

import os
import re
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from portal.mail import outbox
from tests.booking_support import seed_salon
from tests.browser.steps import log_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PUBLIC_PAGES = ("/", "/salons", "/our-therapists", "/is-massage-right-for-me", "/free-times")
NEW_PASSWORD = "quiet-harbour-lantern-77"


def _confirmation_link(app, live_server: str, to: str) -> str:
    """The confirmation link of the latest email to `to` (sent just after the response)."""
    link = re.compile(re.escape(live_server) + r"/account/confirm/\S+")
    deadline = time.monotonic() + 30
    while True:
        with app.app_context():
            found = [m for msg in outbox() if msg["To"] == to
                     if (m := link.search(msg.get_body(("plain",)).get_content()))]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    with app.app_context():
        sent = [(msg["To"], msg["Subject"]) for msg in outbox()]
    assert found, f"no confirmation link emailed to {to}; sent: {sent}"
    return found[-1].group(0)


def test_visitor_on_a_phone_from_home_to_a_booked_time(app, live_server, page, a11y, users, booking_clock):
    seed_salon(app, users)
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Back care that fits your life")).to_be_visible()
    expect(page.get_by_text("Back, Neck & Shoulder Massage")).to_be_visible()
    assert page.context.cookies() == []  # nothing set until the visitor asks for it
    a11y(page, "public-home-phone")

    page.get_by_role("main").get_by_role("link", name="See free times").first.click()
    expect(page.get_by_role("heading", level=1, name="Free times")).to_be_visible()
    page.get_by_label("Salon", exact=True).select_option(label="Gosforth")  # htmx swaps the times
    expect(page).to_have_url(re.compile(r"/free-times\?.*location="))
    times = page.locator("#slots").get_by_role("link", name=re.compile(r"^\d\d:\d\d: log in to book .* at Gosforth"))
    expect(times.first).to_be_visible()
    assert page.context.cookies() == []
    a11y(page, "public-free-times-phone")

    chosen = times.first.inner_text()
    times.first.click()
    expect(page.get_by_text("Log in to book the time you chose")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="create an account").first.click()
    expect(page.get_by_role("heading", level=1, name="Create your account")).to_be_visible()
    page.get_by_label("Your name").fill("Nina Bell")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type it again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(_confirmation_link(app, live_server, "nina@example.com"))
    page.get_by_role("button", name="Confirm my email").click()
    expect(page).to_have_url(re.compile(r"/book\?.*at="))
    expect(page.locator("#chosen-time")).to_contain_text(f"You chose {chosen}")
    chosen_button = page.locator("#slots button.chosen")
    expect(chosen_button).to_have_text(chosen)
    expect(chosen_button).to_have_accessible_name(chosen)  # the time; its group's legend names the rest
    expect(page.locator("#slots fieldset", has=page.locator("button.chosen")).locator("legend")).to_contain_text(
        "at Gosforth")
    a11y(page, "public-back-on-the-chosen-time-phone")
    # Choosing it shows the summary; Confirm books exactly that time (a new client ticks the
    # screening question: no health profile yet).
    chosen_button.click()
    page.get_by_label("None of these applies to me").check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your massage is booked")
    expect(page.locator("dl.details")).to_contain_text("Gosforth")
    expect(page.locator("dl.details")).to_contain_text(chosen)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_public_page_is_accessible(app, live_server, page, a11y, users, booking_clock, viewport):
    seed_salon(app, users)
    page.set_viewport_size(viewport)
    for path in PUBLIC_PAGES:
        page.goto(path)
        a11y(page, f"public{path.replace('/', '-').rstrip('-') or '-home'}-{viewport['width']}")
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{path} scrolls sideways at {viewport['width']} px: {width} > {inner}"
    assert page.context.cookies() == []


def test_admin_sets_a_salons_listing_and_visitors_see_it(app, live_server, page, page_problems, a11y, users,
                                                        booking_clock):
    seed_salon(app, users)
    log_in(page, "admin@example.com", "/admin")
    page.get_by_role("link", name="Edit Gosforth").click()
    expect(page.get_by_role("heading", level=1, name="Gosforth")).to_be_visible()
    page.get_by_label("Fresha page").fill("http://www.fresha.com/a/gosforth")
    page.get_by_role("button", name="Save").click()
    fresha = page.get_by_label("Fresha page")
    expect(fresha).to_have_attribute("aria-invalid", "true")
    expect(fresha).to_have_accessible_description(re.compile("starting https://"))
    a11y(page, "admin-location-invalid")
    page_problems.expect(r"422")  # the refused form, on purpose (the page and its console line)
    fresha.fill("https://www.fresha.com/a/gosforth")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Gosforth: details saved.")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    page.goto("/salons")
    expect(page.get_by_role("link", name="Fresha (Gosforth)")).to_have_attribute(
        "href", "https://www.fresha.com/a/gosforth")
