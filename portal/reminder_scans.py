"""The periodic scans of the messages between visits: each finds what is due at `now` and
queues it through `portal.outbox.services.queue_email`, whose (kind, key) uniqueness makes a
second run (or a second consumer running the same scan) send nothing twice.

A cross-feature read (layer 4, like portal.client_guidance): the "you're due" scan needs each
client's guidance, which the reminders feature itself may not import. Each scan is a plain
function of `now` (portal.clock), so a job queue can run it periodically and a test can run it
at any instant; `flask reminders run` runs them all once.

No email carries health data: times, places, names, area names and links behind the login (or
signed single-use links) only. Conditions, scores and notes stay in the portal.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.booking import queries as booking_queries
from portal.booking import rebook
from portal.booking.models import BOOKED, Appointment
from portal.booking.slots import can_change_online
from portal.booking.status import completed
from portal.client_guidance import guidance_for_client
from portal.extensions import db
from portal.feedback.models import AREAS, AppointmentFeedback
from portal.formatting import local_datetime
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.guidance.rules import CODE_NEEDS_CLEARANCE, CODE_NOT_NOW, NOT_NOW
from portal.profile.models import HealthProfile, ProfileRevision
from portal.profile.services import has_consent
from portal.outbox import services as outbox
from portal.reminders import links, rules
from portal.reminders.services import wants
from portal.salon import queries as salon_queries
from portal.salon.models import Therapist
from portal.urls import external_url

log = logging.getLogger("portal.reminders")

WHEN = "%A {day} %B %Y at %H:%M"
TIME = "%H:%M"


@dataclass(frozen=True)
class Message:
    kind: str
    key: str
    user: User
    subject: str
    template: str
    context: dict
    appointment_id: int | None = None

    @property
    def category(self) -> str:
        """The EmailPreferences column that lets the person turn it off."""
        return links.category_of(self.kind)


def _callable_anywhere(scan: Callable[[datetime], int]) -> Callable[[datetime], int]:
    """A job or the CLI has no request, and links are built with url_for: give the scan one
    (the links still take their host from PUBLIC_URL, never from this request)."""
    @functools.wraps(scan)
    def run(now: datetime) -> int:
        if has_request_context():
            return scan(now)
        with current_app.test_request_context():
            return scan(now)
    return run


def _queue(message: Message, now: datetime) -> bool:
    """Queue `message` unless its person turned its kind off; quiet hours delay it."""
    if not wants(message.user.id, message.category):
        return False
    unsubscribe = links.unsubscribe_url(message.user.id, message.category)
    context = {"user": message.user, "unsubscribe_url": unsubscribe,
               "unsubscribe_what": links.CATEGORIES[message.category], **message.context}
    return outbox.queue_email(
        kind=message.kind, key=message.key, to=message.user.email, subject=message.subject,
        template=message.template, context=context, user_id=message.user.id,
        appointment_id=message.appointment_id, not_before=rules.not_before(now), transactional=False,
        headers=links.unsubscribe_headers(unsubscribe),
    )


def _appointment_context(appointment: Appointment) -> dict:
    return {"appointment": appointment, "when": local_datetime(appointment.starts_at, WHEN),
            "manage_url": external_url("booking.appointment", appointment_id=appointment.id)}


# --- 1. the day-before reminder -----------------------------------------------------------------


def reminder_key(appointment: Appointment) -> str:
    """Per appointment and start: a move to another day gets its own reminder."""
    return f"reminder:{appointment.id}:{appointment.starts_at.isoformat()}"


@_callable_anywhere
def scan_reminders(now: datetime) -> int:
    """Booked appointments on tomorrow's salon date."""
    queued = 0
    candidates = db.session.scalars(
        select(Appointment).where(Appointment.status == BOOKED, Appointment.starts_at > now,
                                  Appointment.starts_at < now + timedelta(hours=50))
        .order_by(Appointment.starts_at))
    for appointment in candidates:
        if not rules.reminder_due(appointment.starts_at, now):
            continue
        context = _appointment_context(appointment) | {
            "ics_url": external_url("booking.appointment_ics", appointment_id=appointment.id),
            "can_change": can_change_online(appointment.starts_at),
            "window_hours": current_app.config["CANCELLATION_WINDOW_HOURS"],
            "locations": salon_queries.locations(),
            "profile_url": external_url("profile.edit"),
            # A health hold (a code, never its reason) means the client has something to sort out
            # first: the email only says to open the appointment, where the reason is shown.
            "on_hold": appointment.health_hold is not None,
        }
        queued += _queue(Message(
            "reminder", reminder_key(appointment), appointment.client,
            f"Tomorrow: {appointment.service.name} at {local_datetime(appointment.starts_at, TIME)}",
            "reminder", context, appointment.id), now)
    return queued


def _ended_between(now: datetime, earliest: timedelta, latest: timedelta) -> list[Appointment]:
    return list(db.session.scalars(
        select(Appointment).where(completed(now), Appointment.ends_at <= now - earliest,
                                  Appointment.ends_at > now - latest)
        .order_by(Appointment.ends_at)))


# --- 2. "How did it feel?" ------------------------------------------------------------------------


@_callable_anywhere
def scan_feel(now: datetime) -> int:
    """Sessions that ended 3 to 24 hours ago and have no feedback yet."""
    queued = 0
    for appointment in _ended_between(now, rules.FEEL_AFTER, rules.FEEL_UNTIL):
        if not rules.feel_due(appointment.ends_at, now) or _feedback(appointment.id) is not None:
            continue
        context = _appointment_context(appointment) | {
            "feedback_url": external_url("feedback.give", appointment_id=appointment.id)}
        queued += _queue(Message(links.FEEL, f"feel:{appointment.id}", appointment.client,
                                 "How did your massage feel?", "feel", context, appointment.id), now)
    return queued


def _feedback(appointment_id: int) -> AppointmentFeedback | None:
    return db.session.scalar(select(AppointmentFeedback).where(AppointmentFeedback.appointment_id == appointment_id))


# --- 3. lasting relief ----------------------------------------------------------------------------


def scored_areas(feedback: AppointmentFeedback) -> list[str]:
    """The areas the client scored, before or after the session, in the vocabulary's order."""
    scored = set(feedback.pain("before")) | set(feedback.pain("after"))
    return [area for area in AREAS if area in scored]


@_callable_anywhere
def scan_relief(now: datetime) -> int:
    """48 hours after a session the client scored: one question per scored area (its name,
    never its score), each score a signed single-use link."""
    queued = 0
    for appointment in _ended_between(now, rules.RELIEF_AFTER, rules.RELIEF_UNTIL):
        feedback = _feedback(appointment.id)
        if not rules.relief_due(appointment.ends_at, now) or feedback is None:
            continue
        areas = scored_areas(feedback)
        if not areas or not has_consent(appointment.client_id):
            continue
        expires = links.relief_expiry(now)
        questions = [{"label": AREA_LABELS[area].lower(),
                      "scores": [(score, links.relief_url(appointment.client_id, appointment.id, area, score, expires))
                                 for score in range(11)]}
                     for area in areas]
        context = _appointment_context(appointment) | {
            "questions": questions, "expires": local_datetime(expires, WHEN),
            "pain_url": external_url("feedback.pain")}
        queued += _queue(Message(links.RELIEF, f"relief:{appointment.id}", appointment.client,
                                 "Two days on: how are you feeling?", "relief", context, appointment.id), now)
    return queued


# --- 4. you're due --------------------------------------------------------------------------------


def _clients_with_completed_sessions(now: datetime) -> list[int]:
    return list(db.session.scalars(
        select(Appointment.client_id).where(completed(now)).group_by(Appointment.client_id)
        .order_by(Appointment.client_id)))


@_callable_anywhere
def scan_due(now: datetime) -> int:
    """On the guidance's next due date, nothing booked: the rebook times near it, or, when the
    precautions say "not now" / "ask your GP first", a gentle note to update the profile. Each
    at most once per due date (so once per interval)."""
    queued = 0
    today = rules.local_day(now)
    for client_id in _clients_with_completed_sessions(now):
        if not wants(client_id, "due_nudges"):
            continue  # before the guidance and the free times are worked out for nothing
        guidance = guidance_for_client(client_id, today)
        if not rules.nudge_due(guidance.next_due, today) or booking_queries.upcoming(client_id):
            continue
        client = db.session.get(User, client_id)
        source = booking_queries.latest_completed(client_id)
        if client is None or source is None:
            continue
        offer = rebook.proposal(client_id, source, guidance)
        held_back = guidance.level == NOT_NOW or (
            offer.refusal is not None and offer.refusal.code in (CODE_NOT_NOW, CODE_NEEDS_CLEARANCE))
        due = guidance.next_due.isoformat()
        if held_back:
            # Which precaution, and why, stays behind the login: the email only points there.
            context = {"profile_url": external_url("profile.edit"), "guidance_url": external_url("profile.guidance")}
            queued += _queue(Message("due_note", f"due-note:{client_id}:{due}", client,
                                     "Before your next massage", "due_note", context), now)
            continue
        rebook_url = external_url("booking.rebook_offer", appointment_id=source.id)
        context = {"source": source, "rebook_url": rebook_url, "book_url": external_url("booking.book"),
                   "times": [local_datetime(time, WHEN) for time in offer.times]}
        queued += _queue(Message("due", f"due:{client_id}:{due}", client,
                                 "You're due for your next massage", "due", context, source.id), now)
    return queued


# --- 5. the therapist's morning list ------------------------------------------------------------


@dataclass(frozen=True)
class ListEntry:
    appointment: Appointment
    when: str
    news: bool  # new feedback or profile change since their last session together
    first_visit: bool
    brief_url: str


def _has_news(appointment: Appointment) -> tuple[bool, bool]:
    """(something new in the brief, first session with this therapist)."""
    last_together = db.session.scalar(
        select(func.max(Appointment.ends_at)).where(
            completed(appointment.starts_at), Appointment.client_id == appointment.client_id,
            Appointment.therapist_id == appointment.therapist_id))
    if last_together is None:
        return False, True
    feedback_since = db.session.scalar(
        select(func.count()).select_from(AppointmentFeedback).where(
            AppointmentFeedback.client_id == appointment.client_id, AppointmentFeedback.updated_at > last_together))
    profile_since = db.session.scalar(
        select(func.count()).select_from(ProfileRevision).join(HealthProfile).where(
            HealthProfile.client_id == appointment.client_id, ProfileRevision.created_at > last_together))
    return bool(feedback_since or profile_since), False


@_callable_anywhere
def scan_morning_lists(now: datetime) -> int:
    """Each opted-in therapist's appointments today, from 06:00 (quiet hours hold it to 08:00)."""
    if not rules.morning_list_due(now):
        return 0
    today = rules.local_day(now)
    begin, end = booking_queries.local_day_bounds(today, today)
    queued = 0
    therapists = db.session.scalars(select(Therapist).where(Therapist.active, Therapist.user_id.is_not(None))
                                    .order_by(Therapist.id))
    for therapist in therapists:
        user = therapist.user
        if user is None or not wants(user.id, "morning_list"):
            continue
        appointments = list(db.session.scalars(
            select(Appointment).where(Appointment.therapist_id == therapist.id, Appointment.status == BOOKED,
                                      Appointment.starts_at >= begin, Appointment.starts_at < end)
            .order_by(Appointment.starts_at)))
        if not appointments:
            continue
        entries = []
        for appointment in appointments:
            news, first = _has_news(appointment)
            entries.append(ListEntry(appointment, local_datetime(appointment.starts_at, TIME), news, first,
                                     external_url("feedback.brief", appointment_id=appointment.id)))
        context = {"entries": entries, "day": local_datetime(begin, "%A {day} %B"),
                   "schedule_url": external_url("dashboard.home")}
        queued += _queue(Message("morning_list", f"morning:{user.id}:{today.isoformat()}", user,
                                 f"Your appointments today ({len(entries)})", "morning_list", context), now)
    return queued


SCANS: dict[str, Callable[[datetime], int]] = {
    "reminders": scan_reminders,
    "feel": scan_feel,
    "relief": scan_relief,
    "due": scan_due,
    "morning_lists": scan_morning_lists,
}


def run_all(now: datetime) -> dict[str, int]:
    """Every scan once at `now`: how many messages each queued."""
    counts = {name: scan(now) for name, scan in SCANS.items()}
    log.info("reminder scans at=%s queued=%s", now.isoformat(), counts)
    return counts
