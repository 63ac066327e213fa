"""Feedback, pain and the brief: clients their own, therapists their own clients', admins all."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from tests.routes import LOGIN

CLIENT_ONLY = {"anonymous": LOGIN, "client": 200, "therapist": 403, "admin": 403}
STAFF_VIEW = {"anonymous": LOGIN, "client": 403, "therapist": 200, "admin": 200}
STAFF_ACTION = {"anonymous": LOGIN, "client": 403, "therapist": 302, "admin": 302}


def _appointment(suffix: str, days_ago: float):
    """The client's session with the therapist@example.com therapist, `days_ago` days ago."""
    def setup(app, users):
        from tests.factories import make_appointment, make_salon

        salon = make_salon(app, users["therapist"].id)
        appointment_id = make_appointment(app, salon, users["client"].id, clock.now() - timedelta(days=days_ago))
        return f"{suffix.format(id=appointment_id)}"
    return setup


ROUTES = {
    "feedback.give": ("GET", _appointment("/appointments/{id}/feedback", 2), CLIENT_ONLY),
    # A check-in with no scores is refused: the dashboard again, with the message by the fields.
    "feedback.checkin": ("POST", "/pain/check-in", {"anonymous": LOGIN, "client": 422, "therapist": 403,
                                                    "admin": 403}),
    "feedback.pain": ("GET", "/pain", CLIENT_ONLY),
    "feedback.brief": ("GET", _appointment("/therapist/appointments/{id}/brief", 0.01), STAFF_VIEW),
    # No "attended" answer posted: a 400 for staff, nothing changed.
    "feedback.attendance": ("POST", _appointment("/therapist/appointments/{id}/attendance", 1),
                            {"anonymous": LOGIN, "client": 403, "therapist": 400, "admin": 400}),
    "feedback.treatment_note": ("POST", _appointment("/therapist/appointments/{id}/notes", 1), STAFF_ACTION),
}
