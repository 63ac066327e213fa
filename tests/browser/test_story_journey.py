"""On a 390 px phone: the client gives feedback and sees its label and the dashboard's trend
update in place, answers the two-days-on question, reads the pain page (its chart labels
legible); the therapist opens the brief, scrolled into view. axe is clean on the dashboard,
the pain page and the brief at phone and desktop sizes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from playwright.sync_api import expect

from portal import clock
from portal.accounts.models import User
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.timezones import SALON_TZ
from tests.browser.steps import dots, log_in, log_out
from tests.factories import make_appointment, make_salon

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SMALLEST_LEGIBLE_PX = 12


def _check_both_sizes(page, a11y, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    a11y(page, screenshot=f"{name}-desktop")
    page.set_viewport_size(PHONE)
    a11y(page, screenshot=f"{name}-phone")


def _label_sizes(page, selector: str) -> list[float]:
    """Each chart label's font size as drawn, in CSS px: its size in the drawing's units times
    how much the page scales the drawing (its width over the viewBox's)."""
    return page.eval_on_selector_all(selector, """els => els.map(e => {
        const svg = e.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(getComputedStyle(e).fontSize) * scale;
    })""")


def test_phone_feedback_glance_relief_and_brief(app, live_server, page, a11y, users):
    salon = make_salon(app, users["therapist"].id)
    client_id = users["client"].id
    with app.app_context():
        profile_services.save_profile(db.session.get(User, client_id), ProfileContent(
            goals=frozenset({"sleep_better"}), goals_own_words="Garden without aching"), consent_given=True)
        db.session.commit()
    # An earlier session that helped (7 -> 3), one that ended two days ago (3 -> 4), and
    # yesterday's, not yet scored; then one tomorrow for the brief.
    earlier = datetime.combine(clock.today() - timedelta(days=30), time(11), tzinfo=SALON_TZ)
    two_days = clock.now() - timedelta(hours=50)
    for when, before, after in ((earlier, 7, 3), (two_days, 5, 2)):
        appointment_id = make_appointment(app, salon, client_id, when)
        with app.app_context():
            feedback_services.save_feedback(db.session.get(User, client_id), appointment_id,
                                            feedback_services.FeedbackInput(pain_before={"lower_back": before},
                                                                            pain_after={"lower_back": after}))
            db.session.commit()
    yesterday = datetime.combine(clock.today() - timedelta(days=1), time(11), tzinfo=SALON_TZ)
    make_appointment(app, salon, client_id, yesterday)
    upcoming = datetime.combine(clock.today() + timedelta(days=1), time(10), tzinfo=SALON_TZ)
    make_appointment(app, salon, client_id, upcoming)

    page.set_viewport_size(PHONE)
    log_in(page, lands_on="/dashboard")
    glance = page.locator("#glance-panel")
    expect(glance).to_contain_text("sleep better; Garden without aching")
    expect(glance.locator("#glance-lower_back .last-label")).to_contain_text("Meaningful drop at your last session")
    expect(glance.locator("#glance-lower_back svg path.dot-after")).to_have_attribute("d", dots(2))

    # Yesterday's session: a rise, and the glance updates in place with it.
    panel = page.locator("#feedback-panel")
    panel.get_by_label("Lower back: pain before").fill("3")
    panel.get_by_label("Lower back: pain after").fill("6")
    panel.locator("#stress").fill("7")  # the feedback form's (the check-in has one too)
    panel.get_by_role("button", name="Send my feedback").click()
    expect(panel).to_contain_text("Thank you: your therapist will see this")
    assert page.url.endswith("/dashboard")  # in place
    expect(glance.locator("#glance-lower_back .last-label")).to_contain_text("Rise at your last session")
    expect(glance.locator("#glance-lower_back .last-label")).to_contain_text("3 before, 6 after")
    expect(glance.locator("#glance-lower_back svg path.dot-after")).to_have_attribute("d", dots(3))

    # The two-days-on question for the session that ended 50 hours ago.
    relief = page.locator("#relief-panel")
    relief.get_by_label("Lower back now, 0 (none) to 10 (the worst)").fill("3")
    relief.get_by_role("button", name="Save lower back").click()
    expect(relief).to_contain_text("Lower back: 5 before, 2 after, 3 two days later: most of the relief lasted.")
    glance_sizes = _label_sizes(page, "#glance-panel svg text.axis-label")
    assert glance_sizes and min(glance_sizes) >= SMALLEST_LEGIBLE_PX, f"glance labels too small: {glance_sizes}"
    _check_both_sizes(page, a11y, "story-dashboard")

    page.get_by_role("link", name="See every score, stress and sleep").click()
    lower_back = page.locator("section.pain-area", has=page.get_by_role("heading", name="Lower back"))
    expect(lower_back.locator(".summary")).to_contain_text("from 3 to 6: rise")
    expect(lower_back.locator("td.relief-cell", has_text="3: most of the relief lasted")).to_have_count(1)
    expect(page.locator("#wellbeing-stress svg path.dot-before")).to_have_attribute("d", dots(1))
    sizes = _label_sizes(page, "section.pain-area svg text.axis-label, section.wellbeing-area svg text.axis-label")
    assert sizes and min(sizes) >= SMALLEST_LEGIBLE_PX, f"chart labels too small on a phone: {sizes}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    _check_both_sizes(page, a11y, "story-pain")
    log_out(page)

    log_in(page, "therapist@example.com", lands_on="/therapist")
    page.goto(f"/therapist?day={upcoming.date().isoformat()}")
    page.get_by_role("link", name="Open brief for Claire Robson").click()
    brief = page.locator("#brief-panel")
    expect(brief.locator("ul.goals")).to_contain_text("Garden without aching")
    expect(brief.locator("ul.brief-trend").first).to_contain_text("session 3→6 (rise)")
    expect(brief).to_contain_text("Stress 7/10")
    # Opened where the therapist is looking: the brief's top is in view.
    top = page.eval_on_selector("#brief-panel", "e => e.getBoundingClientRect().top")
    assert 0 <= top < PHONE["height"], f"the brief opened out of view (top at {top}px)"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _check_both_sizes(page, a11y, "story-brief")
