"""Reception in a real browser, on a phone: a client phones, reception finds her by the number
as she says it (the results follow the typing), tries to book, is refused because her profile
says "ask your GP first" (with the reason, no details), records the GP clearance she has, and
books. Every new page is checked with axe and for sideways scrolling at 390 px."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.extensions import db
from portal.mail import outbox
from portal.profile.content import ConditionEntry, ProfileContent
from portal.profile.services import save_profile
from tests.booking_support import NOW, seed_salon
from tests.browser.steps import log_in

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        f"{page.url} scrolls sideways at 390 px"


def test_reception_books_for_a_phoning_client_after_recording_her_gp_clearance(app, live_server, page, a11y, users,
                                                                               booking_clock, page_problems):
    seed_salon(app, users)
    with app.app_context():
        claire = db.session.get(User, users["client"].id)
        claire.phone = "01914980123"
        save_profile(claire, ProfileContent(conditions={"severe_osteoporosis": ConditionEntry(detail="left hip")}),
                     consent_given=True, today=NOW.date() - timedelta(days=30))
        db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "admin@example.com", lands_on="/admin")

    # Find her by the number as she reads it out: the results follow the typing.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", level=1, name="Find a client")).to_be_visible()
    a11y(page, "reception-search")
    fits_the_phone(page)
    page.get_by_label("Name, email or phone").press_sequentially("0191 498 0123")
    results = page.locator("#results")
    expect(results.get_by_role("heading")).to_have_text("Clients matching “0191 498 0123”")
    expect(page).to_have_url(re.compile(r"/admin/clients\?q=0191"))  # swapped in place, address kept
    results.get_by_role("link", name="Claire Robson").click()

    # Her page: the level and reason, never the condition.
    expect(page.get_by_role("heading", level=1, name="Claire Robson")).to_be_visible()
    precautions = page.locator("#precaution-lines")
    expect(precautions).to_contain_text("Ask your GP first")
    expect(precautions).to_contain_text("a condition that needs a GP's OK")
    expect(page.locator("main")).not_to_contain_text("osteoporosis")
    expect(page.locator("main")).not_to_contain_text("left hip")
    a11y(page, "reception-client")
    fits_the_phone(page)

    # Booking is refused, with the reason and the way forward.
    page.get_by_role("link", name="Book for Claire").click()
    refusal = page.locator("#reception-refusal")
    expect(refusal).to_contain_text("The health check refuses this booking")
    expect(refusal).to_contain_text("a condition that needs a GP's OK")
    a11y(page, "reception-book-refused")
    fits_the_phone(page)

    # She has her GP's letter: record it, which brings reception back to the booking.
    refusal.get_by_role("link", name="Record the GP clearance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a GP clearance for Claire Robson")
    expect(page.locator("#covers-list")).to_contain_text("Severe osteoporosis")
    a11y(page, "reception-clearance")
    fits_the_phone(page)
    page.get_by_role("button", name="Record the clearance").click()  # nothing filled in: refused, explained
    expect(page.get_by_text("Please say who gave the clearance")).to_be_visible()
    page.get_by_label("Who gave the clearance").fill("Dr Patel, Gosforth Surgery")
    page.get_by_label("Date of the clearance").fill((NOW.date() - timedelta(days=3)).isoformat())
    page.get_by_label("The clearance the client shows covers these conditions").check()
    page.get_by_role("button", name="Record the clearance").click()
    expect(page.get_by_role("status")).to_contain_text("GP clearance recorded for Claire Robson")
    expect(page.get_by_role("heading", level=1, name="Book for Claire Robson")).to_be_visible()

    # Now the times show, and one click books it.
    times = (page.locator("#slots").get_by_role("group", name=re.compile("^Choose a time to book .* for Claire Robson$"))
             .get_by_role("button", name=re.compile("^[0-9]{2}:[0-9]{2}$")))
    expect(times.first).to_be_visible()
    a11y(page, "reception-book")
    fits_the_phone(page)
    times.first.click()
    expect(page.get_by_role("status")).to_contain_text("Booked for Claire Robson")
    expect(page.get_by_role("heading", level=1, name="Claire Robson")).to_be_visible()
    expect(page.locator("#precaution-lines")).to_contain_text("a condition a GP has cleared")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
        assert [m["To"] for m in outbox()] == ["client@example.com"]
    page_problems.expect(r"422.*/clearance")  # the empty clearance form, refused on purpose
