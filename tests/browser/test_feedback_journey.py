"""A client gives feedback after a session and sees the chart change; then their therapist
logs in and reads that feedback in the brief, opened in place from the day view."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from playwright.sync_api import expect

from portal import clock
from portal.timezones import SALON_TZ, to_local
from tests.browser.steps import dots, log_in, log_out
from tests.factories import make_appointment, make_salon


def test_feedback_then_the_therapist_reads_it_in_the_brief(app, live_server, page, a11y, users):
    salon = make_salon(app, users["therapist"].id)
    client_id = users["client"].id
    yesterday = datetime.combine(clock.today() - timedelta(days=1), time(11), tzinfo=SALON_TZ)
    make_appointment(app, salon, client_id, yesterday)
    upcoming = datetime.combine(clock.today() + timedelta(days=1), time(10), tzinfo=SALON_TZ)
    make_appointment(app, salon, client_id, upcoming)

    log_in(page, lands_on="/dashboard")
    panel = page.locator("#feedback-panel")
    expect(panel).to_contain_text("Back, Neck & Shoulder Massage with Amelia Hart")
    panel.get_by_label("A little firm").check()
    panel.get_by_label("Lower back: pain before").fill("6")
    panel.get_by_label("Lower back: pain after").fill("2")
    panel.get_by_label("Neck: pain before").fill("11")  # a slip of the finger: refused in place
    panel.get_by_role("button", name="Send my feedback").click()
    expect(panel).to_contain_text("whole number from 0")
    panel.get_by_label("Neck: pain before").fill("4")
    panel.get_by_role("checkbox", name="Lower back").check()
    panel.get_by_label("A note for your therapist").fill("Heat pack was lovely, lower back much looser")
    panel.locator("#consent").check()  # no health profile yet: pain scores need consent first
    panel.get_by_role("button", name="Send my feedback").click()
    expect(panel).to_contain_text("Thank you: your therapist will see this")
    assert page.url.endswith("/dashboard")  # swapped in place, no page load
    a11y(page, screenshot="dashboard-feedback")

    page.get_by_role("link", name="See your pain over time").click()
    lower_back = page.locator("section.pain-area", has=page.get_by_role("heading", name="Lower back"))
    expect(lower_back.locator("svg path.dot-before")).to_have_attribute("d", dots(1))
    expect(lower_back.locator("table tbody tr")).to_have_count(1)
    expect(lower_back.locator("table tbody tr")).to_contain_text("6")
    a11y(page, screenshot="pain-over-time")

    # Today's check-in adds a point to the chart.
    page.goto("/dashboard")
    page.get_by_role("spinbutton", name="Lower back", exact=True).fill("3")
    page.get_by_role("spinbutton", name="Neck", exact=True).fill("11")  # a slip: only this form comes back
    page.get_by_role("button", name="Record today's pain").click()
    checkin = page.locator("#checkin-form")
    expect(checkin).to_contain_text("whole number from 0")
    expect(page.get_by_role("spinbutton", name="Lower back", exact=True)).to_have_value("3")
    expect(page.locator("#feedback-panel")).to_contain_text("How did it feel?")
    assert page.url.endswith("/dashboard")
    page.get_by_role("spinbutton", name="Neck", exact=True).fill("")
    page.get_by_role("button", name="Record today's pain").click()
    expect(page.locator("#feedback-panel")).to_contain_text("today's pain is recorded")
    page.goto("/pain")
    expect(lower_back.locator("svg path.dot-checkin")).to_have_attribute("d", dots(1, "square"))
    since = f"{to_local(yesterday).day} {to_local(yesterday):%B %Y}"
    today = clock.today()
    expect(lower_back.locator(".summary")).to_have_text(
        f"Lower back: at your last session ({since}) from 6 to 2: meaningful drop. "
        f"Since then, 3 on {today.day} {today:%B %Y}. From 6 to 3 since {since}.")
    page.get_by_role("link", name="A year").click()
    expect(page).to_have_url(live_server + "/pain?range=1y")
    expect(lower_back.locator("svg path.dot-checkin")).to_have_attribute("d", dots(1, "square"))
    log_out(page)

    log_in(page, "therapist@example.com", lands_on="/therapist")
    page.goto(f"/therapist?day={upcoming.date().isoformat()}")
    page.get_by_role("link", name="Open brief for Claire Robson").click()
    brief = page.locator("#brief-panel")
    expect(brief).to_contain_text("pressure a little firm")
    expect(brief).to_contain_text("Heat pack was lovely, lower back much looser")
    expect(brief).to_contain_text("Focus next time on lower back")
    expect(brief).to_contain_text("6→2")
    assert "/brief" not in page.url  # opened in place
    a11y(page, screenshot="therapist-brief")


def test_pain_over_time_fits_a_small_phone(app, page, a11y, users):
    """At 320 px a pain area's table of every score scrolls inside its own region (as on the
    report page) instead of pushing the whole page sideways."""
    salon = make_salon(app, users["therapist"].id)
    yesterday = datetime.combine(clock.today() - timedelta(days=1), time(11), tzinfo=SALON_TZ)
    make_appointment(app, salon, users["client"].id, yesterday)
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, lands_on="/dashboard")
    panel = page.locator("#feedback-panel")
    panel.get_by_label("Lower back: pain before").fill("6")
    panel.get_by_label("Lower back: pain after").fill("2")
    panel.locator("#consent").check()
    panel.get_by_role("button", name="Send my feedback").click()
    expect(panel).to_contain_text("Thank you: your therapist will see this")
    page.goto("/pain")
    lower_back = page.locator("section.pain-area", has=page.get_by_role("heading", name="Lower back"))
    expect(lower_back.locator("table tbody tr")).to_have_count(1)
    a11y(page, screenshot="pain-small-phone")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"/pain scrolls sideways at 320 px: {scroll_width} > {inner_width}"
    scores = page.get_by_role("region", name="Lower back: every score")
    scores.focus()  # the region takes focus, so a keyboard can scroll it
    expect(scores).to_be_focused()
