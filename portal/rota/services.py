"""Rota writes and the needs-attention list: shifts, time off, active or not, the salon's switches.

Each write takes plain data and the acting user, re-checks on the server, records the change
with `audit.services.record_change` (old and new values) and flushes; the request commits.
A change that would leave booked appointments outside the therapist's hours or inside their
time off is refused with the list (`Clashes`) unless the admin confirmed exactly those; the
appointments then appear on the needs-attention list (`needs_attention`) until they are moved
to another therapist or cancelled, through booking's own move and cancel services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.accounts.models import User
from portal.audit.services import record_change
from portal.booking import availability, slots, time_off
from portal.booking import services as booking
from portal.booking.models import BOOKED, Appointment, TimeOff
from portal.booking.queries import shifts_of
from portal.extensions import db
from portal.formatting import local_datetime
from portal.guidance.rules import CODE_NEEDS_PREGNANCY_TRAINED
from portal.rota.rules import WEEKDAYS, OtherShift, ShiftSpec, shift_problems, time_off_words
from portal.salon import settings
from portal.salon.locks import lock_therapist
from portal.salon.models import Location, Therapist, WorkingHours

log = logging.getLogger("portal.rota")

WHEN = "%a {day} %b %Y, %H:%M"


class NotFound(LookupError):
    """No such row (or not the acting therapist's own): the page answers 404."""


class Refused(Exception):
    """A change the rota won't make, with words for the person and the field to blame."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Stale(Refused):
    """Someone else changed the row after this form was drawn."""


class Clashes(Refused):
    """Booked appointments the change would strand; the admin may confirm exactly these."""

    def __init__(self, message: str, appointments: list[Appointment]):
        super().__init__(message)
        self.appointments = appointments

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.appointments]


def appointment_label(appointment: Appointment) -> str:
    return (f"{appointment.service.name}, {local_datetime(appointment.starts_at, WHEN)}, "
            f"{appointment.client.name}")


# --- reads --------------------------------------------------------------------------------


def therapist(therapist_id: int) -> Therapist:
    """The therapist with their qualifications and hours (a page's read: nothing held)."""
    found = db.session.scalar(
        select(Therapist).where(Therapist.id == therapist_id)
        .options(selectinload(Therapist.qualifications),
                 selectinload(Therapist.working_hours).joinedload(WorkingHours.location)))
    if found is None:
        raise NotFound()
    return found


def _locked_therapist(therapist_id: int) -> Therapist:
    """The therapist and their hours as they are now, held until the change commits: bookings of
    them wait for it, and it waits for bookings already under way, so a change to the hours checks
    the appointments as they will be (`salon.locks.lock_therapist`); two changes take turns."""
    found = lock_therapist(therapist_id, to_change=True)
    if found is None:
        raise NotFound()
    return found


def therapist_of_user(user: User) -> Therapist:
    found = db.session.scalar(select(Therapist).where(Therapist.user_id == user.id))
    if found is None:
        raise NotFound()
    return found


def therapist_list() -> list[Therapist]:
    """Every therapist, active or not, with their hours (for the rota's front page)."""
    return list(db.session.scalars(
        select(Therapist).options(selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
        .order_by(Therapist.active.desc(), Therapist.display_name)).unique())


def db_shift(shift_id: int) -> WorkingHours | None:
    return db.session.get(WorkingHours, shift_id)


def db_time_off(time_off_id: int) -> TimeOff | None:
    return db.session.get(TimeOff, time_off_id)


def db_appointment(appointment_id: int) -> Appointment | None:
    return db.session.get(Appointment, appointment_id)


def time_off_text(entry: TimeOff) -> str:
    """The time off in words ("Fri 11 Dec 2026, all day"), with its reason in brackets if any."""
    return time_off_words(entry.starts_at, entry.ends_at) + (f" ({entry.reason})" if entry.reason else "")


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.name)))


def upcoming_time_off(therapist_id: int) -> list[TimeOff]:
    return time_off.of_therapist(therapist_id, clock.now())


def _future_booked(therapist_id: int | None = None) -> list[Appointment]:
    query = (select(Appointment).where(Appointment.status == BOOKED, Appointment.starts_at > clock.now())
             .order_by(Appointment.starts_at))
    if therapist_id is not None:
        query = query.where(Appointment.therapist_id == therapist_id)
    return list(db.session.scalars(query))


# --- shifts -------------------------------------------------------------------------------


def _others(who: Therapist, except_id: int | None = None) -> list[OtherShift]:
    return [OtherShift(h.id, h.weekday, h.starts_at, h.ends_at, h.location.name)
            for h in who.working_hours if h.id != except_id]


def _stranded(who: Therapist, before: list[availability.Shift], after: list[availability.Shift]) -> list[Appointment]:
    """Future booked appointments inside the hours `before` and outside them `after`."""
    return [a for a in _future_booked(who.id)
            if availability.within_hours(a.starts_at, a.ends_at, before, a.location_id)
            and not availability.within_hours(a.starts_at, a.ends_at, after, a.location_id)]


def _check_stranded(who: Therapist, after: list[availability.Shift], accepted: set[int]) -> None:
    stranded = _stranded(who, shifts_of(who), after)
    if {a.id for a in stranded} - accepted:
        count = len(stranded)
        raise Clashes(f"{count} booked appointment{'s' if count != 1 else ''} would fall outside "
                      f"{who.display_name}'s hours.", stranded)


def _spec_problems(who: Therapist, spec: ShiftSpec, grid_minutes: int, except_id: int | None = None) -> None:
    problems = shift_problems(spec, _others(who, except_id), grid_minutes)
    if db.session.get(Location, spec.location_id) is None:
        problems.setdefault("location_id", "Please choose City Centre or Gosforth.")
    if problems:
        name, message = next(iter(problems.items()))
        raise Refused(message, name)


def _shift_values(hours: WorkingHours | ShiftSpec, location_name: str) -> dict:
    return {"weekday": WEEKDAYS[hours.weekday], "starts_at": hours.starts_at.strftime("%H:%M"),
            "ends_at": hours.ends_at.strftime("%H:%M"), "location": location_name}


def _shift_label(who: Therapist, spec) -> str:
    return f"{who.display_name}: {WEEKDAYS[spec.weekday]} {spec.starts_at:%H:%M}-{spec.ends_at:%H:%M}"


def add_shift(actor: User, therapist_id: int, spec: ShiftSpec, grid_minutes: int) -> WorkingHours:
    who = _locked_therapist(therapist_id)
    _spec_problems(who, spec, grid_minutes)
    hours = WorkingHours(therapist_id=who.id, location_id=spec.location_id, weekday=spec.weekday,
                         starts_at=spec.starts_at, ends_at=spec.ends_at)
    db.session.add(hours)
    db.session.flush()
    db.session.expire(who, ["working_hours"])  # read again, in order, with the new shift
    location = db.session.get(Location, spec.location_id)
    record_change(actor, "created", "working_hours", hours.id, _shift_label(who, spec),
                  {name: (None, value) for name, value in _shift_values(spec, location.name).items()})
    return hours


def _own_shift(shift_id: int) -> tuple[Therapist, WorkingHours]:
    """The shift's therapist, held for the change, and the shift as it is now."""
    found = db.session.get(WorkingHours, shift_id)
    if found is None:
        raise NotFound()
    who = _locked_therapist(found.therapist_id)
    hours = next((h for h in who.working_hours if h.id == shift_id), None)
    if hours is None:  # removed while we waited
        raise NotFound()
    return who, hours


def shift_spec(hours: WorkingHours) -> ShiftSpec:
    return ShiftSpec(hours.weekday, hours.starts_at, hours.ends_at, hours.location_id)


def _check_seen(hours: WorkingHours, seen: ShiftSpec | None) -> None:
    if seen is not None and shift_spec(hours) != seen:
        raise Stale(f"Someone else changed this shift while you were looking at it: it is now "
                    f"{WEEKDAYS[hours.weekday]} {hours.starts_at:%H:%M}-{hours.ends_at:%H:%M} at "
                    f"{hours.location.name}. Your changes are still in the form: check them and save again.")


def update_shift(actor: User, shift_id: int, spec: ShiftSpec, grid_minutes: int, *, seen: ShiftSpec | None,
                 accepted: set[int] = frozenset()) -> WorkingHours:
    who, hours = _own_shift(shift_id)
    _check_seen(hours, seen)
    _spec_problems(who, spec, grid_minutes, except_id=hours.id)
    after = [s for h, s in zip(who.working_hours, shifts_of(who)) if h.id != hours.id]
    after.append(availability.Shift(spec.weekday, spec.starts_at, spec.ends_at, spec.location_id))
    _check_stranded(who, after, set(accepted))
    before = _shift_values(hours, hours.location.name)
    location = db.session.get(Location, spec.location_id)
    hours.weekday, hours.starts_at, hours.ends_at = spec.weekday, spec.starts_at, spec.ends_at
    hours.location_id, hours.location = location.id, location
    db.session.flush()
    after_values = _shift_values(hours, location.name)
    record_change(actor, "updated", "working_hours", hours.id, _shift_label(who, spec),
                  {name: (before[name], after_values[name]) for name in before})
    return hours


def remove_shift(actor: User, shift_id: int, *, seen: ShiftSpec | None,
                 accepted: set[int] = frozenset()) -> WorkingHours:
    who, hours = _own_shift(shift_id)
    _check_seen(hours, seen)
    after = [s for h, s in zip(who.working_hours, shifts_of(who)) if h.id != hours.id]
    _check_stranded(who, after, set(accepted))
    before = _shift_values(hours, hours.location.name)
    label = _shift_label(who, hours)
    who.working_hours.remove(hours)
    db.session.flush()
    record_change(actor, "removed", "working_hours", shift_id, label,
                  {name: (value, None) for name, value in before.items()})
    return hours


# --- time off -----------------------------------------------------------------------------


def _time_off_values(entry: TimeOff) -> dict:
    return {"starts_at": local_datetime(entry.starts_at, "%Y-%m-%d %H:%M"),
            "ends_at": local_datetime(entry.ends_at, "%Y-%m-%d %H:%M"), "reason": entry.reason}


def _time_off_label(who: Therapist, starts_at: datetime, ends_at: datetime) -> str:
    return f"{who.display_name}: {time_off_words(starts_at, ends_at)}"


def add_time_off(actor: User, therapist_id: int, starts_at: datetime, ends_at: datetime, reason: str = "", *,
                 accepted: set[int] = frozenset()) -> TimeOff:
    """Time off for the therapist; booked appointments in it must be in `accepted` (confirmed)."""
    who = therapist(therapist_id)
    try:
        entry = time_off.add(who.id, starts_at, ends_at, reason.strip(), accepted=set(accepted))
    except time_off.TimeOffClashes as clashes:
        raise Clashes(clashes.message, clashes.appointments) from None
    except time_off.TimeOffRefused as refused:
        raise Refused(refused.message, "first_day") from None
    record_change(actor, "created", "time_off", entry.id, _time_off_label(who, starts_at, ends_at),
                  {name: (None, value) for name, value in _time_off_values(entry).items()})
    return entry


def remove_time_off(actor: User, time_off_id: int, *, therapist_id: int | None = None) -> TimeOff:
    """Remove time off; `therapist_id` limits it to that therapist's own (anyone else's: NotFound)."""
    entry = db.session.get(TimeOff, time_off_id)
    if entry is None or (therapist_id is not None and entry.therapist_id != therapist_id):
        raise NotFound()
    who = therapist(entry.therapist_id)
    values, label = _time_off_values(entry), _time_off_label(who, entry.starts_at, entry.ends_at)
    time_off.remove(entry)
    record_change(actor, "removed", "time_off", time_off_id, label,
                  {name: (value, None) for name, value in values.items()})
    return entry


# --- active or not, and the salon's switches ------------------------------------------


def set_active(actor: User, therapist_id: int, active: bool, *, seen: bool | None) -> Therapist:
    """Take a therapist off (their history stays; no new bookings) or back on the rota."""
    who = _locked_therapist(therapist_id)
    if seen is not None and who.active != seen:
        raise Stale(f"Someone else already marked {who.display_name} "
                    f"{'active' if who.active else 'inactive'}. Nothing was changed: check and try again.")
    if who.active == active:
        return who
    record_change(actor, "updated", "therapist", who.id, who.display_name, {"active": (who.active, active)})
    who.active = active
    db.session.flush()
    return who


def set_setting(actor: User, key: str, value: bool, *, seen: bool | None) -> bool:
    """Change one of the salon's switches; returns whether anything changed."""
    current = settings.get_bool(key)
    if seen is not None and current != seen:
        raise Stale("Someone else changed this setting while you were looking at it. Nothing was "
                    "changed: the page shows what it is now.")
    if current == value:
        return False
    settings.set_bool(key, value)
    record_change(actor, "updated", "salon_setting", None, settings.SETTINGS[key].label, {key: (current, value)})
    return True


# --- needs attention ------------------------------------------------------------------


INACTIVE = "inactive"
AWAY = "away"
OUTSIDE_HOURS = "outside_hours"
UNSUITED = "unsuited"
NOT_GIVEN = "not_given"
REASONS = {
    INACTIVE: "Therapist inactive",
    AWAY: "In the therapist's time off",
    OUTSIDE_HOURS: "Outside the therapist's hours",
    # Held by the health check because of who the therapist is (their training), so another
    # therapist solves it; said without detail, as on the therapists' and the admin's days.
    UNSUITED: "Health check needed",
    # The admin unticked this massage on the therapist's page after it was booked: another
    # therapist who gives it takes it, or the salon cancels it.
    NOT_GIVEN: "{therapist} no longer gives this massage",
}
# The holds another therapist lifts: the gate refuses this therapist, not the massage.
_THERAPIST_HOLDS = frozenset({CODE_NEEDS_PREGNANCY_TRAINED})


@dataclass
class Attention:
    appointment: Appointment
    reasons: list[str]
    # Other therapists who could take it: same service and salon, free then, allowed by the gate.
    candidates: list[Therapist] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [REASONS[r].format(therapist=self.appointment.therapist.display_name) for r in self.reasons]


def _reasons(appointment: Appointment, who: Therapist, away: list[TimeOff], buffer) -> list[str]:
    reasons = []
    if not who.active:
        reasons.append(INACTIVE)
    if any(appointment.starts_at < t.ends_at and t.starts_at < appointment.ends_at + buffer for t in away):
        reasons.append(AWAY)
    if not availability.within_hours(appointment.starts_at, appointment.ends_at, shifts_of(who),
                                     appointment.location_id):
        reasons.append(OUTSIDE_HOURS)
    if appointment.health_hold in _THERAPIST_HOLDS:
        reasons.append(UNSUITED)
    if appointment.service_id not in who.service_ids():
        reasons.append(NOT_GIVEN)
    return reasons


def needs_attention(*, with_candidates: bool = True, therapist_id: int | None = None) -> list[Attention]:
    """Every future booked appointment whose therapist is inactive, away or off shift then, no
    longer gives its massage (read from their services as they are now: nothing is stored, so
    ticking it again, or moving the booking, takes it off the list), or held by the health check
    for want of another therapist (booking's re-check: their qualifications, or the client's
    profile, changed after booking). `therapist_id`: that therapist's appointments only."""
    appointments = _future_booked(therapist_id)
    if not appointments:
        return []
    therapists = {t.id: t for t in db.session.scalars(
        select(Therapist).options(selectinload(Therapist.qualifications), selectinload(Therapist.services),
                                  selectinload(Therapist.working_hours))).unique()}
    away: dict[int, list[TimeOff]] = {}
    for entry in db.session.scalars(select(TimeOff).where(TimeOff.ends_at > clock.now())):
        away.setdefault(entry.therapist_id, []).append(entry)
    buffer = slots.policy().buffer
    listed = []
    for appointment in appointments:
        reasons = _reasons(appointment, therapists[appointment.therapist_id],
                           away.get(appointment.therapist_id, []), buffer)
        if reasons:
            listed.append(Attention(appointment, reasons))
    if with_candidates:
        for item in listed:
            item.candidates = candidates(item.appointment)
    return listed


def candidates(appointment: Appointment) -> list[Therapist]:
    """Active therapists at the appointment's salon who could take it as booked: booking's own
    gate (a pregnant client only pregnancy-trained ones) and re-check (free, on shift, not away)."""
    day = appointment.starts_at.astimezone(availability.SALON_TZ).date()
    here = [t for t in slots.active_therapists()
            if t.id != appointment.therapist_id and slots.works_at(t, appointment.location_id)]
    suitable = slots.suitable_therapists(appointment.client_id, appointment.service, day, here)
    return [t for t in suitable.therapists
            if slots.recheck(t, appointment.location_id, appointment.service, appointment.starts_at,
                             minutes=appointment.minutes) is None]


def _appointment(appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound()
    return appointment


def reassign(actor: User, appointment_id: int, therapist_id: int, *, seen_sequence: int | None) -> Appointment:
    """Give the appointment to another therapist, same time: booking's move, for the salon.

    Raises booking.BookingProblem (refused, nothing changed) like a client's move."""
    appointment = _appointment(appointment_id)
    if therapist_id == appointment.therapist_id:
        raise Refused(f"{appointment.therapist.display_name} already has this appointment: choose someone else.")
    client, was = appointment.client, appointment.therapist.display_name
    moved = booking.reschedule(client, appointment_id, appointment.starts_at, therapist_id,
                               seen_sequence=seen_sequence, by_salon=True)
    record_change(actor, "reassigned", "appointment", moved.id, appointment_label(moved),
                  {"therapist": (was, moved.therapist.display_name)})
    return moved


def cancel_for_salon(actor: User, appointment_id: int, *, seen_sequence: int | None) -> Appointment:
    """Cancel it for the salon; the client gets the cancellation email (no health data in it)."""
    appointment = _appointment(appointment_id)
    if appointment.is_cancelled:
        return appointment  # sent twice: cancelled once, emailed once, recorded once
    cancelled = booking.cancel(appointment.client, appointment_id, seen_sequence=seen_sequence, by_salon=True)
    record_change(actor, "cancelled", "appointment", cancelled.id, appointment_label(cancelled),
                  {"status": (BOOKED, cancelled.status)})
    return cancelled

