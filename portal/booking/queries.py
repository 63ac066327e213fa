"""Reads of appointments: for booking's own pages and for features that need them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import defaultload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from portal import clock
from portal.booking.availability import Busy, Shift
from portal.accounts.models import User
from portal.booking.models import BOOKED, Appointment, CalendarFeed, TimeOff
from portal.booking.status import completed, is_completed
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.profile.models import HealthProfile, ProfileRevision
from portal.profile.services import latest_revision_of_profile, profile_of, remember_profile_read
from portal.read_memo import remember, remembered
from portal.salon.catalogue_cache import worked_out
from portal.salon.models import Location, Therapist
from portal.sql_lists import one_of
from portal.timezones import SALON_TZ, to_local


@remembered
def completed_dates(client_id: int) -> list[date]:
    """Local dates of the client's completed appointments, oldest first."""
    starts = db.session.scalars(
        select(Appointment.starts_at)
        .where(Appointment.client_id == client_id, completed())
        .order_by(Appointment.starts_at)
    )
    return local_days(starts)


@remembered
def latest_completed(client_id: int) -> Appointment | None:
    """The client's most recent completed appointment: what "rebook" repeats."""
    return db.session.scalar(
        select(Appointment)
        .where(Appointment.client_id == client_id, completed())
        .order_by(Appointment.starts_at.desc())
        .limit(1)
    )


def upcoming_and(client_id: int, ids: list[int]) -> list[Appointment]:
    """The client's booked appointments that have not started yet (`upcoming`) and their
    booked appointments among `ids`, soonest first; one statement. The client (already in the
    session, being the one asking) and the therapist's login are not joined in: each join costs
    the database planning time."""
    return list(db.session.scalars(_upcoming_and_statement(),
                                   {"client_id": client_id, "now": clock.now(), "ids": list(ids)}))


@cache
def _upcoming_and_statement():
    """`upcoming_and`'s statement for the bound `client_id`, `now` and `ids`: built once, as
    building it (and its cache key) costs as much as running it."""
    return (
        select(Appointment)
        .options(lazyload(Appointment.client), defaultload(Appointment.therapist).lazyload(Therapist.user))
        .where(Appointment.client_id == bindparam("client_id"), Appointment.status == BOOKED,
               or_(Appointment.starts_at > bindparam("now", type_=UTCDateTime()),
                   Appointment.id.in_(bindparam("ids", expanding=True))))
        .order_by(Appointment.starts_at)
    )


# The pages' own reads of one client's appointments, built once per process and bound per call
# (`client_id`, `now`): building a statement and its cache key cost about as much as running it.
_LATEST_CHOICES = (select(Appointment.service_id, Appointment.location_id)
                   .where(Appointment.client_id == bindparam("client_id"), completed(bindparam("now")))
                   .order_by(Appointment.starts_at.desc())
                   .limit(1))
# Only the columns `is_completed` reads (rows, not whole appointments: far less to build).
DONE_COLUMNS = (Appointment.starts_at, Appointment.ends_at, Appointment.status, Appointment.no_show)
# The visits that move a client's guidance: done, or booked and still ahead (at the bound `now`).
DONE_OR_AHEAD = or_(completed(bindparam("now")), and_(Appointment.status == BOOKED, Appointment.starts_at > bindparam("now")))
# Not the client joined to every row: they are the one logged in (already in the session).
_ALL_OF_CLIENT = (select(Appointment).where(Appointment.client_id == bindparam("client_id"))
                  .options(lazyload(Appointment.client))
                  .order_by(Appointment.starts_at, Appointment.id))

_FEED_AND_PROFILE = (select(CalendarFeed, HealthProfile).select_from(User)
                     .outerjoin(CalendarFeed, CalendarFeed.client_id == User.id)
                     .outerjoin(HealthProfile, HealthProfile.client_id == User.id)
                     .where(User.id == bindparam("client_id")))


@cache
def _choices_and_profile_statement():
    """`latest_choices_and_profile`'s statement for the bound `client_id` and `now`, built once."""
    latest = _LATEST_CHOICES.subquery()
    return (select(latest.c.service_id, latest.c.location_id, HealthProfile, ProfileRevision)
            .select_from(User)
            .outerjoin(latest, literal(True))
            .outerjoin(HealthProfile, HealthProfile.client_id == User.id)
            .outerjoin(ProfileRevision, latest_revision_of_profile())
            .where(User.id == bindparam("client_id")))


def latest_choices_and_profile(client_id: int) -> tuple[int, int] | None:
    """The massage and salon of `latest_completed` (what the booking page starts from), without
    loading it, with the health profile the page reads next (the gate) in the same statement and
    remembered for it: the page's defaults cost no statement of their own."""
    row = db.session.execute(_choices_and_profile_statement(), {"client_id": client_id, "now": clock.now()}).first()
    if row is None:
        return None
    remember_profile_read(client_id, row.HealthProfile, row.ProfileRevision)
    return (row.service_id, row.location_id) if row.service_id is not None else None


def local_days(starts) -> list[date]:
    """The salon-local days of these start times (aware datetimes), in the order given."""
    return [to_local(starts_at).date() for starts_at in starts]


def done_and_ahead(client_id: int, rows, now: datetime) -> tuple[list[date], list[date]]:
    """`completed_dates`, and the local days of the booked appointments not started yet, soonest
    first (what moves the next due date: `rules.next_due_date`), from rows of the client's
    appointments by start (with `DONE_COLUMNS`; others are left out); `completed_dates` is
    remembered from them (feedback.services reads them with the feedback in one statement)."""
    done = local_days(a.starts_at for a in rows if is_completed(a, now))
    remember(completed_dates, (client_id,), done)
    return list(done), local_days(a.starts_at for a in rows if a.status == BOOKED and a.starts_at > now)


@remembered
def upcoming(client_id: int) -> list[Appointment]:
    """Booked appointments that have not started yet, soonest first."""
    return _booked_until(client_id, Appointment.starts_at)


def upcoming_with_therapist(therapist_id: int) -> list[Appointment]:
    """The therapist's booked appointments that have not started yet, soonest first."""
    return list(db.session.scalars(
        select(Appointment)
        .where(Appointment.therapist_id == therapist_id, Appointment.status == BOOKED,
               Appointment.starts_at > clock.now())
        .order_by(Appointment.starts_at)
    ))


def booked_not_ended(client_id: int) -> list[Appointment]:
    """Booked appointments still to come or under way: what a new booking must not overlap."""
    return _booked_until(client_id, Appointment.ends_at)


def _booked_until(client_id: int, edge) -> list[Appointment]:
    """The client's booked appointments whose `edge` (start or end) is still ahead, soonest first."""
    return list(db.session.scalars(
        select(Appointment)
        .where(Appointment.client_id == client_id, Appointment.status == BOOKED, edge > clock.now())
        .order_by(Appointment.starts_at)
    ))


def history(client_id: int) -> list[Appointment]:
    """Everything else: started or finished, and cancelled ones, newest first."""
    now = clock.now()
    return list(db.session.scalars(
        select(Appointment)
        .where(Appointment.client_id == client_id,
               or_(Appointment.status != BOOKED, Appointment.starts_at <= now))
        .order_by(Appointment.starts_at.desc())
    ))


def upcoming_and_history(client_id: int) -> tuple[list[Appointment], list[Appointment]]:
    """`upcoming` and `history` from one read of the client's appointments (the appointments page)."""
    now = clock.now()
    rows = list(db.session.scalars(_ALL_OF_CLIENT, {"client_id": client_id}))
    ahead = [a for a in rows if a.status == BOOKED and a.starts_at > now]
    return ahead, [a for a in reversed(rows) if not (a.status == BOOKED and a.starts_at > now)]


def calendar_feed_and_profile(client_id: int) -> CalendarFeed | None:
    """The client's calendar feed (None if they have none), with one read that also brings their
    health profile, remembered for the consent check (`profile.services.profile_of`): the
    appointments page asks both, and both are one row per client."""
    feed, profile = db.session.execute(_FEED_AND_PROFILE, {"client_id": client_id}).one()
    remember(profile_of, (client_id,), profile)
    return feed


def for_feed(client_id: int, since: datetime) -> list[Appointment]:
    """Booked appointments starting after `since`, for the client's calendar feed."""
    return list(db.session.scalars(
        select(Appointment)
        .where(Appointment.client_id == client_id, Appointment.status == BOOKED, Appointment.starts_at >= since)
        .order_by(Appointment.starts_at)
    ))


def own_appointment(client_id: int, appointment_id: int) -> Appointment | None:
    """The appointment only if it is this client's: anyone else's id reads as missing."""
    return db.session.scalar(
        select(Appointment).where(Appointment.id == appointment_id, Appointment.client_id == client_id)
    )


def by_idempotency_key(client_id: int, key: str) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(Appointment.client_id == client_id, Appointment.idempotency_key == key)
    )


def _catalogue_by_id(catalogue) -> tuple[dict, dict, dict]:
    return ({t.id: t for t in catalogue.therapists}, {loc.id: loc for loc in catalogue.locations},
            {s.id: s for s in catalogue.services})


def with_catalogue(appointments) -> None:
    """Give appointments read without their therapist, salon and massage (`lazyload`) this
    process's catalogue copies of them, so drawing them reads nothing more. Three joins fewer
    made PostgreSQL plan the dashboard's read in 0.55 ms instead of 1.8 (with statistics it plans
    it for every request). One not in the catalogue (an inactive therapist, a retired massage)
    is read when first used, as before."""
    therapists, locations, services = worked_out(("by id",), _catalogue_by_id)
    for appointment in appointments:
        for name, found in (("therapist", therapists.get(appointment.therapist_id)),
                            ("location", locations.get(appointment.location_id)),
                            ("service", services.get(appointment.service_id))):
            if found is not None:
                set_committed_value(appointment, name, found)


def shifts_of(therapist: Therapist) -> list[Shift]:
    """A therapist's weekly hours as the pure availability rules take them."""
    return [Shift(h.weekday, h.starts_at, h.ends_at, h.location_id) for h in therapist.working_hours]


# No appointment is longer than a day (a shift lies within one local day), so one that overlaps
# [start, end) started less than a day before `start`. This lower bound on starts_at lets the
# (therapist_id, starts_at) index read only the window, not the therapist's whole history.
LONGEST_APPOINTMENT = timedelta(days=1)


def busy(therapist_id: int, start: datetime, end: datetime, *, except_appointment: int | None = None) -> list[Busy]:
    """Booked appointments and time off overlapping [start, end); `except_appointment` is the
    one being moved, which must not stand in its own way."""
    return busy_by_therapist([therapist_id], start, end, except_appointment=except_appointment)[therapist_id]


def _busy_statement(except_one: bool):
    """The statement of `busy_by_therapist`, built once per process (building it took about as
    long as running it on a small salon): appointments UNION ALL time off, bound per call."""
    start, end = bindparam("start"), bindparam("end")
    appointments = select(Appointment.therapist_id, Appointment.starts_at, Appointment.ends_at,
                          literal(False).label("away")).where(
        one_of(Appointment.therapist_id, "ids"), Appointment.status == BOOKED,
        Appointment.starts_at > bindparam("earliest_start"), Appointment.starts_at < end, Appointment.ends_at > start,
    )
    if except_one:
        appointments = appointments.where(Appointment.id != bindparam("except_appointment"))
    away = select(TimeOff.therapist_id, TimeOff.starts_at, TimeOff.ends_at, literal(True).label("away")).where(
        one_of(TimeOff.therapist_id, "ids"), TimeOff.starts_at < end, TimeOff.ends_at > start,
    )
    return union_all(appointments, away)


_BUSY = {except_one: _busy_statement(except_one) for except_one in (False, True)}


def busy_by_therapist(therapist_ids: list[int], start: datetime, end: datetime, *,
                      except_appointment: int | None = None) -> dict[int, list[Busy]]:
    """`busy` for several therapists at once: one statement (appointments UNION ALL time off)
    for the whole range, however many therapists and days."""
    result: dict[int, list[Busy]] = {therapist_id: [] for therapist_id in therapist_ids}
    if not therapist_ids:
        return result
    values = {"ids": list(therapist_ids), "start": start, "end": end, "earliest_start": start - LONGEST_APPOINTMENT}
    if except_appointment is not None:
        values["except_appointment"] = except_appointment
    # .all(): one fetch of every row, not one call per row (hundreds on a chain's look-ahead).
    for therapist_id, starts_at, ends_at, is_away in db.session.execute(_BUSY[except_appointment is not None],
                                                                        values).all():
        result[therapist_id].append(Busy.stored(starts_at, ends_at, bool(is_away)))
    return result


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, end of `last`) on the salon's clock, as aware instants."""
    begin = datetime.combine(first, time(0), tzinfo=SALON_TZ)
    finish = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SALON_TZ)
    return begin, finish


@dataclass
class ScheduleDay:
    """One local day of a schedule: appointments and time off, per location."""

    day: date
    by_location: dict[Location, list[Appointment]] = field(default_factory=dict)
    time_off: list[TimeOff] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.by_location and not self.time_off


def schedule(first: date, last: date, therapist_id: int | None = None) -> list[ScheduleDay]:
    """Booked appointments (and time off) from `first` to `last`, per day and location.

    One therapist's when `therapist_id` is given, everyone's otherwise (the admin's view).
    """
    begin, finish = local_day_bounds(first, last)
    # Salon and massage from the catalogue copy (`with_catalogue`): two joins fewer to plan.
    appointments = (
        select(Appointment)
        .where(Appointment.status == BOOKED, Appointment.starts_at >= begin, Appointment.starts_at < finish)
        .options(lazyload(Appointment.location), lazyload(Appointment.service))
        .order_by(Appointment.starts_at)
    )
    away = select(TimeOff).where(TimeOff.starts_at < finish, TimeOff.ends_at > begin).order_by(TimeOff.starts_at)
    if therapist_id is not None:
        # Their own schedule never names the therapist: not joined to every row.
        appointments = appointments.where(Appointment.therapist_id == therapist_id).options(
            lazyload(Appointment.therapist))
        away = away.where(TimeOff.therapist_id == therapist_id)

    days = {first + timedelta(days=n): ScheduleDay(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    listed = list(db.session.scalars(appointments))
    with_catalogue(listed)
    for appointment in listed:
        day = days[to_local(appointment.starts_at).date()]
        day.by_location.setdefault(appointment.location, []).append(appointment)
    for time_off in db.session.scalars(away):
        for day in days.values():
            day_begin, day_end = local_day_bounds(day.day, day.day)
            if time_off.starts_at < day_end and time_off.ends_at > day_begin:
                day.time_off.append(time_off)
    for day in days.values():
        day.by_location = dict(sorted(day.by_location.items(), key=lambda item: item[0].name))
    return list(days.values())
