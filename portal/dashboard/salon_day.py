"""The admin's day on /admin at chain scale: one salon at a time (a switch, remembered in the
session), its day grouped by therapist, and the week as counts per day and salon.

A screen-level module like figures.py (it reads booking and the catalogue). The page no longer
grows with the chain: the day lists one salon's appointments, and the week is one aggregate
(7 days x the salons), never every appointment of every salon. Two statements: the week's
counts, and the day's appointments at the salon with everyone's time off that day (one UNION
ALL of plain rows); the salons themselves come from the process's catalogue copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, func, literal, null, select, union_all

from portal import clock
from portal.booking.models import BOOKED, Appointment, TimeOff
from portal.booking.panels import Schedule
from portal.booking.queries import local_day_bounds
from portal.extensions import db
from portal.salon import catalogue_cache
from portal.accounts.models import User
from portal.salon.models import Location, Service, Therapist
from portal.timezones import SALON_TZ, to_local

REMEMBERED = "admin_salon"  # the session key of the salon last chosen


@dataclass(frozen=True)
class Count:
    appointments: int = 0
    held: int = 0  # of those, held by the health gate's re-check


class Booked(NamedTuple):
    """One line of the day's list (an appointment's id, times and names, nothing else). `starts`
    and `ends` are its times on the salon's clock ("09:30"), formatted once here: a busy salon's
    day is a hundred lines and more, each drawn with its times twice (a named tuple: the cheapest
    record to build, read by name)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    service: str
    client: str
    health_hold: str | None
    starts: str = ""
    ends: str = ""


@dataclass(frozen=True)
class Away:
    """A therapist's time off overlapping the day shown."""

    starts_at: datetime
    ends_at: datetime
    reason: str
    therapist: str


@dataclass
class WeekDay:
    day: date
    by_location: dict[int, Count] = field(default_factory=dict)  # location id -> count (only where booked)

    def count(self, location_id: int) -> Count:
        return self.by_location.get(location_id, Count())


@dataclass
class SalonDay(Schedule):
    """`day`, `today`, `week` (here: counts per salon) and the week-to-week dates as a Schedule."""

    location: Location | None  # the salon shown (None: the chain has no salon yet)
    locations: list[Location]  # every salon, for the switch
    therapists: list[tuple[str, list[Booked]]]  # that day at that salon: (therapist's name, lines), by name
    time_off: list[Away]  # everyone away that day (time off is not per salon)

    @property
    def is_empty(self) -> bool:
        return not self.therapists and not self.time_off


def salon_day(day: date | None, asked: int | None, remembered: int | None) -> SalonDay:
    """The day (today when None) at the salon `asked` for, else the one `remembered`, else the
    busiest that day (the first by name when none is booked)."""
    today = clock.today()
    day = day or today
    monday = day - timedelta(days=day.weekday())
    locations = catalogue_cache.locations()
    week = _week(monday)
    by_id = {location.id: location for location in locations}
    chosen = next((by_id[i] for i in (asked, remembered) if i in by_id), None)
    if chosen is None and locations:
        counts = week[day.weekday()]
        chosen = max(locations, key=lambda loc: counts.count(loc.id).appointments)  # max keeps the first on ties
    therapists, time_off = _day(day, chosen.id if chosen else None)
    return SalonDay(day=day, today=today, location=chosen, locations=locations, therapists=therapists,
                    time_off=time_off, week=week)


@cache
def _week_statement():
    """The week's counts, built once (its bounds are parameters: b0 to b7, the midnights)."""
    weekday = case(*[(Appointment.starts_at < bindparam(f"b{n + 1}"), n) for n in range(7)])
    rows = (
        select(weekday.label("weekday"), Appointment.location_id.label("location_id"),
               case((Appointment.health_hold.is_not(None), 1), else_=0).label("held"))
        .where(Appointment.status == BOOKED, Appointment.starts_at >= bindparam("b0"),
               Appointment.starts_at < bindparam("b7"))
        .subquery()
    )
    return (select(rows.c.weekday, rows.c.location_id, func.count(), func.sum(rows.c.held))
            .group_by(rows.c.weekday, rows.c.location_id))


def _week(monday: date) -> list[WeekDay]:
    """One statement: booked appointments (and how many are held) per day and salon."""
    bounds = {f"b{n}": datetime.combine(monday + timedelta(days=n), time(0), tzinfo=SALON_TZ) for n in range(8)}
    days = [WeekDay(monday + timedelta(days=n)) for n in range(7)]
    for weekday_n, location_id, appointments, held in db.session.execute(_week_statement(), bounds):
        days[weekday_n].by_location[location_id] = Count(int(appointments), int(held or 0))
    return days


@cache
def _day_statement():
    """The day's rows, built once (parameters: begin, finish, location)."""
    begin, finish = bindparam("begin"), bindparam("finish")
    booked = (
        select(literal(False).label("away"), Appointment.id, Appointment.starts_at, Appointment.ends_at,
               Appointment.health_hold.label("note"), Appointment.therapist_id, Therapist.display_name,
               Service.name.label("service"), User.name.label("client"))
        .join(Therapist, Therapist.id == Appointment.therapist_id)
        .join(Service, Service.id == Appointment.service_id)
        .join(User, User.id == Appointment.client_id)
        .where(Appointment.status == BOOKED, Appointment.location_id == bindparam("location"),
               Appointment.starts_at >= begin, Appointment.starts_at < finish)
    )
    away = (
        select(literal(True), TimeOff.id, TimeOff.starts_at, TimeOff.ends_at, TimeOff.reason, TimeOff.therapist_id,
               Therapist.display_name, null(), null())
        .join(Therapist, Therapist.id == TimeOff.therapist_id)
        .where(TimeOff.starts_at < finish, TimeOff.ends_at > begin)
    )
    everything = union_all(booked, away).subquery()
    return select(everything).order_by(everything.c.starts_at, everything.c.id)


def _day(day: date, location_id: int | None) -> tuple[list[tuple[str, list[Booked]]], list[Away]]:
    """One statement: the day's booked appointments at one salon as plain rows (only what the
    list shows: a salon's busy day is a hundred rows and more), grouped by therapist (by name),
    and everyone's time off overlapping the day (time off is not per salon). No salon: no
    bookings (no location has id 0)."""
    begin, finish = local_day_bounds(day, day)
    grouped: dict[int, tuple[str, list[Booked]]] = {}
    time_off: list[Away] = []
    rows = db.session.execute(_day_statement(), {"begin": begin, "finish": finish, "location": location_id or 0})
    clock_reads: dict[datetime, str] = {}  # "09:30" per instant: a day's slots repeat across therapists
    for row in rows:
        if row.away:
            time_off.append(Away(row.starts_at, row.ends_at, row.note or "", row.display_name))
        else:
            grouped.setdefault(row.therapist_id, (row.display_name, []))[1].append(
                Booked(row.id, row.starts_at, row.ends_at, row.service, row.client, row.note,
                       _hour(row.starts_at, clock_reads), _hour(row.ends_at, clock_reads)))
    return sorted(grouped.values(), key=lambda pair: pair[0]), time_off


def _hour(moment: datetime, known: dict[datetime, str]) -> str:
    """'09:30' on the salon's clock, each instant formatted once per day drawn."""
    text = known.get(moment)
    if text is None:
        text = known[moment] = to_local(moment).strftime("%H:%M")
    return text
