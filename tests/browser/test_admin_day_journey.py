"""The admin's busy day on a phone (issue 14): by the hour, each hour an htmx swap of the day's
list (the address follows, so Back and a reload show the same hour), the held booking listed
above whatever hour is shown, and the brief opening in place; axe-core on both views."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS"):
        raise
    pytest.skip("playwright is not installed", allow_module_level=True)

from sqlalchemy import update

from portal.booking.models import Appointment
from portal.dashboard import salon_day
from portal.extensions import db
from tests.booking_support import NOW, add_appointment, at, seed_salon
from tests.browser.steps import log_in

PHONE = {"width": 390, "height": 844}


def test_a_busy_day_hour_by_hour_on_a_phone(app, live_server, page, a11y, users, make_user, booking_clock,
                                             monkeypatch):
    monkeypatch.setattr(salon_day, "WHOLE_DAY", 2)  # three today at the city centre: a busy day
    salon = seed_salon(app, users)
    priya = make_user("priya@example.com", "client", "Priya Shah")
    today = NOW.date()
    add_appointment(app, priya.id, salon.amelia, salon.city, salon.back, at(today, "09:00"))
    add_appointment(app, priya.id, salon.daniel, salon.city, salon.full, at(today, "11:00"))
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(today, "14:00"))
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.starts_at == at(today, "14:00"))
                           .values(health_hold="pregnancy"))
        db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "admin@example.com", "/admin")
    day = page.locator("#schedule-day")
    expect(day.get_by_role("link", name="09:00", exact=True)).to_have_attribute("aria-current", "true")
    expect(day.get_by_role("cell", name=re.compile("Priya Shah$"))).to_be_visible()
    expect(day.get_by_role("heading", name=re.compile("Needs attention: 1 held"))).to_be_visible()
    a11y(page, "admin-day-by-hour-phone")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"/admin scrolls sideways on a phone: {scroll_width} > {inner_width}"

    with page.expect_response(lambda r: "hour=14" in r.url and r.request.headers.get("hx-request") == "true"):
        day.get_by_role("link", name="14:00", exact=True).click()
    expect(day.get_by_role("cell", name=re.compile("Claire Robson Health check needed"))).to_be_visible()
    expect(day.get_by_role("link", name="14:00", exact=True)).to_have_attribute("aria-current", "true")
    expect(day.get_by_role("cell", name=re.compile("Priya Shah$"))).to_have_count(0)
    expect(page).to_have_url(re.compile(r"hour=14"))
    expect(page.locator("#figures")).to_be_visible()  # the rest of the page stays
    a11y(page, "admin-day-14h-phone")

    day.locator("#day-list").get_by_role("link", name=re.compile("Open brief for Claire Robson")).click()
    expect(page.locator("#brief-panel")).to_contain_text("Claire Robson")

    page.reload()  # the hour is in the address
    expect(page.locator("#schedule-day").get_by_role("link", name="14:00", exact=True)).to_have_attribute("aria-current", "true")
