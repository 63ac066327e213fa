"""Feedback and check-ins from clients; attendance and notes from therapists.

Each operation takes the acting user and plain data, checks it may act on that appointment,
and flushes: the request (or the CLI command, or the test) commits once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, or_, select

from portal import clock, events
from portal.accounts.models import User
from portal.booking.attendance import Cancelled, NotFound, Refused, staff_appointment  # noqa: F401  (one set of refusals)
from portal.accounts.locks import lock_client
from portal.booking.models import Appointment
from portal.booking.queries import DONE_COLUMNS, DONE_OR_AHEAD, done_and_ahead
from portal.booking.status import completed, is_completed
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.read_memo import remember, remembered
from portal.feedback.models import AREAS, WELLBEING, AppointmentFeedback, PainCheckIn, TreatmentNote, answered
from portal.guidance.rules import SessionFeedback
from portal.signals import feedback_given
from portal.profile.services import ConsentRequired, has_consent, record_consent
from portal.timezones import to_local

log = logging.getLogger("portal.feedback")

EDIT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class FeedbackInput:
    pressure: str | None = None
    pain_before: dict[str, int] = field(default_factory=dict)
    pain_after: dict[str, int] = field(default_factory=dict)
    focus_areas: frozenset[str] = frozenset()
    note: str = ""
    stress: int | None = None  # optional 0-10
    sleep_quality: int | None = None  # optional 0-10


def _own_appointment(client: User, appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.client_id != client.id:
        raise NotFound(appointment_id)
    return appointment


def feedback_for(appointment_id: int) -> AppointmentFeedback | None:
    return db.session.scalar(select(AppointmentFeedback).where(AppointmentFeedback.appointment_id == appointment_id))


def editable_until(feedback: AppointmentFeedback | None) -> datetime | None:
    return feedback.created_at + EDIT_WINDOW if feedback else None


def can_edit(feedback: AppointmentFeedback | None, now: datetime) -> bool:
    return feedback is None or now <= editable_until(feedback)


def open_note(feedback: AppointmentFeedback | None) -> str:
    return (feedback.note or "") if feedback is not None else ""


def appointment_for_feedback(client: User, appointment_id: int, now: datetime) -> Appointment:
    """The client's own completed appointment, or NotFound/Refused."""
    appointment = _own_appointment(client, appointment_id)
    if not is_completed(appointment, now):
        raise Refused("You can tell us how it felt once the session has taken place.")
    return appointment


def _consented(client: User, consent_given: bool, now: datetime) -> None:
    """Pain scores and notes are health data: stored only under the client's consent."""
    if consent_given:
        record_consent(client, now)
    elif not has_consent(client.id):
        raise ConsentRequired("tick the consent statement to store health information")


def save_feedback(client: User, appointment_id: int, given: FeedbackInput, now: datetime | None = None,
                  consent_given: bool = False) -> AppointmentFeedback:
    """Give or change feedback on one's own completed session, within a week of first giving it."""
    now = now or clock.now()
    # A double-submitted first answer: the second waits, then finds the first's row (and its
    # consent) and updates it, instead of inserting a second one and failing on the unique key.
    lock_client(client.id)
    appointment_for_feedback(client, appointment_id, now)
    feedback = feedback_for(appointment_id)
    if not can_edit(feedback, now):
        raise Refused("Feedback can be changed for 7 days after you give it; this one is now closed.")
    _consented(client, consent_given, now)
    if feedback is None:
        feedback = AppointmentFeedback(appointment_id=appointment_id, client_id=client.id, created_at=now)
        db.session.add(feedback)
    feedback.pressure = given.pressure
    for area in AREAS:
        setattr(feedback, f"{area}_before", given.pain_before.get(area))
        setattr(feedback, f"{area}_after", given.pain_after.get(area))
    feedback.stress, feedback.sleep_quality = given.stress, given.sleep_quality
    feedback.focus_areas = ",".join(area for area in AREAS if area in given.focus_areas)
    feedback.note = given.note or None  # sealed
    feedback.updated_at = now
    db.session.flush()
    log.info("feedback saved user_id=%s appointment_id=%s", client.id, appointment_id)
    events.after_commit(feedback_given, appointment_id=appointment_id)
    return feedback


def record_checkin(client: User, pain: dict[str, int], now: datetime | None = None,
                   consent_given: bool = False, new_numbness: bool = False,
                   wellbeing: dict[str, int] | None = None) -> PainCheckIn:
    """Today's pain, between visits; at least one area or a stress or sleep score (and,
    optionally, new numbness, tingling or weakness). `wellbeing`: {"stress": 0-10,
    "sleep_quality": 0-10}, either optional."""
    wellbeing = {k: v for k, v in (wellbeing or {}).items() if k in WELLBEING and v is not None}
    if not pain and not wellbeing:
        raise Refused("Please score at least one area.")
    if any(not 0 <= v <= 10 for v in (*pain.values(), *wellbeing.values())):
        raise Refused("Scores are whole numbers from 0 to 10.")
    now = now or clock.now()
    lock_client(client.id)  # two first check-ins at once record consent once
    _consented(client, consent_given, now)
    checkin = PainCheckIn(client_id=client.id, recorded_at=now, new_numbness=new_numbness,
                          **{area: pain.get(area) for area in AREAS}, **wellbeing)
    db.session.add(checkin)
    db.session.flush()
    log.info("pain check-in user_id=%s", client.id)
    return checkin


def on_health_profile_deleted(sender, client_id: int, **extra) -> int:
    """Listener of `health_profile_deleted` (connected in portal.listeners)."""
    return forget_health_data(client_id)


def forget_health_data(client_id: int) -> int:
    """Delete the client's pain check-ins and session feedback, as part of the caller's
    transaction (deleting the health profile); how many rows went."""
    checkins = db.session.execute(delete(PainCheckIn).where(PainCheckIn.client_id == client_id))
    feedback = db.session.execute(delete(AppointmentFeedback).where(AppointmentFeedback.client_id == client_id))
    return checkins.rowcount + feedback.rowcount


def feedback_rows(client_id: int, *, since: datetime | None = None, before: datetime | None = None
                  ) -> list[tuple[AppointmentFeedback, datetime]]:
    """(feedback, session start) for the client's sessions in a window, oldest first; one query."""
    query = (
        select(AppointmentFeedback, Appointment.starts_at)
        .join(Appointment, Appointment.id == AppointmentFeedback.appointment_id)
        .where(AppointmentFeedback.client_id == client_id)
        .order_by(Appointment.starts_at)
    )
    if since is not None:
        query = query.where(Appointment.starts_at >= since)
    if before is not None:
        query = query.where(Appointment.starts_at < before)
    return [(feedback, starts_at) for feedback, starts_at in db.session.execute(query).all()]


@dataclass(frozen=True)
class Session:
    """One of the client's appointments that is completed or has feedback (`sessions`)."""

    appointment_id: int
    starts_at: datetime
    ends_at: datetime
    completed: bool
    feedback: AppointmentFeedback | None


def sessions(client_id: int) -> list[Session]:
    """The client's completed appointments and every appointment they gave feedback on, with
    that feedback, oldest first; one statement for what `completed_dates` and `feedback_rows`
    read in two."""
    return [Session(*row) for row in db.session.execute(_sessions_statement(),
                                                       {"client_id": client_id, "now": clock.now()})]


@cache
def _sessions_statement():
    """`sessions`' statement for the bound `client_id` and `now`: built once, as building it
    (and its cache key) costs as much as running it."""
    now = bindparam("now", type_=UTCDateTime())
    return (
        select(Appointment.id, Appointment.starts_at, Appointment.ends_at, completed(now).label("completed"),
               AppointmentFeedback)
        .outerjoin(AppointmentFeedback, AppointmentFeedback.appointment_id == Appointment.id)
        .where(Appointment.client_id == bindparam("client_id"), or_(completed(now), AppointmentFeedback.id.is_not(None)))
        .order_by(Appointment.starts_at)
    )


def as_session_feedback(rows: list[tuple[AppointmentFeedback, datetime]]) -> list[SessionFeedback]:
    """Stored feedback as the guidance rules read it."""
    return [
        SessionFeedback(session_on=to_local(starts_at).date(), pressure=feedback.pressure,
                        pain_before=feedback.pain("before"), pain_after=feedback.pain("after"))
        for feedback, starts_at in rows
    ]


# Only the columns the rules read (not whole feedback rows, sealed note included: a third
# faster): the pressure, then each area's pain before, then after.
_SCORES = (AppointmentFeedback.pressure, *(getattr(AppointmentFeedback, f"{area}_before") for area in AREAS),
           *(getattr(AppointmentFeedback, f"{area}_after") for area in AREAS))


def _session_feedback(starts_at: datetime, scores) -> SessionFeedback:
    """One session's feedback as the guidance rules read it, from `_SCORES`' values."""
    n = len(AREAS)
    return SessionFeedback(session_on=to_local(starts_at).date(), pressure=scores[0],
                           pain_before=answered(AREAS, scores[1:1 + n]), pain_after=answered(AREAS, scores[1 + n:]))


# Built once per process with the client (and the clock) bound per call: building a statement
# and its cache key cost about as much as running it.
_HISTORY_FOR_GUIDANCE = (select(Appointment.starts_at, *_SCORES)
                         .join(Appointment, Appointment.id == AppointmentFeedback.appointment_id)
                         .where(AppointmentFeedback.client_id == bindparam("client_id"))
                         .order_by(Appointment.starts_at))
_VISITS_AND_FEEDBACK = (select(*DONE_COLUMNS, AppointmentFeedback.id.label("feedback_id"), *_SCORES)
                        .outerjoin(AppointmentFeedback, AppointmentFeedback.appointment_id == Appointment.id)
                        .where(Appointment.client_id == bindparam("client_id"),
                               or_(DONE_OR_AHEAD, AppointmentFeedback.id.is_not(None)))
                        .order_by(Appointment.starts_at))


@remembered
def history_for_guidance(client_id: int) -> list[SessionFeedback]:
    """The client's feedback as the guidance rules read it, oldest session first (none
    without current consent: withdrawing it stops every use)."""
    if not has_consent(client_id):
        return []
    return [_session_feedback(row[0], row[1:]) for row in db.session.execute(_HISTORY_FOR_GUIDANCE,
                                                                            {"client_id": client_id})]


def visits_and_feedback_for_guidance(client_id: int) -> tuple[list[date], list[date], list[SessionFeedback]]:
    """What the client's guidance reads besides the profile, in one statement: the visits done
    and the days booked ahead (`booking.queries.done_and_ahead`) and `history_for_guidance`,
    both remembered for the rest of the transaction."""
    now = clock.now()
    rows = db.session.execute(_VISITS_AND_FEEDBACK, {"client_id": client_id, "now": now}).all()
    done, ahead = done_and_ahead(client_id, rows, now)
    first = len(DONE_COLUMNS) + 1
    given = ([_session_feedback(row.starts_at, row[first:]) for row in rows if row.feedback_id is not None]
             if has_consent(client_id) else [])
    remember(history_for_guidance, (client_id,), given)
    return done, ahead, list(given)


def add_treatment_note(staff: User, appointment_id: int, text: str, now: datetime | None = None) -> TreatmentNote:
    """A private note after the session, for the therapists who treat this client next."""
    now = now or clock.now()
    appointment = staff_appointment(staff, appointment_id)
    if appointment.is_cancelled:
        raise Cancelled("That appointment was cancelled: there was no session to write a note about.")
    if appointment.starts_at > now:
        raise Refused("Treatment notes are written after the session has started.")
    note = TreatmentNote(appointment_id=appointment.id, author_id=staff.id, author_name=staff.name, created_at=now)
    note.text = text  # sealed, bound to the appointment
    db.session.add(note)
    db.session.flush()
    log.info("treatment note added appointment_id=%s by user_id=%s", appointment_id, staff.id)
    return note
