"""Emails still waiting to go that the client has answered meanwhile, withdrawn.

The scans queue their emails whenever they run, and the outbox holds one queued at night until
08:00 (quiet hours): in between, the client may do what the email asks. These listeners of
booking's and feedback's events (connected in portal.listeners) run after that change
committed, each its own unit of work, as booking's re-check is: they commit what they withdrew.
The listener of `health_profile_deleted` runs inside the deletion's transaction and only flushes.
"""

from __future__ import annotations

from portal.booking.models import Appointment
from portal.extensions import db
from portal.outbox.services import withdraw
from portal.profile.services import has_consent
from portal.reminders.links import FEEL, KINDS, RELIEF


def on_appointment_booked(sender, appointment: Appointment, **extra) -> None:
    """`appointment_booked`: "you're due for your next massage" would ask a client who has just
    booked to book."""
    withdraw(user_id=appointment.client_id, kinds=KINDS["due_nudges"])
    db.session.commit()


def on_feedback_given(sender, appointment_id: int, **extra) -> None:
    """`feedback_given`: "How did your massage feel?" for that session is answered already."""
    withdraw(appointment_id=appointment_id, kinds=(FEEL,))
    db.session.commit()


def on_health_profile_deleted(sender, client_id: int, **extra) -> int:
    """`health_profile_deleted` (inside the deletion's transaction): a lasting-relief email still
    waiting to go names the areas the client scored, health data that goes with the profile; how
    many went."""
    return withdraw(user_id=client_id, kinds=(RELIEF,))


def on_health_profile_changed(sender, client_id: int, **extra) -> None:
    """`health_profile_changed`, after it committed: consent withdrawn stops all use of the
    client's health data at once, and a lasting-relief email still waiting to go names the areas
    they scored; it goes, as on deletion. Its own unit of work: it commits what it withdrew."""
    if not has_consent(client_id) and withdraw(user_id=client_id, kinds=(RELIEF,)):
        db.session.commit()
