"""Email choices (signed in), unsubscribe and lasting-relief links (anyone holding the link)."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from tests.routes import LOGIN

SIGNED_IN_POST = {"anonymous": LOGIN, "client": 302, "therapist": 302, "admin": 302}
ANYONE = {"anonymous": 200, "client": 200, "therapist": 200, "admin": 200}


def _unsubscribe(app, users):
    from portal.reminders.links import unsubscribe_token

    with app.test_request_context():
        return f"/unsubscribe/{unsubscribe_token(users['client'].id, 'due_nudges')}"


def _relief(app, users):
    from portal.reminders.links import relief_token
    from tests.factories import make_appointment, make_salon

    salon = make_salon(app, users["therapist"].id)
    appointment_id = make_appointment(app, salon, users["client"].id, clock.now() - timedelta(days=2))
    with app.test_request_context():
        token = relief_token(users["client"].id, appointment_id, "lower_back", 3, clock.now() + timedelta(days=7))
    return f"/relief/{token}"


def _relief_on_dashboard(app, users):
    from tests.factories import make_appointment, make_salon

    salon = make_salon(app, users["therapist"].id)
    appointment_id = make_appointment(app, salon, users["client"].id, clock.now() - timedelta(days=2))
    return f"/relief/sessions/{appointment_id}/lower_back"  # no score posted: the dashboard says so


ROUTES = {
    "reminders.preferences": ("POST", "/account/emails", SIGNED_IN_POST),
    "reminders.unsubscribe": ("GET", _unsubscribe, ANYONE),
    "reminders.relief": ("GET", _relief, ANYONE),
    "reminders.relief_on_dashboard": ("POST", _relief_on_dashboard,
                                      {"anonymous": LOGIN, "client": 302, "therapist": 403, "admin": 403}),
}
