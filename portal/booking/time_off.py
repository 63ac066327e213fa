"""Time off through the double-booking guard: it claims the therapist's cells as a booking does.

Time off [start, end) holds every 15-minute UTC cell it covers (`guard.held_cells` with no
buffer: nobody cleans up after a day off), in the same `appointment_slots` table whose primary
key refuses a second holder. A booking holds [start, end + buffer), so a booking and time off
share a cell exactly when the booking or its cleaning time reaches into the time off. Written
at the same instant, one of the two inserts fails in the database: they can never both succeed.

Appointments already booked in the time off are the caller's decision: `add` refuses with the
list (`TimeOffClashes`) unless each one is named in `accepted` (the admin saw and confirmed
them); the cells those appointments hold stay theirs, the rest go to the time off, and any
appointment booked since the list was drawn makes it refuse again with the new list.
Services flush, never commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.booking.guard import held_cells
from portal.booking.models import BOOKED, Appointment, AppointmentSlot, TimeOff
from portal.booking.services import DEADLOCK_DETECTED
from portal.booking import slots
from portal.extensions import db

log = logging.getLogger("portal.booking")

NO_BUFFER = timedelta(0)


class TimeOffRefused(Exception):
    """Time off that can't be saved, with words for the person entering it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TimeOffClashes(TimeOffRefused):
    """Booked appointments sit in the time off: listed, so the admin can confirm or change it."""

    def __init__(self, appointments: list[Appointment]):
        count = len(appointments)
        super().__init__(f"{count} booked appointment{'s' if count != 1 else ''} "
                         f"{'fall' if count != 1 else 'falls'} in this time off.")
        self.appointments = appointments


def clashing(therapist_id: int, starts_at: datetime, ends_at: datetime) -> list[Appointment]:
    """Booked appointments of the therapist that would share a guard cell with [starts_at,
    ends_at): the appointment, or its cleaning time after it, reaches into it. Soonest first."""
    buffer = slots.policy().buffer
    return list(db.session.scalars(
        select(Appointment).where(
            Appointment.therapist_id == therapist_id, Appointment.status == BOOKED,
            Appointment.starts_at < ends_at, Appointment.ends_at > starts_at - buffer,
        ).order_by(Appointment.starts_at)
    ))


def overlapping(therapist_id: int, starts_at: datetime, ends_at: datetime) -> TimeOff | None:
    return db.session.scalar(
        select(TimeOff).where(TimeOff.therapist_id == therapist_id, TimeOff.starts_at < ends_at,
                              TimeOff.ends_at > starts_at).order_by(TimeOff.starts_at).limit(1)
    )


def add(therapist_id: int, starts_at: datetime, ends_at: datetime, reason: str = "", *,
        accepted: frozenset[int] | set[int] = frozenset()) -> TimeOff:
    """Save time off for the therapist with the cells it holds, all or nothing (flushes).

    Raises TimeOffRefused when it overlaps their other time off, and TimeOffClashes when a
    booked appointment not in `accepted` sits in it (also when one was booked at this very
    moment: the guard's cells decide)."""
    if ends_at <= starts_at:
        raise TimeOffRefused("The time off must end after it starts.")
    other = overlapping(therapist_id, starts_at, ends_at)
    if other is not None:
        raise TimeOffRefused("This overlaps time off already entered for them. Change or remove that one first.")
    clashes = clashing(therapist_id, starts_at, ends_at)
    if {a.id for a in clashes} - set(accepted):
        raise TimeOffClashes(clashes)
    time_off = TimeOff(therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at, reason=reason)
    kept = {a.id for a in clashes}
    try:
        with db.session.begin_nested():
            db.session.add(time_off)
            db.session.flush()
            # Cells the confirmed appointments hold stay theirs until they are moved or cancelled.
            theirs = set(db.session.scalars(
                select(AppointmentSlot.starts_at).where(
                    AppointmentSlot.therapist_id == therapist_id, AppointmentSlot.appointment_id.in_(kept))
            )) if kept else set()
            cells = [cell for cell in held_cells(starts_at, ends_at, NO_BUFFER) if cell not in theirs]
            if cells:
                db.session.execute(insert(AppointmentSlot), [
                    {"therapist_id": therapist_id, "starts_at": cell, "time_off_id": time_off.id}
                    for cell in cells])
    except (IntegrityError, DBAPIError) as error:
        if not isinstance(error, IntegrityError) and getattr(error.orig, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        # A booking (or other time off) took one of these cells a moment ago: say what is there now.
        log.info("time off clash therapist=%s starts_at=%s", therapist_id, starts_at.isoformat())
        now_clashing = clashing(therapist_id, starts_at, ends_at)
        if {a.id for a in now_clashing} - set(accepted):
            raise TimeOffClashes(now_clashing) from None
        raise TimeOffRefused("Someone changed this therapist's diary at the same moment. "
                             "Please look at it again and save once more.") from None
    log.info("time off added id=%s therapist=%s", time_off.id, therapist_id)
    return time_off


def remove(time_off: TimeOff) -> None:
    """Delete the time off and let go of its cells (flushes)."""
    db.session.execute(delete(AppointmentSlot).where(AppointmentSlot.time_off_id == time_off.id))
    db.session.delete(time_off)
    db.session.flush()
    log.info("time off removed id=%s therapist=%s", time_off.id, time_off.therapist_id)


def of_therapist(therapist_id: int, since: datetime) -> list[TimeOff]:
    """The therapist's time off not yet over, soonest first."""
    return list(db.session.scalars(
        select(TimeOff).where(TimeOff.therapist_id == therapist_id, TimeOff.ends_at > since)
        .order_by(TimeOff.starts_at)))
