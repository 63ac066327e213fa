"""Booking journeys in a real browser: rebook a past appointment from the dashboard (a time, its
summary in place, Confirm; then its .ics), and book from the booking page, where htmx swaps the
free times and then the summary in place; with and without JavaScript on a phone. Every page
visited is checked with axe."""

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

from icalendar import Calendar

from portal import clock
from portal.formatting import date_format
from tests.browser.steps import log_in
from tests.booking_support import NOW, add_appointment, at, seed_salon

PHONE = {"width": 390, "height": 844}


def test_rebook_a_past_appointment_through_its_summary_and_download_it(app, live_server, page, a11y, users,
                                                                   booking_clock, tmp_path):
    salon = seed_salon(app, users)
    last_visit = at(NOW.date() - timedelta(days=20), "11:00")
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.full, last_visit)
    log_in(page)
    panel = page.locator("#next-appointment")
    expect(panel.get_by_role("heading", name="Book the same again")).to_be_visible()
    a11y(page, "dashboard-rebook")

    # Click 1: the proposal replaces the button in place (htmx), no page load.
    page.get_by_role("link", name=re.compile("^Rebook: see times near")).click()
    expect(page.locator("#rebook-proposal").get_by_role("button", name=re.compile(r"Full Body Massage"))).to_have_count(6)
    expect(page).to_have_url(f"{live_server}/dashboard")
    a11y(page, "dashboard-rebook-proposal")

    # Click 2: a proposed time swaps in its summary, in place; nothing is booked yet.
    times = page.locator("#rebook-proposal").get_by_role("button", name=re.compile(r"Full Body Massage"))
    chosen = times.first.get_attribute("aria-label")
    times.first.click()
    summary = page.locator("#rebook-proposal #booking-summary")
    expect(summary).to_contain_text("Full Body Massage")
    expect(summary).to_contain_text("Amelia Hart")
    expect(page.locator("#rebook-proposal #cancellation-policy")).to_contain_text("24 hours")
    expect(page).to_have_url(f"{live_server}/dashboard")
    a11y(page, "dashboard-rebook-summary")

    # Click 3: Confirm books it (she has no health profile, so she ticks the screening question
    # first: the browser itself won't send the form without it).
    page.locator("#rebook-proposal").get_by_label("None of these applies to me").check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your massage is booked")
    expect(page.get_by_role("heading", level=1, name="Your appointment")).to_be_visible()
    details = page.locator("dl.details")
    expect(details).to_contain_text("Full Body Massage")
    expect(details).to_contain_text("Amelia Hart")
    expect(details).to_contain_text("Newcastle City Centre")
    a11y(page, "appointment-booked")

    # Click 4: the .ics for any calendar app.
    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = info.value
    assert download.suggested_filename.startswith("mesmerising-beauty-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    [event] = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Europe/London"
    when = event.decoded("dtstart")
    assert date_format(when, "%a {day} %b, %H:%M") in chosen
    assert str(event["summary"]) == "Full Body Massage with Amelia Hart"


def test_book_from_the_booking_page_with_times_swapped_in_place(app, live_server, page, a11y, users,
                                                                booking_clock):
    salon = seed_salon(app, users)
    log_in(page)
    page.get_by_role("link", name="Book a massage").first.click()
    expect(page.get_by_role("heading", level=1, name="Book a massage")).to_be_visible()
    a11y(page, "book")

    page.get_by_label("Salon", exact=True).select_option(label="Gosforth")
    page.get_by_label("Therapist", exact=True).select_option(label="Sofia Reyes (Gosforth)")
    day = NOW.date() + timedelta(days=1)
    page.get_by_label("Day", exact=True).fill(day.isoformat())
    slots = page.locator("#slots")
    expect(slots.get_by_role("heading")).to_have_text(f"Free times on {day:%A} {day.day} {day:%B}")
    expect(page).to_have_url(re.compile(r"/book\?.*therapist=" + str(salon.sofia)))  # bookmarkable
    # The times are one group, its legend saying once what they book; each time is named by itself.
    times = slots.get_by_role("group", name=re.compile(r"^Choose a time for .* with Sofia Reyes at Gosforth on "
                                                        + f"{day:%A} {day.day} {day:%B}$"))
    first = times.get_by_role("button", name="09:00", exact=True)
    a11y(page, "book-times")
    # Choosing a time swaps the summary in place of the times; Back brings them back as they were.
    first.click()
    expect(slots.locator("#booking-summary")).to_contain_text("Sofia Reyes")
    expect(page).to_have_url(re.compile(r"/book\?.*therapist=" + str(salon.sofia)))  # still the booking page
    slots.get_by_role("link", name="Back to the free times").click()
    expect(first).to_be_visible()
    first.click()
    slots.get_by_label("None of these applies to me").check()  # no health profile: the screening tick
    a11y(page, "book-summary")
    slots.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("status")).to_contain_text("Your massage is booked")
    expect(page.locator("dl.details")).to_contain_text("Sofia Reyes")
    page.get_by_role("link", name="All your appointments").click()
    expect(page.get_by_role("heading", level=1, name="Your appointments")).to_be_visible()
    a11y(page, "appointments")
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_label("Your private calendar address")).to_have_value(re.compile(r"/calendar/.+\.ics$"))
    a11y(page, "calendar-feed")


def test_booking_pages_fit_a_phone_screen(app, page, a11y, users, booking_clock):
    salon = seed_salon(app, users)
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                     at(NOW.date() + timedelta(days=7), "10:00"))
    log_in(page)
    page.set_viewport_size(PHONE)
    for path, name in [("/book", "book-phone"), ("/appointments", "appointments-phone"),
                       (f"/appointments/{appointment_id}/move", "move-phone")]:
        page.goto(path)
        a11y(page, name)
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{path} scrolls sideways on a phone: {scroll_width} > {inner_width}"


def test_therapist_and_admin_schedules(app, live_server, page, a11y, users, make_user, booking_clock):
    salon = seed_salon(app, users)
    priya = make_user("priya@example.com", "client", "Priya Shah")
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(NOW.date(), "14:00"))
    add_appointment(app, priya.id, salon.daniel, salon.city, salon.full, at(NOW.date(), "10:00"))
    for email, landing, screenshot in (("therapist@example.com", "/therapist", "therapist-schedule"),
                                       ("admin@example.com", "/admin", "admin-schedule")):
        log_in(page, email, landing)
        day = page.locator("#schedule-day")
        expect(day.get_by_role("heading", name=re.compile("^Today, Monday 8 March"))).to_be_visible()
        expect(day.get_by_role("cell", name="Claire Robson", exact=True)).to_be_visible()
        a11y(page, screenshot)
        page.get_by_role("link", name="Next week").click()
        expect(page.locator("#schedule-day")).to_contain_text("No appointments.")
        page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
        expect(page).to_have_url(f"{live_server}/")


def test_a_booking_held_after_a_profile_change_moves_to_a_suitable_therapist_in_one_click(
        app, live_server, page, a11y, users, booking_clock):
    salon = seed_salon(app, users)
    monday = NOW.date() + timedelta(days=7)
    add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, at(monday, "10:00"))
    log_in(page)
    page.goto("/profile")
    page.get_by_role("checkbox", name="Pregnancy", exact=True).check()
    # Wait for each live preview to land: leaving mid-request aborts it (a console error).
    expect(page.locator("#guidance-preview")).to_contain_text("Pregnancy")
    page.get_by_label("Your due date").fill((clock.today() + timedelta(weeks=18)).isoformat())
    expect(page.locator("#errors-due_date")).to_be_empty()
    page.get_by_label("I agree to this").check()
    # Each change re-draws the live preview: let the last one land before leaving the page.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your health profile is saved.")).to_be_visible()

    page.goto("/dashboard")
    hold = page.locator("#next-appointment .flash-warning")
    expect(hold).to_contain_text("Health check needed")
    expect(hold).to_contain_text("trained in pregnancy massage")
    a11y(page, "dashboard-health-hold")
    page.wait_for_load_state("networkidle")  # nothing of the dashboard's still in flight when we leave
    hold.get_by_role("button", name="Move it to Amelia Hart").click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment has moved")
    expect(page.locator("dl.details")).to_contain_text("Amelia Hart")
    expect(page.get_by_text("Health check needed")).to_have_count(0)
    a11y(page, "appointment-moved-after-hold")


def _fits(page) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{page.url} scrolls sideways on a phone: {scroll_width} > {inner_width}"


def test_book_through_the_summary_on_a_phone_with_javascript_and_cancel_in_place(
        app, live_server, page, a11y, users, booking_clock, consented):
    salon = seed_salon(app, users)
    page.set_viewport_size(PHONE)
    log_in(page)
    day = NOW.date() + timedelta(days=2)
    page.goto(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}&day={day.isoformat()}")
    slots = page.locator("#slots")
    slots.get_by_role("button", name="10:00", exact=True).click()
    summary = slots.locator("#booking-summary")
    expect(summary).to_contain_text("Back, Neck & Shoulder Massage")
    expect(summary).to_contain_text("10:00 to 10:45")
    expect(summary).to_contain_text("£35")
    expect(summary).to_contain_text("45 minutes")
    expect(page).to_have_url(re.compile(r"/book\?"))  # in place: still the booking page
    a11y(page, "book-summary-phone")
    _fits(page)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your massage is booked")

    # Cancelling asks first, in place of the button; "No, keep it" puts the button back.
    page.get_by_role("link", name="Cancel this appointment").click()
    question = page.locator("#cancel-step")
    expect(question).to_contain_text("Are you sure you want to cancel")
    # The link is gone; focus moves to the question, not back to the top of the page.
    expect(page.get_by_role("group", name=re.compile("^Are you sure you want to cancel"))).to_be_focused()
    expect(page.get_by_role("heading", level=1, name="Your appointment")).to_be_visible()
    a11y(page, "cancel-question-phone")
    _fits(page)
    question.get_by_role("link", name="No, keep it").click()
    expect(page.get_by_role("link", name="Cancel this appointment")).to_be_visible()
    page.get_by_role("link", name="Cancel this appointment").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text("Your appointment is cancelled")


def test_book_and_cancel_through_their_pages_without_javascript_on_a_phone(
        app, browser, live_server, page, a11y, users, booking_clock, consented):
    salon = seed_salon(app, users)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB",
                                  timezone_id="Europe/London", java_script_enabled=False)
    try:
        plain = context.new_page()
        log_in(plain)
        day = NOW.date() + timedelta(days=2)
        plain.goto(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}&day={day.isoformat()}")
        plain.get_by_role("button", name="11:00", exact=True).click()
        # A page of its own: the summary, then Confirm (a plain POST) or Back (a plain link).
        expect(plain.get_by_role("heading", level=1, name="Check and confirm your booking")).to_be_visible()
        expect(plain.locator("#booking-summary")).to_contain_text("11:00 to 11:45")
        summary_url = plain.url
        plain.get_by_role("link", name="Back to the free times").click()
        expect(plain.get_by_role("heading", level=1, name="Book a massage")).to_be_visible()
        expect(plain).to_have_url(re.compile(rf"day={day.isoformat()}"))
        expect(plain.get_by_label("Therapist", exact=True)).to_have_value(str(salon.amelia))
        plain.get_by_role("button", name="11:00", exact=True).click()
        plain.get_by_role("button", name="Confirm booking").click()
        expect(plain.get_by_role("status")).to_contain_text("Your massage is booked")
        appointment_url = plain.url

        plain.get_by_role("link", name="Cancel this appointment").click()
        expect(plain.get_by_role("heading", level=1, name="Cancel your appointment?")).to_be_visible()
        cancel_url = plain.url
        plain.get_by_role("link", name="No, keep it").click()
        expect(plain.get_by_role("heading", level=1, name="Your appointment")).to_be_visible()
        plain.goto(cancel_url)
        plain.get_by_role("button", name="Yes, cancel it").click()
        expect(plain.get_by_role("status")).to_contain_text("Your appointment is cancelled")
    finally:
        context.close()
    # The same two pages, checked with axe (which needs JavaScript) at the same phone size.
    page.set_viewport_size(PHONE)
    log_in(page)
    page.goto(summary_url)
    expect(page.get_by_role("heading", level=1, name="Check and confirm your booking")).to_be_visible()
    a11y(page, "book-summary-page-phone")
    _fits(page)
    page.goto(appointment_url)
    expect(page.get_by_role("heading", level=1, name="Cancelled appointment")).to_be_visible()


def test_the_owners_figures_on_a_phone(app, live_server, page, a11y, users, make_user, booking_clock):
    salon = seed_salon(app, users)
    for days_ago in (1, 8, 15):
        add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                        at(NOW.date() - timedelta(days=days_ago), "10:00"))
    page.set_viewport_size(PHONE)
    log_in(page, "admin@example.com", "/admin")
    figures = page.locator("#figures")
    expect(figures.get_by_role("heading", name="The salon's numbers")).to_be_visible()
    expect(figures.locator("#figure-no-shows")).to_contain_text("0% (0 of 3)")
    expect(figures.get_by_role("img", name="Bookings per week")).to_be_visible()
    figures.get_by_text("Bookings week by week").click()
    expect(figures.get_by_role("table").first).to_be_visible()
    a11y(page, "admin-figures-phone")
    _fits(page)


def test_a_day_chosen_to_move_to_once_it_is_too_late_shows_why(app, live_server, page, users, booking_clock,
                                                                consented):
    """The move page's day box asks htmx for that day's free times. Once the appointment is inside
    the cancellation window the answer is a refusal (409 without JavaScript), which htmx swapped
    nowhere: the choice did nothing. Now the appointment's page shows why, with whom to call."""
    salon = seed_salon(app, users)
    starts = at(NOW.date() + timedelta(days=2), "11:00")
    booked = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, starts)
    log_in(page)
    page.goto(f"/appointments/{booked}/move")
    expect(page.get_by_role("heading", level=1, name="Move your appointment")).to_be_visible()
    page.wait_for_load_state("load")  # htmx (deferred) has started
    booking_clock.now = starts - timedelta(hours=20)
    page.get_by_role("textbox", name="Day").fill((NOW.date() + timedelta(days=3)).isoformat())
    expect(page.get_by_role("heading", level=1, name="Your appointment", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)  # the page in place of the page, not nested
    expect(page.locator("main")).to_contain_text("too close to your appointment to change it online")
    expect(page).to_have_url(re.compile(rf"/appointments/{booked}$"))


def test_therapists_day_fits_a_small_phone(app, page, a11y, users, make_user, booking_clock):
    """At 320 px the therapist's day and week are one block per appointment (as the admin's
    day): no sideways scrolling, and each Open brief link is on the screen."""
    salon = seed_salon(app, users)
    priya = make_user("priya@example.com", "client", "Priya Shah")
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(NOW.date(), "14:00"))
    add_appointment(app, priya.id, salon.amelia, salon.city, salon.full, at(NOW.date(), "10:00"))
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, "therapist@example.com", "/therapist")
    expect(page.locator("#schedule-day").get_by_text("Priya Shah", exact=True)).to_be_visible()
    a11y(page, "therapist-day-small-phone")
    _fits(page)
    for link in page.get_by_role("link", name=re.compile("^Open brief")).all():
        box = link.bounding_box()
        assert box and box["x"] + box["width"] <= 320, f"Open brief link off screen: {box}"
