"""When an appointment counts as completed: the one definition, as a Python predicate and as
the same condition in SQL, side by side so they cannot drift, both on the portal's clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_

from portal import clock
from portal.booking.models import BOOKED, Appointment


def is_completed(appointment: Appointment, now: datetime | None = None) -> bool:
    """Its time has passed, it was not cancelled, and the therapist did not mark a no-show."""
    now = now or clock.now()
    return appointment.ends_at <= now and appointment.status == BOOKED and not appointment.no_show


def completed(now: datetime | None = None):
    """The same as `is_completed`, as a WHERE clause on appointments (`now` may be a bind
    parameter, for a statement built once and run with the time of each call)."""
    now = clock.now() if now is None else now
    return and_(Appointment.ends_at <= now, Appointment.status == BOOKED, Appointment.no_show.is_(False))
