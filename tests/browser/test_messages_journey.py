"""From the emails, on a phone: answer "how is your lower back now?" in one click and a confirm,
find the link used up on a second try, stop follow-ups without logging in, then change the
email choices on the account page. No JavaScript needed for any of it; axe checks each page."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from portal import clock
from portal.accounts.models import User
from portal.extensions import db
from portal.feedback.services import FeedbackInput, save_feedback
from portal.reminder_scans import scan_relief
from tests.browser.steps import log_in
from tests.factories import make_appointment, make_salon

PHONE = {"width": 390, "height": 844}


def test_answer_from_the_email_then_unsubscribe_then_choose_on_the_account_page(app, live_server, page, a11y,
                                                                                   users, booking_clock):
    # booking_clock: 09:00 on a Monday. On the real clock, a run after 21:00 would hold the email
    # until 08:00 (quiet hours) and find nothing to click.
    salon = make_salon(app, users["therapist"].id)
    client_id = users["client"].id
    now = clock.now()
    session = make_appointment(app, salon, client_id, now - timedelta(hours=49))
    with app.app_context():
        client = db.session.get(User, client_id)
        save_feedback(client, session, FeedbackInput(pain_before={"lower_back": 7}, pain_after={"lower_back": 4}),
                      now=now - timedelta(hours=47), consent_given=True)
        db.session.commit()
        assert scan_relief(now) == 1
        db.session.commit()
    [message] = app.extensions["mail_outbox"]
    html = message.get_body(("html",)).get_content()
    links = dict((int(score), url.replace("&amp;", "&")) for url, score in
                 re.findall(r'<a href="([^"]+/relief/[^"]+)"[^>]*>(\d+)</a>', html))
    assert sorted(links) == list(range(11))
    unsubscribe = message["List-Unsubscribe"].strip("<>")

    page.set_viewport_size(PHONE)
    page.goto(links[3])
    expect(page.get_by_role("heading", name="How is your lower back now?")).to_be_visible()
    a11y(page, screenshot="relief-confirm-phone")
    page.get_by_role("button", name="Confirm 3 out of 10").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    a11y(page, screenshot="relief-thanks-phone")

    page.goto(links[6])  # second thoughts from the same email: one answer per question
    expect(page.get_by_role("heading", name="Already answered")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Confirm"))).to_have_count(0)

    page.goto(unsubscribe)
    expect(page.get_by_role("heading", name="Stop follow-ups after a session?")).to_be_visible()
    a11y(page, screenshot="unsubscribe-phone")
    page.get_by_role("button", name="Stop follow-ups after a session").click()
    expect(page.get_by_role("heading", name="Done: no more follow-ups after a session")).to_be_visible()

    log_in(page)
    page.goto("/account/")
    emails = page.locator("section", has=page.get_by_role("heading", name="Emails we send you"))
    expect(emails.get_by_label('Follow-ups after a session ("How did it feel?", and how you are two days on)')
           ).not_to_be_checked()
    expect(emails).to_contain_text("Two days on: how are you feeling?")  # what was sent
    emails.get_by_label("Appointment reminders, the day before").uncheck()
    emails.get_by_role("button", name="Save email choices").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()
    expect(page.get_by_text("Your email choices are saved.")).to_be_in_viewport()  # not scrolled away
    expect(page.get_by_label("Appointment reminders, the day before")).not_to_be_checked()
    expect(page.get_by_label("A reminder when you are due again, with times to book")).to_be_checked()
    a11y(page, screenshot="account-emails-phone")
