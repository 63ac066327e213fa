"""Emails about appointments: booked, moved, cancelled.

What an email may say: the massage, when, where, with whom, and links. Never anything from
the health profile (no conditions, no precautions, no gate reasons): email is not private.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from flask import current_app

from portal.booking.models import Appointment
from portal.mail import render_email, send_mail
from portal.salon import queries as salon_queries
from portal.formatting import local_datetime
from portal.urls import external_url

log = logging.getLogger("portal.booking")

WHEN = "%A {day} %B %Y at %H:%M"


def _send(appointment: Appointment, subject: str, template: str, **extra) -> None:
    if appointment.client.email is None:  # a client reception added by phone: reception tells them
        log.info("appointment email skipped (client has no email) appointment=%s", appointment.id)
        return
    body, html = render_email(
        template, user=appointment.client, appointment=appointment, when=local_datetime(appointment.starts_at, WHEN),
        manage_url=external_url("booking.appointment", appointment_id=appointment.id),
        book_url=external_url("booking.book"),
        window_hours=current_app.config["CANCELLATION_WINDOW_HOURS"],
        locations=salon_queries.locations(), **extra,
    )
    try:
        send_mail(appointment.client.email, subject, body, html)
    except (smtplib.SMTPException, OSError):
        # The appointment is already safe in the database; a mail outage must not undo it
        # or show the client an error for a booking that worked.
        log.exception("appointment email not sent appointment=%s", appointment.id)


def booked(appointment: Appointment) -> None:
    _send(appointment, f"Booked: {local_datetime(appointment.starts_at, WHEN)}", "booked")


def rescheduled(appointment: Appointment, was: datetime) -> None:
    _send(appointment, f"Moved to {local_datetime(appointment.starts_at, WHEN)}", "rescheduled",
          was=local_datetime(was, WHEN))


def cancelled(appointment: Appointment) -> None:
    _send(appointment, f"Cancelled: {local_datetime(appointment.starts_at, WHEN)}", "cancelled")


# Listeners (connected in portal.listeners): the emails follow the committed change.
def on_booked(sender, appointment: Appointment, **extra) -> None:
    booked(appointment)


def on_moved(sender, appointment: Appointment, was: datetime, **extra) -> None:
    rescheduled(appointment, was)


def on_cancelled(sender, appointment: Appointment, **extra) -> None:
    cancelled(appointment)
