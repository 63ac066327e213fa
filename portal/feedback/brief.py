"""The therapist's pre-session brief: everything to know before this client's session.

Built in a fixed number of queries whatever the client's history, and every view is logged
in the health-data access log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select

from portal import clock
from portal.accounts.models import User
from portal.audit.services import Viewing
from portal.booking.models import CANCELLED, Appointment
from portal.booking.status import is_completed
from portal.extensions import db
from portal.feedback.chart import PainPoint
from portal.feedback.forms import PRESSURE_LABELS
from portal.feedback.meaning import Concern, brief_flag, label_words, lasted_words, safety_concerns
from portal.feedback.models import AppointmentFeedback, PainCheckIn, TreatmentNote
from portal.feedback.pain import pain_points
from portal.feedback.services import NotFound, as_session_feedback, open_note
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.guidance.rules import Precaution, guidance_for
from portal.profile.services import consented_profile, facts_from
from portal.salon.models import Location, Service, Therapist
from portal.timezones import to_local

# A therapist sees briefs for their clients from a month back to two weeks ahead.
PAST_REACH = timedelta(days=30)
FUTURE_REACH = timedelta(days=14)
TREND_SESSIONS = 5
RECENT_NOTES = 3



@dataclass(frozen=True)
class AreaChange:
    area: str  # its label, "lower back"
    before: int | None
    after: int | None
    change: str  # the label in words, "" when a score is missing
    later: int | None = None  # the 48-hour check-in's score for this area
    lasted: str = ""  # "most of the relief lasted", ... ("" without a two-days-later score)


@dataclass(frozen=True)
class LastFeedback:
    session_on: date
    pressure: str | None
    pain_before: dict[str, int]
    pain_after: dict[str, int]
    focus_areas: list[str]
    note: str
    changes: list[AreaChange] = field(default_factory=list)
    stress: int | None = None
    sleep_quality: int | None = None


@dataclass(frozen=True)
class StaffNote:
    written_on: date
    author: str
    text: str


@dataclass(frozen=True)
class BriefAppointment:
    """What the brief shows and checks of its appointment: one row with the names it shows,
    no ORM objects (the appointment's four joined relations cost more to build than to read)."""
    id: int
    client_id: int
    starts_at: datetime
    no_show: bool
    health_hold: str | None
    health_hold_at: datetime | None
    screening_confirmed_at: datetime | None
    client_name: str
    service_name: str
    location_name: str
    therapist_name: str | None
    therapist_user_id: int | None
    status: str  # booked or cancelled

    @property
    def is_cancelled(self) -> bool:
        return self.status == CANCELLED


@dataclass
class Brief:
    appointment: BriefAppointment
    has_consent: bool
    has_profile: bool = False
    precautions: list[Precaution] = field(default_factory=list)
    clearance_on: date | None = None
    clearance_source: str = ""
    clearance_covers: list[str] = field(default_factory=list)  # condition labels
    clearance_missing: list[str] = field(default_factory=list)  # added after the clearance
    diagnosed_on: date | None = None  # the acute back injury's recorded diagnosis
    diagnosed_by: str = ""
    condition_details: dict[str, str] = field(default_factory=dict)  # slug -> the client's "Details"
    last_visit: date | None = None
    changes: list[str] = field(default_factory=list)
    therapist_notes: list[str] = field(default_factory=list)
    last_feedback: LastFeedback | None = None
    client_notes: str = ""
    goals: list[str] = field(default_factory=list)  # what the client hopes to achieve, as read
    trend: dict[str, list[PainPoint]] = field(default_factory=dict)
    staff_notes: list[StaffNote] = field(default_factory=list)
    safety_flag: str = ""  # pain of 8+, a rise of 2+, new numbness: ask first (meaning.brief_flag)


def may_view(viewer: User, appointment: BriefAppointment, now: datetime) -> bool:
    """Admins see every brief; a therapist only their own clients', recent or upcoming, and never
    a cancelled appointment's: it is no session they need the client's health data for (their day
    and the morning email list booked appointments only)."""
    if viewer.is_admin:
        return True
    if not viewer.is_therapist or appointment.therapist_user_id != viewer.id or appointment.is_cancelled:
        return False
    return now - PAST_REACH <= appointment.starts_at <= now + FUTURE_REACH


def brief_for(viewer: User, appointment_id: int, now: datetime | None = None, *, log_alone: bool = False) -> Brief:
    """The brief for one appointment, if `viewer` may see it (else NotFound); the view is logged,
    in the caller's transaction, or with `log_alone` (the brief page, where the record is the
    request's only write) committed as it is written when no transaction is open yet.
    Three statements whatever the client's history (four on SQLite): the appointment with all the
    client's appointments, their feedback and treatment notes; the profile with its revisions,
    recording the view (on SQLite the access record and then that read); under consent the
    check-ins."""
    now = now or clock.now()
    appointment, history, notes = _history(appointment_id)
    if appointment is None or not may_view(viewer, appointment, now):
        raise NotFound(appointment_id)
    client_id = appointment.client_id
    # The view is recorded by the profile's read, before anything is shown: committed by the
    # request, or, `log_alone` on PostgreSQL, as that read runs (the INSERT rides with it, one
    # statement, no BEGIN or COMMIT round trip; a request failing after it keeps the record of the
    # view). On SQLite the INSERT is sent just before the read. Nothing is shown unless it is
    # written: the history read before it is only held.
    viewed = Viewing(viewer, f"pre-session brief for {to_local(appointment.starts_at):%d %b %Y %H:%M}", log_alone)
    earlier = [row for row in history if row.starts_at < appointment.starts_at]
    visits = [row for row in earlier if is_completed(row, now)]
    given = [(row.AppointmentFeedback, row.starts_at) for row in earlier if row.AppointmentFeedback is not None]
    brief = Brief(appointment=appointment, has_consent=False)
    brief.last_visit = to_local(visits[-1].starts_at).date() if visits else None
    brief.staff_notes = _staff_notes(notes)
    profile, content, changes = consented_profile(client_id, visits[-1].starts_at if visits else None, viewed)
    brief.has_consent = profile is not None and profile.has_consent
    if not brief.has_consent:
        return brief

    guidance = guidance_for(facts_from(content), [to_local(v.starts_at).date() for v in visits],
                            as_session_feedback(given), to_local(now).date())
    brief.precautions = guidance.precautions
    brief.therapist_notes = guidance.therapist_note
    brief.clearance_covers, brief.clearance_missing = guidance.clearance_covers, guidance.clearance_missing
    if content is not None:
        brief.has_profile = True
        brief.clearance_on, brief.clearance_source = content.medical_clearance_on, content.clearance_source
        brief.diagnosed_on, brief.diagnosed_by = content.acute_injury_diagnosed_on, content.acute_injury_diagnosed_by
        brief.condition_details = {slug: entry.detail for slug, entry in content.conditions.items() if entry.detail}
        brief.changes = changes
        brief.client_notes = content.notes_for_therapist
        brief.goals = content.goal_list()
    # The trend: every session and check-in from the fifth-last earlier appointment on; the
    # safety flag: the check-ins since the last visit (before a first visit, the last month).
    since = earlier[-TREND_SESSIONS].starts_at if len(earlier) >= TREND_SESSIONS else None
    checkins_since = visits[-1].starts_at if visits else now - PAST_REACH
    checkins = _checkins(client_id, checkins_since if since is None else min(since, checkins_since))
    brief.trend = {area: points for area, points in pain_points(
        [(row.AppointmentFeedback, row.starts_at) for row in history
         if row.AppointmentFeedback is not None and (since is None or row.starts_at >= since)],
        [c for c in checkins if since is None or c.recorded_at >= since]).items() if points}
    if given:
        feedback, starts_at = given[-1]
        session_on = to_local(starts_at).date()
        # The two-days-later scores come with the trend's points (the last session is in it).
        later = {area: p.later for area, points in brief.trend.items() for p in points
                 if p.kind == "session" and p.on == session_on and p.later is not None}
        brief.last_feedback = LastFeedback(
            session_on, PRESSURE_LABELS[feedback.pressure].lower() if feedback.pressure else None, feedback.pain("before"),
            feedback.pain("after"), [AREA_LABELS[a] for a in feedback.focus], open_note(feedback),
            _area_changes(feedback.pain("before"), feedback.pain("after"), later),
            stress=feedback.stress, sleep_quality=feedback.sleep_quality)
    brief.safety_flag = brief_flag(
        _safety_concerns(given[-1][0] if given else None, [c for c in checkins if c.recorded_at >= checkins_since]),
        AREA_LABELS)
    return brief


# The brief's reads, built once (a statement's construction costs about as much Python as its
# round trip); the appointment, the client and the instant are bound per call.
# The appointment's own columns and names ride on every row of the client's history (the names
# are a handful of short strings; a statement of its own costs more), found through the
# appointment. The history carries the treatment notes too (a row per note; an appointment has
# one or none, rarely more): one round trip fewer than reading them apart.
_OF_THE_APPOINTMENTS_CLIENT = (select(Appointment.client_id).where(Appointment.id == bindparam("appointment_id"))
                               .scalar_subquery())
_HISTORY = (  # its first columns are a BriefAppointment's, in that order
    select(Appointment.id, Appointment.client_id, Appointment.starts_at, Appointment.no_show, Appointment.health_hold,
           Appointment.health_hold_at, Appointment.screening_confirmed_at, User.name, Service.name, Location.name,
           Therapist.display_name, Therapist.user_id, Appointment.status, Appointment.ends_at,
           AppointmentFeedback, TreatmentNote)
    .join(User, User.id == Appointment.client_id)
    .join(Service, Service.id == Appointment.service_id)
    .join(Location, Location.id == Appointment.location_id)
    .outerjoin(Therapist, Therapist.id == Appointment.therapist_id)
    .outerjoin(AppointmentFeedback, AppointmentFeedback.appointment_id == Appointment.id)
    .outerjoin(TreatmentNote, TreatmentNote.appointment_id == Appointment.id)
    .where(Appointment.client_id == _OF_THE_APPOINTMENTS_CLIENT)
    .order_by(Appointment.starts_at, Appointment.id)
)
_BRIEF_COLUMNS = len(BriefAppointment.__dataclass_fields__)
_CHECKINS = select(PainCheckIn).where(PainCheckIn.client_id == bindparam("client_id")).order_by(PainCheckIn.recorded_at)
_CHECKINS_SINCE = _CHECKINS.where(PainCheckIn.recorded_at >= bindparam("since"))


def _history(appointment_id: int) -> tuple[BriefAppointment | None, list, list[TreatmentNote]]:
    """The appointment (None if there is none), and every appointment of its client, oldest
    first, with its feedback (or None), and every treatment note on them: one query, the columns
    `is_completed` reads, without the appointments' joined relations. An appointment with
    several notes comes once."""
    appointment, history, notes, last_id = None, [], [], None
    for row in db.session.execute(_HISTORY, {"appointment_id": appointment_id}):
        if row.id != last_id:
            history.append(row)
            last_id = row.id
            if row.id == appointment_id:
                appointment = BriefAppointment(*row[:_BRIEF_COLUMNS])
        if row.TreatmentNote is not None:
            notes.append(row.TreatmentNote)
    return appointment, history, notes


def _checkins(client_id: int, since: datetime | None) -> list[PainCheckIn]:
    if since is None:
        return list(db.session.scalars(_CHECKINS, {"client_id": client_id}))
    return list(db.session.scalars(_CHECKINS_SINCE, {"client_id": client_id, "since": since}))


def _safety_concerns(last_feedback, checkins: list[PainCheckIn]) -> list[Concern]:
    """What the last session's feedback and the check-ins since the last visit (or, before a
    first visit, the last month) say that calls for asking before starting."""
    concerns = []
    if last_feedback is not None:
        concerns += safety_concerns(before=last_feedback.pain("before"), after=last_feedback.pain("after"))
    for checkin in checkins:
        concerns += safety_concerns(scores=checkin.pain(), new_numbness=checkin.new_numbness)
    return concerns


def _area_changes(before: dict[str, int], after: dict[str, int], later: dict[str, int] | None = None
                  ) -> list[AreaChange]:
    later = later or {}
    return [AreaChange(label, before.get(area), after.get(area), label_words(before.get(area), after.get(area)),
                       later.get(area), lasted_words(before.get(area), after.get(area), later.get(area)))
            for area, label in AREA_LABELS.items() if area in before or area in after]


def _staff_notes(notes: list[TreatmentNote]) -> list[StaffNote]:
    """The latest few, newest first; only those are unsealed."""
    latest = sorted(notes, key=lambda n: (n.created_at, n.id), reverse=True)[:RECENT_NOTES]
    return [StaffNote(to_local(n.created_at).date(), n.author_name, n.text) for n in latest]
