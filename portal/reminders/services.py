"""Email preferences, unsubscribing, and the lasting-relief answer from an email link.

Each operation takes plain data (and the acting user where there is one) and flushes; the
request commits once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.accounts.locks import lock_client
from portal.booking.models import Appointment
from portal.booking.status import completed, is_completed
from portal.extensions import db
from portal.feedback.models import AREAS, AppointmentFeedback, PainCheckIn
from portal.profile.services import has_consent
from portal.outbox.services import withdraw
from portal.reminders.links import CATEGORIES, KINDS, ReliefAnswer
from portal.reminders.models import EmailPreferences
from portal.reminders.rules import DASHBOARD_RELIEF_FROM, DASHBOARD_RELIEF_UNTIL, relief_asked_on_dashboard

log = logging.getLogger("portal.reminders")

CLIENT_CATEGORIES = ("reminders", "follow_ups", "due_nudges")
THERAPIST_CATEGORIES = ("morning_list",)


def categories_for(user: User) -> tuple[str, ...]:
    """The kinds of email this person can choose: a client's three, a therapist's morning list."""
    if user.is_client:
        return CLIENT_CATEGORIES
    if user.role == "therapist":
        return THERAPIST_CATEGORIES
    return ()


def preferences_for(user_id: int) -> EmailPreferences:
    """The stored preferences, or the defaults (not added to the session) when none are stored."""
    stored = db.session.get(EmailPreferences, user_id)
    return stored or EmailPreferences(user_id=user_id, reminders=True, due_nudges=True, follow_ups=True,
                                      morning_list=False)


def wants(user_id: int, category: str) -> bool:
    return bool(getattr(preferences_for(user_id), category))


def _stored(user_id: int) -> EmailPreferences:
    stored = db.session.get(EmailPreferences, user_id)
    if stored is None:
        stored = preferences_for(user_id)
        db.session.add(stored)
    return stored


def _withdraw_waiting(user_id: int, category: str) -> None:
    """Turned off means none from now on: one already queued (held by the quiet hours until
    08:00, or waiting for a retry) is withdrawn, not sent."""
    withdraw(user_id=user_id, kinds=KINDS[category])


def set_preferences(user: User, chosen: dict[str, bool]) -> EmailPreferences:
    """Save `user`'s choices for the kinds they may choose (others in `chosen` are ignored)."""
    stored = _stored(user.id)
    for category in categories_for(user):
        if category in chosen:
            setattr(stored, category, bool(chosen[category]))
            if not chosen[category]:
                _withdraw_waiting(user.id, category)
    stored.updated_at = clock.now()
    db.session.flush()
    log.info("email preferences saved user_id=%s", user.id)
    return stored


def unsubscribe(user_id: int, category: str) -> bool:
    """Turn one kind of email off (from a signed link: no login). False if the account is gone."""
    if category not in CATEGORIES or db.session.get(User, user_id) is None:
        return False
    stored = _stored(user_id)
    setattr(stored, category, False)
    _withdraw_waiting(user_id, category)
    stored.updated_at = clock.now()
    db.session.flush()
    log.info("unsubscribed user_id=%s category=%s", user_id, category)
    return True


# --- lasting relief ---------------------------------------------------------------------------


class AlreadyAnswered(Exception):
    pass


class CannotAnswer(Exception):
    """The link is genuine but can no longer be used (appointment gone, consent withdrawn)."""


def relief_answered(appointment_id: int, area: str) -> bool:
    """Has this session's question about `area` been answered (by any of its score links)?"""
    column = getattr(PainCheckIn, area)
    return db.session.scalar(select(PainCheckIn.id).where(PainCheckIn.appointment_id == appointment_id,
                                                          column.is_not(None)).limit(1)) is not None


def answer_relief(answer: ReliefAnswer, now: datetime | None = None) -> PainCheckIn:
    """Store a lasting-relief answer as a check-in tied to its session: once per (session,
    area), whichever score link is used, so a second click or a mail scanner's replay changes
    nothing."""
    now = now or clock.now()
    lock_client(answer.client_id)  # two clicks at once: the second waits and finds the first
    appointment = db.session.get(Appointment, answer.appointment_id)
    if appointment is None or appointment.client_id != answer.client_id or not is_completed(appointment, now):
        raise CannotAnswer("That session is no longer in your history, so there is nothing to answer.")
    if not has_consent(answer.client_id):
        raise CannotAnswer("You have withdrawn your consent to us keeping health information, "
                           "so we cannot store this answer.")
    if relief_answered(answer.appointment_id, answer.area):
        raise AlreadyAnswered()
    checkin = PainCheckIn(client_id=answer.client_id, appointment_id=answer.appointment_id, recorded_at=now,
                          **{answer.area: answer.score})
    db.session.add(checkin)
    db.session.flush()
    log.info("lasting-relief answer user_id=%s appointment_id=%s", answer.client_id, answer.appointment_id)
    return checkin


@dataclass(frozen=True)
class ReliefQuestion:
    """One scored area of a recent session still waiting for its two-days-later score."""

    appointment: Appointment
    area: str
    before: int | None
    after: int | None


def relief_questions(client_id: int, now: datetime | None = None) -> list[ReliefQuestion]:
    """What the dashboard asks: each area the client scored for a session that ended 36 to 96
    hours ago and has no two-days-later score yet (none without consent); two queries."""
    now = now or clock.now()
    if not has_consent(client_id):
        return []
    rows = db.session.execute(
        select(Appointment, AppointmentFeedback)
        .join(AppointmentFeedback, AppointmentFeedback.appointment_id == Appointment.id)
        .where(Appointment.client_id == client_id, completed(now),
               Appointment.ends_at <= now - DASHBOARD_RELIEF_FROM, Appointment.ends_at > now - DASHBOARD_RELIEF_UNTIL)
        .order_by(Appointment.ends_at)).all()
    if not rows:
        return []
    return questions_for(rows, db.session.scalars(select(PainCheckIn).where(
        PainCheckIn.appointment_id.in_([appointment.id for appointment, _ in rows]))))


def questions_for(rows: list[tuple[Appointment, AppointmentFeedback]], checkins) -> list[ReliefQuestion]:
    """`relief_questions` from what was read already: the sessions in the window with their
    feedback (by end), and check-ins (any; those tied to one of these sessions are answers)."""
    answered: dict[int, set[str]] = {}
    for checkin in checkins:
        if checkin.appointment_id is not None:
            answered.setdefault(checkin.appointment_id, set()).update(checkin.pain())
    questions = []
    for appointment, feedback in rows:
        before, after = feedback.pain("before"), feedback.pain("after")
        for area in AREAS:
            if (area in before or area in after) and area not in answered.get(appointment.id, set()):
                questions.append(ReliefQuestion(appointment, area, before.get(area), after.get(area)))
    return questions


def answer_on_dashboard(client: User, appointment_id: int, area: str, score: int,
                        now: datetime | None = None) -> PainCheckIn:
    """The dashboard's answer to the lasting-relief question: the same store as the email's
    link (once per session and area), while the dashboard asks it (36-96 hours after)."""
    now = now or clock.now()
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.client_id != client.id or area not in AREAS:
        raise CannotAnswer("That session is no longer in your history, so there is nothing to answer.")
    feedback = db.session.scalar(select(AppointmentFeedback).where(AppointmentFeedback.appointment_id == appointment_id))
    if feedback is None or not (area in feedback.pain("before") or area in feedback.pain("after")):
        raise CannotAnswer("You did not score that area for that session, so there is nothing to compare.")
    if not relief_asked_on_dashboard(appointment.ends_at, now):
        raise CannotAnswer("That question has closed: we ask how you are from a day and a half to four days "
                           "after a session.")
    return answer_relief(ReliefAnswer(client.id, appointment_id, area, score), now)
