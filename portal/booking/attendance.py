"""Attendance: after a session has started, its therapist (or an admin) marks it attended or a
no-show. A booking operation (it changes the appointment, under booking's locks); feedback and
the brief only read the result (`portal.booking.status`)."""

from __future__ import annotations

import logging
from datetime import datetime

from portal import clock
from portal.accounts.models import User
from portal.accounts.locks import lock_client
from portal.booking.locks import lock_appointment
from portal.booking.models import Appointment
from portal.extensions import db

log = logging.getLogger("portal.booking")


class NotFound(LookupError):
    """No such appointment for this person: shown as 404, whoever's it really is."""


class Refused(PermissionError):
    """The action is not possible now; the message says why, in the client's words."""


class Cancelled(Refused):
    """The appointment was cancelled: there is no session to record anything on (and its
    therapist no longer sees its brief)."""


def staff_appointment(staff: User, appointment_id: int) -> Appointment:
    """An appointment this therapist treats (or any, for an admin)."""
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(appointment_id)
    if staff.is_admin:
        return appointment
    therapist_user_id = appointment.therapist.user_id if appointment.therapist else None
    if not staff.is_therapist or therapist_user_id != staff.id:
        raise NotFound(appointment_id)
    return appointment


def mark_attendance(staff: User, appointment_id: int, attended: bool, now: datetime | None = None) -> Appointment:
    """Attended or no-show, once the session has started. Flushes; the caller commits."""
    now = now or clock.now()
    appointment = staff_appointment(staff, appointment_id)
    # Booking's lock order (the client's row, then the appointment's), then the row as it is
    # now: a cancellation or move committed meanwhile is seen, not overwritten.
    lock_client(appointment.client_id)
    appointment = lock_appointment(appointment_id)
    if appointment is None:
        raise NotFound(appointment_id)
    if appointment.is_cancelled:
        raise Cancelled("That appointment was cancelled.")
    if appointment.starts_at > now:
        raise Refused("You can mark attendance once the session has started.")
    appointment.no_show = not attended
    db.session.flush()
    log.info("attendance marked appointment_id=%s no_show=%s by user_id=%s", appointment_id, not attended, staff.id)
    return appointment
