"""Issue 12's journey on a 390 px phone: the client gives feedback and sees its label and the
dashboard's trend update in place, makes a report share link, the link opens logged out (a new
browser, no cookies), the client sees the view counted and revokes it, and the link then
answers 404. (Booking through the confirm step with and without JavaScript on a phone is
tests/browser/test_booking_journey.py's.) axe checks the report page and the shared view."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from portal import clock
from portal.accounts.models import User
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.timezones import SALON_TZ
from tests.browser.steps import dots, log_in
from tests.factories import make_appointment, make_salon

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _no_sideways_scroll(page) -> None:
    for _ in range(15):
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] <= widths[1]:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{page.url} is {widths[0]}px wide in a {widths[1]}px window")


def test_phone_feedback_then_share_the_report_open_it_logged_out_and_revoke_it(app, browser, live_server, page,
                                                                               a11y, users):
    salon = make_salon(app, users["therapist"].id)
    client_id = users["client"].id
    with app.app_context():
        profile_services.save_profile(db.session.get(User, client_id), ProfileContent(
            goals=frozenset({"move_more_freely"}), goals_own_words="Carry the shopping"), consent_given=True)
        db.session.commit()
    earlier = make_appointment(app, salon, client_id,
                               datetime.combine(clock.today() - timedelta(days=20), time(11), tzinfo=SALON_TZ))
    with app.app_context():
        feedback_services.save_feedback(db.session.get(User, client_id), earlier, feedback_services.FeedbackInput(
            pain_before={"neck": 5}, pain_after={"neck": 5}))
        db.session.commit()
    make_appointment(app, salon, client_id,
                     datetime.combine(clock.today() - timedelta(days=1), time(11), tzinfo=SALON_TZ))

    page.set_viewport_size(PHONE)
    log_in(page, lands_on="/dashboard")
    glance = page.locator("#glance-panel")
    expect(glance.locator("#glance-neck .last-label")).to_contain_text("No clear change at your last session")
    expect(glance.locator("#glance-neck svg path.dot-after")).to_have_attribute("d", dots(1))

    # Yesterday's session: 6 -> 2 is a meaningful drop; the glance updates in place.
    panel = page.locator("#feedback-panel")
    panel.get_by_label("Neck: pain before").fill("6")
    panel.get_by_label("Neck: pain after").fill("2")
    panel.get_by_role("button", name="Send my feedback").click()
    expect(panel).to_contain_text("Thank you: your therapist will see this")
    assert page.url.endswith("/dashboard")
    expect(glance.locator("#glance-neck .last-label")).to_contain_text("Meaningful drop at your last session")
    expect(glance.locator("#glance-neck .last-label")).to_contain_text("6 before, 2 after")
    expect(glance.locator("#glance-neck svg path.dot-after")).to_have_attribute("d", dots(2))

    # The report, from the dashboard; nothing is shared yet.
    page.get_by_role("link", name="A report for your GP or physio").click()
    expect(page.get_by_role("heading", level=1, name="Your report to share")).to_be_visible()
    report = page.locator("article.report")
    expect(report).to_contain_text("Carry the shopping")
    expect(report.locator("table", has=page.locator("caption", has_text="Neck"))).to_contain_text("meaningful drop")
    expect(report).to_contain_text("Back, Neck & Shoulder Massage")
    expect(page.locator("#share")).to_contain_text("None: nothing is shared.")
    _no_sideways_scroll(page)
    a11y(page, "report-phone")

    # Printed: the report alone, no navigation, no forms.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator("#share")).to_be_hidden()
    expect(page.locator("form.period-form")).to_be_hidden()
    expect(report).to_be_visible()
    page.emulate_media(media="screen")

    share = page.locator("#share")
    expect(share.get_by_label("7 days")).to_be_checked()  # the default
    share.get_by_role("button", name="Make a share link").click()
    expect(page.get_by_role("status")).to_contain_text("Your share link is ready")
    link = page.get_by_label(re.compile(r"^Your new link")).input_value()
    assert "/shared/report/" in link

    # The GP opens it: another browser, not logged in, keeps no cookie.
    gp = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
    try:
        gp_page = gp.new_page()
        response = gp_page.goto(link)
        assert response.status == 200
        assert response.headers["cache-control"] == "no-store"
        assert "noindex" in response.headers["x-robots-tag"]
        # First a button (what a link preview sees), then the report.
        expect(gp_page.locator("main")).not_to_contain_text("Claire")
        with gp_page.expect_response(lambda r: r.request.method == "POST") as opened:
            gp_page.get_by_role("button", name="Open the report").click()
        assert opened.value.status == 200 and opened.value.headers["cache-control"] == "no-store"
        expect(gp_page.get_by_role("heading", level=1, name="Massage and pain report: Claire Robson")).to_be_visible()
        expect(gp_page.locator("article.report")).to_contain_text("meaningful drop")
        expect(gp_page.locator("main form")).to_have_count(0)  # read-only
        assert gp.cookies() == []
        _no_sideways_scroll(gp_page)
        a11y(gp_page, "report-shared-phone")

        # The client sees the view counted, and revokes the link.
        page.goto("/report")
        row = page.locator("table.share-links tbody tr")
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(3)).to_have_text("1")
        page.set_viewport_size(DESKTOP)
        a11y(page, "report-desktop")
        page.set_viewport_size(PHONE)
        row.get_by_role("button", name=re.compile(r"^Revoke")).click()
        expect(page.get_by_role("status")).to_contain_text("The link is revoked")
        expect(page.locator("#share")).to_contain_text("None: nothing is shared.")

        assert gp_page.goto(link).status == 404
    finally:
        gp.close()
    page.goto("/profile/privacy")
    expect(page.locator("main")).to_contain_text("Shared link (made ")
