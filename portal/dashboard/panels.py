"""The client dashboard's panels, drawn from one read of the client's record.

Each panel can read what it shows by itself (the feedback panel's htmx swap does); the
dashboard reads the client's appointments, feedback and check-ins once for all of them, and
works the guidance out once: a fixed number of statements whatever the history (issue 14).
"""

from __future__ import annotations

from portal import clock
from portal.booking import panels as booking_panels
from portal.booking import queries as booking_queries
from portal.client_guidance import guidance_for_client
from portal.feedback import panels as feedback_panels
from portal.feedback.pain import checkins_since
from portal.feedback.services import as_session_feedback, history_for_guidance, sessions
from portal.profile import panels as profile_panels
from portal.profile.services import content_for_use, has_consent
from portal.read_memo import remember
from portal.reminders import panels as reminder_panels
from portal.reminders.rules import relief_asked_on_dashboard
from portal.reminders.services import questions_for


def client_context(client_id: int, **feedback_forms) -> dict:
    """Everything the client dashboard shows. `feedback_forms`: the feedback panel's forms as
    just posted (kept as typed, with their errors)."""
    now = clock.now()
    # Completed appointments and all the feedback in one read (the guidance reads the whole
    # history); then whole only the appointments a panel shows: upcoming, the latest completed
    # (feedback, rebooking) and those the two-days-on question asks about.
    history = sessions(client_id)
    completed = [s for s in history if s.completed]
    rows = [(s.feedback, s.starts_at) for s in history if s.feedback is not None]
    asked_ids = [s.appointment_id for s in completed if relief_asked_on_dashboard(s.ends_at, now)]
    latest_id = completed[-1].appointment_id if completed else None
    shown = asked_ids + ([latest_id] if latest_id is not None else [])
    whole = {a.id: a for a in booking_queries.upcoming_and(client_id, shown)}
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
    return {**profile_panels.dashboard_context(client_id, guidance=guidance),
            **booking_panels.dashboard_context(client_id, guidance=guidance),
            **feedback_panels.dashboard_context(client_id, given=given, **feedback_forms),
            **feedback_panels.glance_context(client_id, [(f, s) for f, s in rows if s >= since], checkins),
            **reminder_panels.relief_context(client_id, asked=asked)}
