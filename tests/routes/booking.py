"""Booking: every page is the client's own; the calendar feed is opened by its token alone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from portal.booking import services
from portal.extensions import db
from portal.timezones import SALON_TZ
from tests.routes import LOGIN

CLIENT_ONLY = {"anonymous": LOGIN, "client": 200, "therapist": 403, "admin": 403}


def _next_monday_10am() -> datetime:
    """Far enough ahead to be outside the cancellation window, inside the booking horizon."""
    today = date.today()
    monday = today + timedelta(days=7 - today.weekday() + 7)
    return datetime.combine(monday, time(10), tzinfo=SALON_TZ)


def _appointment(suffix: str = ""):
    def setup(app, users):
        from tests.booking_support import add_appointment, seed_salon

        salon = seed_salon(app, users)
        appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                         _next_monday_10am())
        return f"/appointments/{appointment_id}{suffix}"
    return setup


def _feed(app, users):
    with app.app_context():
        token = services.new_calendar_feed(users["client"])
        db.session.commit()
    return f"/calendar/{token}.ics"


def _status(client_status):
    return {**CLIENT_ONLY, "client": client_status}


ROUTES = {
    "booking.book": ("GET", "/book", CLIENT_ONLY),
    # An empty form: refused with the reason, nothing booked.
    "booking.create": ("POST", "/book", _status(422)),
    # Nothing chosen: the booking page again with the reason (200, so htmx swaps it in place).
    "booking.confirm": ("GET", "/book/confirm", CLIENT_ONLY),
    "booking.appointments": ("GET", "/appointments", CLIENT_ONLY),
    "booking.appointment": ("GET", _appointment(), CLIENT_ONLY),
    "booking.appointment_ics": ("GET", _appointment("/calendar.ics"), CLIENT_ONLY),
    "booking.rebook_offer": ("GET", _appointment("/rebook"), CLIENT_ONLY),
    "booking.move": ("GET", _appointment("/move"), CLIENT_ONLY),
    "booking.reschedule": ("POST", _appointment("/move"), _status(422)),
    "booking.cancel_confirm": ("GET", _appointment("/cancel"), CLIENT_ONLY),
    "booking.cancel": ("POST", _appointment("/cancel"), _status(302)),
    # No tick: refused with the reason, nothing recorded.
    "booking.confirm_screening": ("POST", _appointment("/screening"), _status(422)),
    "booking.new_calendar_feed": ("POST", "/appointments/calendar-feed", _status(302)),
    "booking.stop_calendar_feed": ("POST", "/appointments/calendar-feed/stop", _status(302)),
    "booking.calendar_feed": ("GET", _feed, dict.fromkeys(("anonymous", "client", "therapist", "admin"), 200)),
}
