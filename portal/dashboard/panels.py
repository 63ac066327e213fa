"""The client dashboard's panels, drawn from one read of the client's record.

Each panel can read what it shows by itself (the feedback panel's htmx swap does); the
dashboard reads the client's appointments, feedback and check-ins once for all of them, and
works the guidance out once: a fixed number of statements whatever the history (issue 14).
"""

from __future__ import annotations

from functools import cache

from flask import current_app, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import aliased, lazyload

from portal import clock
from portal.booking import panels as booking_panels
from portal.booking import queries as booking_queries
from portal.booking.models import BOOKED, Appointment
from portal.booking.status import completed as completed_clause
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.client_guidance import guidance_for_client
from portal.feedback import panels as feedback_panels
from portal.feedback.pain import checkins_since
from portal.feedback.forms import CheckInForm, FeedbackForm
from portal.feedback.models import AppointmentFeedback
from portal.feedback.services import Session, as_session_feedback, history_for_guidance
from portal.profile import panels as profile_panels
from portal.profile.services import CONSENT_STATEMENT, content_for_use, has_consent
from portal.read_memo import remember
from portal.reminders import panels as reminder_panels
from portal.reminders.rules import DASHBOARD_RELIEF_UNTIL, relief_asked_on_dashboard
from portal.reminders.services import questions_for


def sessions_and_shown(client_id: int, now) -> tuple[list[Session], dict[int, Appointment]]:
    """The client's sessions (`feedback.services.sessions`: completed or with feedback, oldest
    first) and, whole (therapist, salon, massage), the booked appointments a panel may show:
    those to come, the latest completed and those ended recently enough for the two-days-on
    question; one statement where the two reads took two round trips."""
    history, whole = [], {}
    rows = db.session.execute(_sessions_and_shown_statement(),
                              {"client_id": client_id, "now": now, "recent": now - DASHBOARD_RELIEF_UNTIL})
    for appointment_id, starts_at, ends_at, done, feedback, appointment in rows:
        if done or feedback is not None:
            history.append(Session(appointment_id, starts_at, ends_at, done, feedback))
        if appointment is not None:
            whole[appointment_id] = appointment
    booking_queries.with_catalogue(whole.values())
    return history, whole


@cache
def _sessions_and_shown_statement():
    """`sessions_and_shown`'s statement for the bound `client_id`, `now` and `recent` (`now`
    less the question's window): built once, as building it costs as much as running it. Every
    row is a session or an appointment to come; the whole appointment is joined in only for the
    rows a panel may show (the client and the therapist's login not joined: not shown)."""
    now = bindparam("now", type_=UTCDateTime())
    done = completed_clause(now)
    # The latest completed appointment; `appointments` inside is its own (not the outer row).
    latest = (select(Appointment.id).where(Appointment.client_id == bindparam("client_id"), done)
              .order_by(Appointment.starts_at.desc(), Appointment.id.desc()).limit(1).correlate(None).scalar_subquery())
    ahead = and_(Appointment.status == BOOKED, Appointment.starts_at > now)
    shown = aliased(Appointment, name="shown")
    return (
        select(Appointment.id, Appointment.starts_at, Appointment.ends_at, done.label("completed"),
               AppointmentFeedback, shown)
        .outerjoin(AppointmentFeedback, AppointmentFeedback.appointment_id == Appointment.id)
        .outerjoin(shown, and_(shown.id == Appointment.id, Appointment.status == BOOKED,
                               or_(Appointment.starts_at > now,
                                   Appointment.ends_at > bindparam("recent", type_=UTCDateTime()),
                                   Appointment.id == latest)))
        # Therapist, salon and massage from the catalogue (`booking.queries.with_catalogue`).
        .options(lazyload(shown.client), lazyload(shown.therapist), lazyload(shown.location),
                 lazyload(shown.service))
        .where(Appointment.client_id == bindparam("client_id"),
               or_(done, AppointmentFeedback.id.is_not(None), ahead))
        # The same order as `latest` (the id breaks a tie): the last completed row is the one joined whole.
        .order_by(Appointment.starts_at, Appointment.id)
    )


# Stand for the session's CSRF token and the appointment's address in the blank forms drawn once
# per process.
_TOKEN_MARK = "csrf-token-of-this-session"
_GIVE_MARK = "/address-of-this-appointments-feedback"


def _drawn_once(key: tuple, draw, values: dict[str, str]) -> Markup:
    """A blank form (nothing of the client's in it) as `draw()` draws it, drawn once per process
    for each `key` and served with this request's `values` (mark -> this request's text) put in
    where the first drawing had its own: the same HTML as drawing it each time. Drawn afresh
    while templates reload (debug)."""
    csrf = current_app.config.get("WTF_CSRF_ENABLED", True)
    if csrf:
        values = {_TOKEN_MARK: generate_csrf(), **values}
    drawn = current_app.extensions.setdefault("dashboard.blank_forms", {})
    full_key = (*key, csrf, request.script_root)
    html = drawn.get(full_key)
    if html is None:
        html = draw()  # by the template, which escapes what it writes
        if current_app.jinja_env.auto_reload:
            return Markup(html)  # nosec B704
        for mark, value in values.items():
            html = html.replace(value, mark)
        drawn[full_key] = html
    # As the template drew it (escaped there), with this request's token and address (URL-safe
    # characters) put back.
    for mark, value in values.items():
        html = html.replace(mark, value)
    return Markup(html)  # nosec B704


def blank_checkin_form(needs_consent: bool) -> Markup:
    """Today's-pain form as the dashboard first shows it, with and without the consent box."""
    return _drawn_once(("checkin", needs_consent), lambda: render_template(
        "feedback/_checkin_form.html", consent_statement=CONSENT_STATEMENT,
        checkin_form=CheckInForm(formdata=None, needs_consent=needs_consent)), {})


def blank_feedback_form(appointment: Appointment, needs_consent: bool) -> Markup:
    """The feedback form of a session without feedback yet (the latest one, just after it), with
    and without the consent box; its address is this appointment's."""
    return _drawn_once(("feedback", needs_consent), lambda: render_template(
        "feedback/_feedback_form.html", consent_statement=CONSENT_STATEMENT, feedback=None,
        feedback_appointment=appointment, feedback_form=FeedbackForm(formdata=None, needs_consent=needs_consent)),
        {_GIVE_MARK: url_for("feedback.give", appointment_id=appointment.id)})


def client_context(client_id: int, **feedback_forms) -> dict:
    """Everything the client dashboard shows. `feedback_forms`: the feedback panel's forms as
    just posted (kept as typed, with their errors)."""
    now = clock.now()
    # Completed appointments and all the feedback in one read (the guidance reads the whole
    # history); then whole only the appointments a panel shows: upcoming, the latest completed
    # (feedback, rebooking) and those the two-days-on question asks about.
    history, whole = sessions_and_shown(client_id, now)
    completed = [s for s in history if s.completed]
    rows = [(s.feedback, s.starts_at) for s in history if s.feedback is not None]
    asked_ids = [s.appointment_id for s in completed if relief_asked_on_dashboard(s.ends_at, now)]
    latest_id = completed[-1].appointment_id if completed else None
    upcoming = [a for a in whole.values() if a.starts_at > now]
    remember(booking_queries.completed_dates, (client_id,), booking_queries.local_days(s.starts_at for s in completed))
    remember(booking_queries.latest_completed, (client_id,), whole.get(latest_id))
    remember(booking_queries.upcoming, (client_id,), upcoming)

    # The profile (consent with it), and the check-ins of the glance's window (the answers to
    # the two-days-on question are among them).
    content_for_use(client_id)  # the profile and its latest revision in one read
    consented = has_consent(client_id)
    remember(history_for_guidance, (client_id,), as_session_feedback(rows) if consented else [])
    given = {feedback.appointment_id: feedback for feedback, _ in rows}
    _, since = feedback_panels.glance_since()
    checkins = checkins_since(client_id, since)
    asked = questions_for([(whole[id_], given[id_]) for id_ in asked_ids if id_ in given and id_ in whole],
                          checkins) if consented else []

    guidance = guidance_for_client(client_id, booked=booking_queries.local_days(a.starts_at for a in upcoming))
    feedback = feedback_panels.dashboard_context(client_id, given=given, blank_forms_drawn=True, **feedback_forms)
    if feedback["checkin_form"] is None:
        feedback["checkin_form_html"] = blank_checkin_form(not consented)
    if feedback["feedback_form"] is None and feedback["feedback_appointment"] is not None \
            and feedback["feedback"] is None:
        feedback["feedback_form_html"] = blank_feedback_form(feedback["feedback_appointment"], not consented)
    return {**profile_panels.dashboard_context(client_id, guidance=guidance),
            **booking_panels.dashboard_context(client_id, guidance=guidance), **feedback,
            **feedback_panels.glance_context(client_id, [(f, s) for f, s in rows if s >= since], checkins),
            **reminder_panels.relief_context(client_id, asked=asked)}
