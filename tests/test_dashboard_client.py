"""The client dashboard's blank check-in form, drawn once per process (dashboard/panels.py):
the same HTML as drawing it each time, with each session's own CSRF token and the consent box
only while the client has not agreed."""

from __future__ import annotations

import re

from flask import render_template

from portal.extensions import db
from portal.feedback.forms import CheckInForm
from portal.feedback.models import PainCheckIn
from portal.profile.services import CONSENT_STATEMENT
from tests.conftest import AuthActions, csrf_token_from

CHECKIN_FORM = re.compile(r'<form[^>]*id="checkin-form".*?</form>', re.S)


def _checkin_form(html: str) -> str:
    return CHECKIN_FORM.search(html).group(0)


def test_the_checkin_form_is_the_same_drawn_once_or_each_time(app, client, auth, users):
    auth.login()
    first = client.get("/dashboard").get_data(as_text=True)
    again = client.get("/dashboard").get_data(as_text=True)  # from the process's copy
    token = csrf_token_from(again)
    with app.test_request_context("/dashboard"):
        fresh = render_template("feedback/_checkin_form.html", consent_statement=CONSENT_STATEMENT,
                                checkin_form=CheckInForm(formdata=None, needs_consent=True))
    token_in = re.compile(r'(name="checkin-csrf_token" type="hidden" value=")[^"]+"')
    assert token_in.search(fresh)
    # Each answer signs the session's token afresh (it carries the second it was signed in).
    assert _checkin_form(again) == token_in.sub(lambda m: m.group(1) + token + '"', _checkin_form(first))
    assert _checkin_form(again) == _checkin_form(token_in.sub(lambda m: m.group(1) + token + '"', fresh))


def test_each_session_gets_its_own_token_and_the_form_records(app, users, make_user):
    make_user("second@example.com", "client", "Sam Second")
    tokens = []
    for email in ("client@example.com", "second@example.com"):
        client = app.test_client()
        auth = AuthActions(client)
        assert auth.login(email).status_code == 302
        client.get("/dashboard")
        html = client.get("/dashboard").get_data(as_text=True)
        form = _checkin_form(html)
        token = re.search(r'name="checkin-csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        assert token == csrf_token_from(html)
        tokens.append(token)
        # The form as drawn posts: its own token is the one the check-in accepts.
        response = client.post("/pain/check-in", data={"checkin-csrf_token": token, "csrf_token": token,
                                                       "checkin-neck": "3", "checkin-consent": "y"})
        assert response.status_code == 302
    assert tokens[0] != tokens[1]
    with app.app_context():
        assert len(db.session.scalars(db.select(PainCheckIn)).all()) == 2


def test_the_consent_box_only_while_not_agreed(app, users, make_user, consented):
    make_user("second@example.com", "client", "Sam Second")  # no profile: not agreed
    drawn = {}
    for _ in range(2):  # drawn, then from the process's copy: each shape its own
        for email in ("client@example.com", "second@example.com"):
            client = app.test_client()
            assert AuthActions(client).login(email).status_code == 302
            drawn.setdefault(email, []).append(_checkin_form(client.get("/dashboard").get_data(as_text=True)))
    assert all('name="checkin-consent"' not in form for form in drawn["client@example.com"])
    assert all('name="checkin-consent"' in form and CONSENT_STATEMENT in form for form in drawn["second@example.com"])


def test_two_sessions_at_the_same_time_the_later_booked_is_the_latest(app, client, auth, users, small_salon):
    """The dashboard's one read picks the latest completed session as its rows are ordered (the
    id breaks a tie in both): the feedback question and the rebooking are about the same one."""
    from datetime import timedelta

    from portal import clock
    from tests.factories import make_appointment

    starts = clock.now() - timedelta(days=3)
    first = make_appointment(app, small_salon, users["client"].id, starts)
    second = make_appointment(app, small_salon, users["client"].id, starts)
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert f'action="/appointments/{second}/feedback"' in html
    assert f'/appointments/{first}/feedback' not in html
    assert "Book the same again" in html


FEEDBACK_FORM = re.compile(r'<form[^>]*id="feedback-form".*?</form>', re.S)


def test_the_blank_feedback_form_is_drawn_once_with_each_clients_address_and_token(app, users, make_user,
                                                                                   small_salon, consented):
    """Two clients, each a session without feedback: one copy of the form per process (each shape),
    each served with its own appointment's address and its own token, the same HTML as drawing it
    each time; and it posts."""
    from datetime import timedelta

    from portal import clock
    from portal.booking.models import Appointment
    from portal.feedback.forms import FeedbackForm
    from portal.feedback.models import AppointmentFeedback
    from tests.factories import make_appointment

    second = make_user("second@example.com", "client", "Sam Second")  # no profile: the consent box
    starts = clock.now() - timedelta(days=1)
    sessions = {"client@example.com": make_appointment(app, small_salon, users["client"].id, starts),
                "second@example.com": make_appointment(app, small_salon, second.id, starts)}
    for email, appointment_id in sessions.items():
        client = app.test_client()
        assert AuthActions(client).login(email).status_code == 302
        first = FEEDBACK_FORM.search(client.get("/dashboard").get_data(as_text=True)).group(0)
        html = client.get("/dashboard").get_data(as_text=True)  # from the process's copy
        again, token = FEEDBACK_FORM.search(html).group(0), csrf_token_from(html)
        token_in = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+"')
        assert again == token_in.sub(lambda m: m.group(1) + token + '"', first)
        assert f'action="/appointments/{appointment_id}/feedback"' in again
        assert f'hx-post="/appointments/{appointment_id}/feedback"' in again
        assert ('name="consent"' in again) == (email == "second@example.com")
        with app.test_request_context("/dashboard"):
            appointment = db.session.get(Appointment, appointment_id)
            fresh = render_template("feedback/_feedback_form.html", consent_statement=CONSENT_STATEMENT,
                                    feedback=None, feedback_appointment=appointment,
                                    feedback_form=FeedbackForm(formdata=None,
                                                               needs_consent=email == "second@example.com"))
        assert token_in.search(fresh) and token_in.search(again).group(0).endswith(f'value="{token}"')
        assert again == FEEDBACK_FORM.search(token_in.sub(lambda m: m.group(1) + token + '"', fresh)).group(0)
        response = client.post(f"/appointments/{appointment_id}/feedback", data={
            "csrf_token": token, "pressure": "just_right", "consent": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert len(db.session.scalars(db.select(AppointmentFeedback)).all()) == 2
