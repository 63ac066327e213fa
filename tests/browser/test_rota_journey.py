"""The rota in a real browser: the admin adds a therapist's day off and the client's booking
page then shows no times with that therapist that day; a shift is added in place with htmx and
a removal is confirmed in the browser (hx-confirm). The rota pages pass axe on a desktop and on
a 390 px phone, without scrolling sideways."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from tests.booking_support import MONDAY, add_appointment, at, seed_salon
from tests.browser.steps import log_in, log_out

PHONE = {"width": 390, "height": 844}


def test_a_day_off_entered_by_the_admin_leaves_no_times_for_that_therapist(app, live_server, page, a11y, users,
                                                                          booking_clock):
    salon = seed_salon(app, users)
    log_in(page, "admin@example.com", "/admin")
    page.get_by_role("link", name="Rota: hours, time off, needs attention").click()
    expect(page.get_by_role("heading", level=1, name="Rota")).to_be_visible()
    a11y(page, "rota")
    page.get_by_role("link", name=re.compile("^Amelia Hart")).click()
    expect(page.get_by_role("heading", level=1, name="Amelia Hart")).to_be_visible()
    a11y(page, "rota-therapist")

    form = page.locator("form", has=page.get_by_role("button", name="Add time off"))
    form.get_by_label("First day").fill(MONDAY.isoformat())
    form.get_by_label("Reason (optional)").fill("Training")
    form.get_by_role("button", name="Add time off").click()
    expect(page.get_by_role("status")).to_contain_text("Time off saved")
    expect(page.locator("#time-off")).to_contain_text("Mon 15 Mar 2027, all day (Training)")
    log_out(page)

    log_in(page)
    page.goto(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}&day={MONDAY.isoformat()}")
    slots = page.locator("#slots")
    expect(slots).to_contain_text("Nothing is free with Amelia Hart at Newcastle City Centre that day.")
    expect(slots.get_by_role("button", name=re.compile(r"^\d\d:\d\d$"))).to_have_count(0)
    # Daniel, at the same salon, still has his times that day.
    page.goto(f"/book?service={salon.back}&location={salon.city}&therapist={salon.daniel}&day={MONDAY.isoformat()}")
    expect(page.locator("#slots").get_by_role("button", name="10:00", exact=True)).to_have_count(1)


def test_a_shift_is_added_in_place_and_a_removal_is_confirmed_in_the_browser(app, live_server, page, a11y, users,
                                                                             booking_clock):
    salon = seed_salon(app, users)
    log_in(page, "admin@example.com", "/admin")
    page.goto(f"/admin/rota/therapists/{salon.daniel}")
    adding = page.locator("form", has=page.get_by_role("button", name="Add shift"))
    adding.get_by_label("Day").select_option(label="Sunday")
    adding.get_by_label("Salon").select_option(label="Gosforth")
    adding.get_by_label("Starts").fill("10:00")
    adding.get_by_label("Ends").fill("14:00")
    adding.get_by_role("button", name="Add shift").click()
    sunday = page.get_by_role("form", name="Sunday 10:00 to 14:00 at Gosforth")
    expect(sunday).to_be_visible()
    expect(page).to_have_url(f"{live_server}/admin/rota/therapists/{salon.daniel}")  # swapped in place
    a11y(page, "rota-shift-added")

    # A clash in place: the message appears in the swapped section, the typed times stay.
    adding = page.locator("form", has=page.get_by_role("button", name="Add shift"))
    adding.get_by_label("Day").select_option(label="Sunday")
    adding.get_by_label("Starts").fill("13:00")
    adding.get_by_label("Ends").fill("15:00")
    adding.get_by_role("button", name="Add shift").click()
    expect(page.locator("#shifts")).to_contain_text("overlaps their Sunday shift 10:00-14:00 at Gosforth")
    expect(page.locator("form", has=page.get_by_role("button", name="Add shift")).get_by_label("Ends")).to_have_value("15:00")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Sunday 10:00 shift").click()
    expect(page.get_by_role("status")).to_contain_text("Removed Sunday 10:00-14:00 at Gosforth")
    expect(page.get_by_role("form", name="Sunday 10:00 to 14:00 at Gosforth")).to_have_count(0)


def _admin_on_amelias_rota_with_a_booking(app, page, users):
    """Claire booked with Amelia on Monday at 10:00; the admin on Amelia's rota page."""
    salon = seed_salon(app, users)
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    log_in(page, "admin@example.com", "/admin")
    page.goto(f"/admin/rota/therapists/{salon.amelia}")
    return salon


def test_rota_pages_fit_a_phone_and_pass_axe(app, live_server, page, a11y, users, booking_clock):
    salon = _admin_on_amelias_rota_with_a_booking(app, page, users)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Mark inactive").click()
    expect(page.get_by_role("heading", level=1, name="Needs attention")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Therapist inactive")
    a11y(page, "rota-attention")
    page.set_viewport_size(PHONE)
    for path, name in [("/admin/rota", "rota-phone"), (f"/admin/rota/therapists/{salon.amelia}", "rota-therapist-phone"),
                       ("/admin/rota/attention", "rota-attention-phone"), ("/admin/rota/settings", "rota-settings-phone")]:
        page.goto(path)
        a11y(page, name)
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{path} scrolls sideways on a phone: {scroll_width} > {inner_width}"
    # The no-JavaScript confirmation page, too.
    page.goto(f"/admin/rota/therapists/{salon.amelia}")
    log_out(page)
    log_in(page, "therapist@example.com", "/therapist")
    page.get_by_role("link", name="My time off").click()
    expect(page.get_by_role("heading", level=1, name="My time off")).to_be_visible()
    a11y(page, "own-time-off-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    a11y(page, "own-time-off")


def test_removing_a_shift_with_bookings_in_the_browser_lists_them_before_anything_goes(app, live_server, page, users,
                                                                                       booking_clock):
    """The browser's "Remove?" dialog sends confirmed=1 through htmx; the server still refuses
    while bookings sit in the shift, and that answer (its list, and the button to go on) must
    reach the admin: htmx swaps no 4xx answer, so a 409 left the click doing nothing at all."""
    _admin_on_amelias_rota_with_a_booking(app, page, users)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Monday 09:00 shift").click()
    expect(page.get_by_role("heading", level=1, name="Remove these hours?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mon 15 Mar 2027, 10:00")
    expect(page.locator("main")).to_contain_text("Claire Robson")
    page.get_by_role("button", name="Remove the shift anyway").click()
    expect(page.get_by_role("status")).to_contain_text("Removed Monday 09:00-17:00 at Newcastle City Centre")
    page.goto("/admin/rota/attention")
    expect(page.locator("main")).to_contain_text("Outside the therapist's hours")
