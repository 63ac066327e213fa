"""The admin's day on /admin at chain scale: one salon at a time (a switch, remembered in the
session), its day grouped by therapist, and the week as counts per day and salon.

A busy salon's day (more than WHOLE_DAY appointments: a list no one reads on a phone) is shown
by the hour instead: the hours with their counts as links, the hour under way first (today; the
first hour booked on another day), that hour's appointments by time, and every booking held for
a health check that day listed above them whichever hour is shown, so nothing needing attention
hides in another hour. Every appointment is one click away.

A screen-level module like figures.py (it reads booking and the catalogue). The page does not
grow with the chain: the day lists one salon's appointments (one hour of them on a busy day), and
the week is one aggregate (7 days x the salons), never every appointment of every salon. Two
statements: the week's counts with the shown day's counts per hour and salon (one aggregate
over one scan), and the appointments shown at the salon, the day's held ones and everyone's time
off that day (one UNION ALL of plain rows); the salons and the therapists working at each come
from the process's catalogue copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, func, literal, literal_column, null, or_, select, union_all

from portal import clock
from portal.booking.models import BOOKED, Appointment, TimeOff
from portal.booking.panels import Schedule
from portal.extensions import db
from portal.formatting import clock_time
from portal.salon import catalogue_cache
from portal.accounts.models import User
from portal.salon.models import Location, Service, Therapist
from portal.timezones import SALON_TZ, to_local

REMEMBERED = "admin_salon"  # the session key of the salon last chosen
# A salon's day up to this many appointments is listed whole, by therapist; a busier one by the
# hour (a single-therapist salon never needs to click through hours; a chain's busy salon, a
# hundred and more a day, is not a list to scroll on a phone).
WHOLE_DAY = 40


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
    therapist: str = ""


class Working(NamedTuple):
    """A therapist who takes bookings, as the admin's list of them shows them."""

    name: str
    works_at: str  # their salons' names, by name, joined
    qualifications: str  # joined, "" when none is recorded


@dataclass(frozen=True)
class Away:
    """A therapist's time off overlapping the day shown."""

    starts_at: datetime
    ends_at: datetime
    reason: str
    therapist: str


@dataclass(frozen=True)
class Hour:
    """One hour of a busy day at the salon shown, with appointments starting in it."""

    hour: int  # 0 to 23 on the salon's clock
    count: Count

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"


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
    therapists: list[tuple[str, list[Booked]]]  # the whole day at that salon: (therapist's name, lines), by name
    time_off: list[Away]  # everyone away that day (time off is not per salon)
    # A busy day (more than WHOLE_DAY appointments) by the hour; all empty or None otherwise.
    hours: list[Hour] = field(default_factory=list)  # the hours with appointments, in order
    hour: int | None = None  # the hour shown (it may have none: asked for)
    listed: list[Booked] = field(default_factory=list)  # that hour's appointments, by time and therapist
    attention: list[Booked] = field(default_factory=list)  # the day's bookings held for a health check, by time

    @property
    def by_hour(self) -> bool:
        return self.hour is not None

    @property
    def hour_label(self) -> str:
        return f"{self.hour:02d}:00 to {(self.hour + 1) % 24:02d}:00"

    @property
    def is_empty(self) -> bool:
        return not self.therapists and not self.time_off and not self.by_hour


def salon_day(day: date | None, asked: int | None, remembered: int | None, hour: int | None = None,
              whole_week: bool = True) -> SalonDay:
    """The day (today when None) at the salon `asked` for, else the one `remembered`, else the
    busiest that day (the first by name when none is booked). A busy day is shown by the hour:
    `hour` (0 to 23) when asked for, else the one under way (see `_hour_shown`). Without
    `whole_week`, only the day's counts are read (the week's other days count nothing): for
    the day's list alone, an hour's swap."""
    now = clock.now()
    today = to_local(now).date()
    day = day or today
    monday = day - timedelta(days=day.weekday())
    locations = catalogue_cache.locations()
    hour_bounds = _hour_bounds(day)
    week, hourly = _week(monday, day, hour_bounds, whole_week)
    by_id = {location.id: location for location in locations}
    chosen = next((by_id[i] for i in (asked, remembered) if i in by_id), None)
    counts = week[day.weekday()]
    if chosen is None and locations:
        chosen = max(locations, key=lambda loc: counts.count(loc.id).appointments)  # max keeps the first on ties
    if chosen is None or counts.count(chosen.id).appointments <= WHOLE_DAY:
        therapists, time_off, _listed, _held = _day(hour_bounds[0], hour_bounds[-1], chosen.id if chosen else None)
        return SalonDay(day=day, today=today, location=chosen, locations=locations, therapists=therapists,
                        time_off=time_off, week=week)
    hours = [Hour(h, count) for h, count in sorted(hourly.get(chosen.id, {}).items())]
    shown = hour if hour is not None and 0 <= hour <= 23 else _hour_shown(hours, now if day == today else None)
    # The held bookings are read from the hours the week's counts say hold one (none: no range).
    held_hours = [h.hour for h in hours if h.count.held]
    held_range = (hour_bounds[held_hours[0]], hour_bounds[held_hours[-1] + 1]) if held_hours else None
    _groups, time_off, listed, held = _day(hour_bounds[shown], hour_bounds[shown + 1], chosen.id,
                                           (hour_bounds[0], hour_bounds[-1]), held_range)
    return SalonDay(day=day, today=today, location=chosen, locations=locations, therapists=[], time_off=time_off,
                    week=week, hours=hours, hour=shown, listed=listed, attention=held)


def _hour_shown(hours: list[Hour], now: datetime | None) -> int:
    """The hour a busy day opens on: today, the first booked hour from the one under way on (the
    last booked one once the day is over); another day, its first booked hour."""
    if not hours:
        return to_local(now).hour if now else 0
    if now is not None:
        current = to_local(now).hour
        return next((h.hour for h in hours if h.hour >= current), hours[-1].hour)
    return hours[0].hour


def _hour_bounds(day: date) -> list[datetime]:
    """The 25 instants starting each hour of `day` on the salon's clock, and ending the last
    (on a clock-change day an hour is empty or twice as long: salons are closed at 1 am)."""
    return [datetime.combine(day, time(h), tzinfo=SALON_TZ) for h in range(24)] + \
        [datetime.combine(day + timedelta(days=1), time(0), tzinfo=SALON_TZ)]


@cache
def _week_statement():
    """The week's counts, built once: per salon and day (bounds b0 to b7, the midnights), the day
    shown per hour instead (bounds h0 to h24), numbered 7 + the hour. One aggregate over one scan
    (a UNION ALL of two would have the planner weigh parallel workers: milliseconds to start)."""
    starts_at = Appointment.starts_at
    weekday = case(*[(starts_at < bindparam(f"b{n + 1}"), literal_column(str(n))) for n in range(7)])
    hour = case(*[(starts_at < bindparam(f"h{n + 1}"), literal_column(str(7 + n))) for n in range(24)])
    part = case((and_(starts_at >= bindparam("h0"), starts_at < bindparam("h24")), hour), else_=weekday)
    rows = (
        select(part.label("part"), Appointment.location_id.label("location_id"), Appointment.health_hold)
        .where(Appointment.status == BOOKED, starts_at >= bindparam("b0"), starts_at < bindparam("b7"))
        .subquery()
    )
    return (select(rows.c.part, rows.c.location_id, func.count(), func.count(rows.c.health_hold))
            .group_by(rows.c.part, rows.c.location_id))


def _week(monday: date, day: date, hour_bounds: list[datetime], whole_week: bool = True,
          ) -> tuple[list[WeekDay], dict[int, dict[int, Count]]]:
    """One statement: booked appointments (and how many are held) per day and salon that week,
    and per hour and salon on `day` (salon id -> hour -> count, only hours booked). Not
    `whole_week`: the same statement over `day` alone (its other days count nothing)."""
    if whole_week:
        bounds = {f"b{n}": datetime.combine(monday + timedelta(days=n), time(0), tzinfo=SALON_TZ) for n in range(8)}
    else:
        bounds = {f"b{n}": hour_bounds[0] if n == 0 else hour_bounds[-1] for n in range(8)}
    bounds.update((f"h{n}", moment) for n, moment in enumerate(hour_bounds))
    days = [WeekDay(monday + timedelta(days=n)) for n in range(7)]
    hourly: dict[int, dict[int, Count]] = {}
    shown = days[day.weekday()].by_location
    for part, location_id, appointments, held in db.session.connection().execute(_week_statement(), bounds):
        count = Count(int(appointments), int(held or 0))
        if part < 7:
            days[part].by_location[location_id] = count
        else:
            hourly.setdefault(location_id, {})[part - 7] = count
            so_far = shown.get(location_id, Count())
            shown[location_id] = Count(so_far.appointments + count.appointments, so_far.held + count.held)
    return days, hourly


@cache
def _day_statement():
    """The rows shown, built once (parameters: begin and finish, the part of the day listed;
    location; held_begin and held_finish, where the day's held bookings are (an empty range when
    none is); day_begin and day_finish, the day, for time off). Two ranges of the start's index,
    so a busy day's hour reads that hour's rows, not the whole day's of every salon."""
    begin, finish = bindparam("begin"), bindparam("finish")
    # The client's name as a lookup per row, not a join: PostgreSQL plans a prepared statement's
    # ranges blind (its generic plan guessed 7,594 rows for an hour's 6) and hashed all 20,000
    # clients to join them (4.3 ms); a lookup by primary key per row listed stays a lookup.
    client = select(User.name).where(User.id == Appointment.client_id).scalar_subquery()
    booked = (
        select(literal(False).label("away"), Appointment.id, Appointment.starts_at, Appointment.ends_at,
               Appointment.health_hold.label("note"), Appointment.therapist_id, Therapist.display_name,
               Service.name.label("service"), client.label("client"))
        .join(Therapist, Therapist.id == Appointment.therapist_id)
        .join(Service, Service.id == Appointment.service_id)
        .where(Appointment.status == BOOKED, Appointment.location_id == bindparam("location"),
               or_(and_(Appointment.starts_at >= begin, Appointment.starts_at < finish),
                   and_(Appointment.starts_at >= bindparam("held_begin"),
                        Appointment.starts_at < bindparam("held_finish"), Appointment.health_hold.is_not(None))))
    )
    away = (
        select(literal(True), TimeOff.id, TimeOff.starts_at, TimeOff.ends_at, TimeOff.reason, TimeOff.therapist_id,
               Therapist.display_name, null(), null())
        .join(Therapist, Therapist.id == TimeOff.therapist_id)
        .where(TimeOff.starts_at < bindparam("day_finish"), TimeOff.ends_at > bindparam("day_begin"))
    )
    everything = union_all(booked, away).subquery()
    return select(everything).order_by(everything.c.starts_at, everything.c.id)


def _day(begin: datetime, finish: datetime, location_id: int | None,
         day: tuple[datetime, datetime] | None = None, held_range: tuple[datetime, datetime] | None = None,
         ) -> tuple[list[tuple[str, list[Booked]]], list[Away], list[Booked], list[Booked]]:
    """One statement: the booked appointments starting in [begin, finish) at one salon as plain
    rows (only what the list shows), the held ones at that salon starting in `held_range` (the
    hours of the day that hold one), and everyone's time off overlapping `day` ([begin, finish)
    unless given; time off is not per salon). Returns those appointments grouped by therapist
    (by name) and by time (then therapist), the time off, and the held ones by time. No salon: no
    bookings (no location has id 0)."""
    day_begin, day_finish = day or (begin, finish)
    held_begin, held_finish = held_range or (begin, begin)
    grouped: dict[int, tuple[str, list[Booked]]] = {}
    listed: list[Booked] = []
    held: list[Booked] = []
    time_off: list[Away] = []
    rows = db.session.connection().execute(_day_statement(), {
        "begin": begin, "finish": finish, "location": location_id or 0, "held_begin": held_begin,
        "held_finish": held_finish, "day_begin": day_begin, "day_finish": day_finish})
    clock_reads: dict[datetime, str] = {}  # "09:30" per instant: a day's slots repeat across therapists
    for row in rows:
        if row.away:
            time_off.append(Away(row.starts_at, row.ends_at, row.note or "", row.display_name))
            continue
        line = Booked(row.id, row.starts_at, row.ends_at, row.service, row.client, row.note,
                      _hour(row.starts_at, clock_reads), _hour(row.ends_at, clock_reads), row.display_name)
        if row.note is not None:
            held.append(line)
        if begin <= row.starts_at < finish:
            listed.append(line)
            grouped.setdefault(row.therapist_id, (row.display_name, []))[1].append(line)
    listed.sort(key=lambda line: (line.starts_at, line.therapist))
    return sorted(grouped.values(), key=lambda pair: pair[0]), time_off, listed, held


def _hour(moment: datetime, known: dict[datetime, str]) -> str:
    """'09:30' on the salon's clock, each instant formatted once per day drawn."""
    text = known.get(moment)
    if text is None:
        text = known[moment] = clock_time(moment)
    return text


def working_at(location: Location | None) -> list[Working]:
    """The active therapists with hours at `location` (every one when None), by name: worked out
    once per catalogue copy and salon (a chain has dozens, each one's salons read from their
    hours), since only a catalogue change can change it."""
    key = location.id if location is not None else None
    return catalogue_cache.worked_out(("working_at", key), lambda catalogue: [
        Working(therapist.display_name, ", ".join(loc.name for loc in works_at),
                ", ".join(q.name for q in therapist.qualifications))
        for therapist, works_at in ((t, t.locations) for t in catalogue.therapists)
        if key is None or any(loc.id == key for loc in works_at)])
