"""The client dashboard's panels, drawn from one read of the client's record.

Each panel can read what it shows by itself (the feedback panel's htmx swap does); the
dashboard reads the client's appointments, feedback and check-ins once for all of them, and
works the guidance out once: a fixed number of statements whatever the history (issue 14).
"""

from __future__ import annotations

from functools import cache

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import aliased, defaultload, lazyload

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
from portal.feedback.forms import CheckInForm
from portal.feedback.models import AppointmentFeedback
from portal.feedback.services import Session, as_session_feedback, history_for_guidance
from portal.profile import panels as profile_panels
from portal.profile.services import CONSENT_STATEMENT, content_for_use, has_consent
from portal.read_memo import remember
from portal.reminders import panels as reminder_panels
from portal.reminders.rules import DASHBOARD_RELIEF_UNTIL, relief_asked_on_dashboard
from portal.reminders.services import questions_for
from portal.salon.models import Therapist


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
        .options(lazyload(shown.client), defaultload(shown.therapist).lazyload(Therapist.user))
        .where(Appointment.client_id == bindparam("client_id"),
               or_(done, AppointmentFeedback.id.is_not(None), ahead))
        # The same order as `latest` (the id breaks a tie): the last completed row is the one joined whole.
        .order_by(Appointment.starts_at, Appointment.id)
    )


# Stands for the session's CSRF token in the blank check-in form drawn once per process.
_TOKEN_MARK = "csrf-token-of-this-session"


def blank_checkin_form(needs_consent: bool) -> Markup:
    """Today's-pain form as the dashboard first shows it (blank: nothing of the client's in it),
    drawn once per process for each of its two shapes (with and without the consent box) and
    served with this session's CSRF token: the same HTML as drawing it each time, a fifth of
    the dashboard's drawing. Drawn afresh while templates reload (debug)."""
    csrf = current_app.config.get("WTF_CSRF_ENABLED", True)
    key = (needs_consent, csrf, request.script_root)
    drawn = current_app.extensions.setdefault("dashboard.blank_checkin_form", {})
    html = drawn.get(key)
    if html is None:
        # Drawn by the template, which escapes what it writes.
        html = render_template("feedback/_checkin_form.html", consent_statement=CONSENT_STATEMENT,
                               checkin_form=CheckInForm(formdata=None, needs_consent=needs_consent))
        if current_app.jinja_env.auto_reload:
            return Markup(html)  # nosec B704
        html = drawn[key] = html.replace(generate_csrf(), _TOKEN_MARK) if csrf else html
    # As the template drew it (escaped there), with a token of ours (URL-safe characters) put back.
    return Markup(html.replace(_TOKEN_MARK, generate_csrf()) if csrf else html)  # nosec B704


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
    blank = {} if feedback_forms.get("checkin_form") else {"checkin_form_html": blank_checkin_form(not consented)}
    return {**profile_panels.dashboard_context(client_id, guidance=guidance),
            **booking_panels.dashboard_context(client_id, guidance=guidance),
            **feedback_panels.dashboard_context(client_id, given=given, **feedback_forms),
            **feedback_panels.glance_context(client_id, [(f, s) for f, s in rows if s >= since], checkins),
            **reminder_panels.relief_context(client_id, asked=asked), **blank}
