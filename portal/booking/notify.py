"""Emails about appointments: booked, moved, cancelled.

Queued by the booking services inside the booking's transaction (portal.outbox), so the email
exists exactly when the change does, and a job sends it after the commit: the request never
waits on the mail server, and a booking that rolls back emails nobody.

What an email may say: the massage, when, where, with whom, and links. Never anything from
the health profile (no conditions, no precautions, no gate reasons): email is not private.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal.accounts.models import User
from portal.accounts.phones import display_uk_phone
from portal.booking.models import Appointment
from portal.outbox.services import queue_email, withdraw
from portal.salon import queries as salon_queries
from portal.formatting import local_datetime
from portal.urls import external_url

WHEN = "%A {day} %B %Y at %H:%M"


def _queue(appointment: Appointment, kind: str, subject: str, **extra) -> bool:
    """Queue email `kind` about `appointment` in the caller's transaction: sent once it commits,
    never if it rolls back; the key (appointment, sequence) makes a repeat queue nothing, and a
    client reception added by phone (no email address) gets none: reception tells them."""
    return queue_email(
        kind=kind, key=f"{kind}:{appointment.id}:{appointment.sequence}", to=appointment.client.email,
        subject=subject, template=kind, user_id=appointment.client_id, appointment_id=appointment.id,
        context=dict(
            user=appointment.client, appointment=appointment, when=local_datetime(appointment.starts_at, WHEN),
            manage_url=external_url("booking.appointment", appointment_id=appointment.id),
            book_url=external_url("booking.book"),
            window_hours=current_app.config["CANCELLATION_WINDOW_HOURS"],
            locations=salon_queries.locations(), **extra,
        ),
    )


def told(client: User, what: str) -> str:
    """What staff read once they have changed a client's booking: the client was emailed `what`
    ("the new time"), or, for a client reception added by phone (no address: nothing was
    emailed, see `_queue`), that someone must phone them with it, and on which number."""
    if client.email:
        return f"{client.name} has been emailed {what}."
    number = f" on {display_uk_phone(client.phone)}" if client.phone else ""
    return f"{client.name} has no email address, so nothing was emailed: please phone them{number} with {what}."


def booked(appointment: Appointment) -> bool:
    return _queue(appointment, "booked", f"Booked: {local_datetime(appointment.starts_at, WHEN)}")


def _withdraw_reminders(appointment: Appointment) -> None:
    """A moved or cancelled appointment's reminders not sent yet (one queued at night waits for
    08:00) say a time, a therapist or a booking that no longer holds: they go, so the client gets
    only this email. The scans queue a reminder for the new time, keyed by it."""
    withdraw(appointment_id=appointment.id, transactional=False)


def rescheduled(appointment: Appointment, was: datetime, *, was_with: str | None = None,
                by_salon: bool = False) -> bool:
    _withdraw_reminders(appointment)
    if by_salon and was == appointment.starts_at:
        subject = f"New therapist for {local_datetime(appointment.starts_at, WHEN)}"
    else:
        subject = f"Moved to {local_datetime(appointment.starts_at, WHEN)}"
    return _queue(appointment, "rescheduled", subject, was=local_datetime(was, WHEN), was_with=was_with,
                  same_time=was == appointment.starts_at, by_salon=by_salon)


def cancelled(appointment: Appointment, *, by_salon: bool = False) -> bool:
    _withdraw_reminders(appointment)
    return _queue(appointment, "cancelled", f"Cancelled: {local_datetime(appointment.starts_at, WHEN)}",
                  by_salon=by_salon)
