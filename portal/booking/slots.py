"""Free times from the database: load hours, appointments and time off, ask the pure rules.

Both the pages (what to offer) and the writes (the re-check on submit) come through here, so
what a client is shown and what the server accepts are computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.booking import availability, queries
from portal.booking.availability import BookingPolicy, Shift
from portal.extensions import db
from portal.guidance.rules import CODE_NEEDS_PREGNANCY_TRAINED, BookingDecision
from portal.profile import gate
from portal.salon import catalogue_cache
from portal.salon.models import Location, Service, Therapist, WorkingHours

# How far past a day with nothing free the booking page looks for the next free day.
NEXT_FREE_DAY_SEARCH_DAYS = 14
# How many days past what was read each read of the search reads, before it reads all the rest:
# at a chain the whole fortnight is thousands of appointments (about 2,300 rows and 25 ms for one
# salon's thirty-odd therapists), and the next free day is nearly always the next one or soon after.
LOOK_AHEAD_STEPS = (1, 3)


def policy(for_staff: bool = False) -> BookingPolicy:
    """The salon's booking rules, from the app's configuration.

    `for_staff`: reception booking for a client (on the phone, at the desk) needs no notice:
    any time not yet started is theirs to give. Everything else (grid, buffer, horizon) holds."""
    config = current_app.config
    return BookingPolicy(
        grid_minutes=config["BOOKING_GRID_MINUTES"],
        buffer_minutes=config["BOOKING_BUFFER_MINUTES"],
        min_notice=timedelta(0) if for_staff else timedelta(minutes=config["BOOKING_MIN_NOTICE_MINUTES"]),
        horizon=timedelta(days=config["BOOKING_HORIZON_DAYS"]),
    )


def cancellation_window() -> timedelta:
    return timedelta(hours=current_app.config["CANCELLATION_WINDOW_HOURS"])


def can_change_online(starts_at: datetime) -> bool:
    """Outside the cancellation window: the client may still move or cancel it themselves.

    Up to and including the moment the window opens: at exactly 24 hours before, the page still
    says "until 24 hours before" and means it."""
    return clock.now() <= starts_at - cancellation_window()


def last_bookable_day() -> date:
    return (clock.now() + policy().horizon).astimezone(availability.SALON_TZ).date()


def active_therapists() -> list[Therapist]:
    return list(db.session.scalars(
        select(Therapist)
        .where(Therapist.active)
        .options(selectinload(Therapist.qualifications), selectinload(Therapist.services),
                 selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
        .order_by(Therapist.display_name)
    ).unique())


def shifts_by_therapist(therapists: list[Therapist]) -> dict[int, list[Shift]]:
    """Each therapist's weekly hours as the rules take them (`queries.shifts_of`), by id, once
    per catalogue copy for its own therapists (`catalogue_cache.per_therapist`)."""
    return catalogue_cache.per_therapist("shifts", therapists, queries.shifts_of)


def works_at(therapist: Therapist, location_id: int) -> bool:
    """Whether they have hours at this salon: a set lookup, the set worked out once per catalogue
    copy for its own therapists (a chain's dozens are asked about on every booking page)."""
    return location_id in catalogue_cache.of_therapist("location ids", therapist, Therapist.location_ids)


@dataclass
class Suitable:
    """Who may be offered to this client for this service on that day, through the gate."""

    therapists: list[Therapist]
    # The gate's answer when it refuses every therapist ("not now", "ask your GP first").
    refusal: BookingDecision | None = None
    # Some therapists were left out because the client needs a pregnancy-trained one.
    pregnancy_trained_only: bool = False


def suitable_therapists(client_id: int, service: Service, on: date,
                        candidates: list[Therapist] | None = None) -> Suitable:
    """Filter therapists through the booking gate: refused ones are never offered, nor is anyone
    for a service they do not give (every booking page and write comes through here).

    Without `candidates`: every active therapist, from the process's copy of the catalogue (for
    reading; a write passes the rows it loaded itself)."""
    allowed, refused = [], []
    facts = gate.facts_for(client_id)  # one read (and decryption) of the profile for every therapist
    pool = catalogue_cache.active_therapists() if candidates is None else candidates
    decide = gate.decider(facts, service, on)
    gives = catalogue_cache.per_therapist("service ids", pool, Therapist.service_ids)  # Therapist.gives, kept
    for therapist in (t for t in pool if service.id in gives[t.id]):
        decision = decide(therapist)
        (allowed if decision.allowed else refused).append((therapist, decision))
    pregnancy_only = any(d.code == CODE_NEEDS_PREGNANCY_TRAINED for _, d in refused)
    if allowed:
        return Suitable([t for t, _ in allowed], pregnancy_trained_only=pregnancy_only)
    # Refused by everyone: show the shortest list of things to do (a trained therapist's
    # decision leaves out "needs a pregnancy-trained therapist", which the client can't fix).
    refusal = min((d for _, d in refused), key=lambda d: len(d.reasons), default=None)
    return Suitable([], refusal=refusal, pregnancy_trained_only=pregnancy_only)


class Diaries:
    """Free start times of some therapists at one location over a range of days, from one read
    of their diaries (one statement, however many therapists and days); each day's times are
    worked out only when asked for, so looking ahead for the next free day costs no query.

    `look_ahead_to`: the days after `last` up to it may be asked about too (the search for the
    next free day), and are read only as one is asked about, in at most three more statements:
    the next day, then the three after, then the rest (`LOOK_AHEAD_STEPS`). At a busy salon the
    fortnight ahead is dozens of therapists' thousands of appointments; most pages show one day,
    and the next free day is nearly always among the first few."""

    def __init__(self, therapists: list[Therapist], location_id: int, service: Service, first: date, last: date, *,
                 look_ahead_to: date | None = None, except_appointment: int | None = None, minutes: int | None = None,
                 for_staff: bool = False):
        shifts = shifts_by_therapist(therapists)
        # The weekdays each therapist works here (a chain's page asks of dozens, each day shown).
        self._days_here = {t.id: {s.weekday for s in shifts[t.id] if s.location_id == location_id} for t in therapists}
        self.therapists = [t for t in therapists if self._days_here[t.id]]
        self._shifts = {t.id: shifts[t.id] for t in self.therapists}
        self.first, self.last = first, max(last, look_ahead_to or last)
        self._location_id, self._minutes = location_id, minutes or service.minutes
        self._rules, self._now = policy(for_staff), clock.now()
        self._except = except_appointment
        # The notice's end, and the day it falls on: no day before it has a time, and on it only
        # those whose hours go on past it long enough for the massage (`_left`).
        self._earliest = availability.earliest_start(self._rules, self._now)
        self._notice_day = self._earliest.astimezone(availability.SALON_TZ).date()
        self._hours_left: dict[int, bool] = {}
        self._by_therapist_day: dict[tuple[int, date], list[datetime]] = {}
        self._busy: dict[int, list] = {t.id: [] for t in self.therapists}
        self._read_to = first - timedelta(days=1)  # the diaries are read from `first` to here
        self._steps = list(LOOK_AHEAD_STEPS)  # the look-ahead reads still to come before the rest
        self._read(first, last)

    def _read(self, first: date, last: date) -> None:
        """Add the appointments and time off of days `first` to `last` to the diaries."""
        # Only the diaries of those with hours here still to come on one of the days: no one else
        # has a time to offer. The day the notice ends in counts only if someone's hours go on past
        # it long enough to hold the service (at the evening, today's diaries are not read), the
        # days before it not at all.
        later = max(first, self._notice_day + timedelta(days=1))
        weekdays = {(later + timedelta(days=n)).weekday() for n in range(min(7, (last - later).days + 1))}
        notice_ends_within = first <= self._notice_day <= last
        working = [t.id for t in self.therapists
                   if not weekdays.isdisjoint(self._days_here[t.id]) or (notice_ends_within and self._left(t.id))]
        self._read_to = max(self._read_to, last)
        if not working:
            return
        begin, finish = queries.local_day_bounds(first, last)
        # Widen by the buffer: an appointment just outside the days still needs its cleaning time.
        found = queries.busy_by_therapist(working, begin - self._rules.buffer, finish + self._rules.buffer,
                                          except_appointment=self._except)
        for therapist_id, busy in found.items():
            known = self._busy[therapist_id]
            if known:
                seen = set(known)  # near the seam of two reads, the buffer's width was read twice
                known.extend(b for b in busy if b not in seen)
            else:
                known.extend(busy)

    def _read_through(self, day: date) -> None:
        """The look-ahead, when a day beyond what was read is asked about: the next step's days
        (`LOOK_AHEAD_STEPS`, or to `day` if further), once they are used up all the rest."""
        if day <= self._read_to:
            return
        until = self.last
        if self._steps:
            until = min(self.last, max(day, self._read_to + timedelta(days=self._steps.pop(0))))
        self._read(self._read_to + timedelta(days=1), until)

    def _left(self, therapist_id: int) -> bool:
        """Do their hours here on the notice's day go on past it long enough for the massage?"""
        left = self._hours_left.get(therapist_id)
        if left is None:
            left = self._hours_left[therapist_id] = availability.hours_left(
                self._notice_day, self._shifts[therapist_id], self._location_id, self._earliest,
                timedelta(minutes=self._minutes))
        return left

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def times_of(self, therapist: Therapist, day: date) -> list[datetime]:
        """One therapist's free start times on `day` (none if they don't work here)."""
        if therapist.id not in self._busy or not self.covers(day):
            return []
        if day.weekday() not in self._days_here[therapist.id]:
            return []  # not working here that day: every instant would be "outside hours"
        if day < self._notice_day or (day == self._notice_day and not self._left(therapist.id)):
            return []  # what `free_slots` would find: nothing starts before the notice ends
        key = (therapist.id, day)
        if key not in self._by_therapist_day:
            self._read_through(day)
            self._by_therapist_day[key] = availability.free_slots(
                day=day, shifts=self._shifts[therapist.id], location_id=self._location_id,
                busy=self._busy[therapist.id], service_minutes=self._minutes, policy=self._rules, now=self._now)
        return self._by_therapist_day[key]

    def times(self, day: date) -> list[datetime]:
        """Start times on `day` when at least one of the therapists is free, earliest first."""
        found: set[datetime] = set()
        for therapist in self.therapists:
            found.update(self.times_of(therapist, day))
        return sorted(found)

    def has_times(self, day: date) -> bool:
        """Is anyone free on `day`? Stops at the first therapist who is."""
        return any(self.times_of(therapist, day) for therapist in self.therapists)

    def next_free_day(self, after: date) -> date | None:
        """The first day after `after` (within the horizon and a fortnight) with a free time."""
        last = min(after + timedelta(days=NEXT_FREE_DAY_SEARCH_DAYS), last_bookable_day(), self.last)
        day = after + timedelta(days=1)
        while day <= last:
            if self.has_times(day):
                return day
            day += timedelta(days=1)
        return None


def search_end(after: date) -> date:
    """The last day `next_free_day(after)` may look at: read diaries up to here."""
    return min(after + timedelta(days=NEXT_FREE_DAY_SEARCH_DAYS), last_bookable_day())


def free_times_by_day(therapist: Therapist, location_id: int, service: Service, days: list[date], *,
                      except_appointment: int | None = None, minutes: int | None = None,
                      for_staff: bool = False) -> dict[date, list[datetime]]:
    """Free start times for one therapist on each of `days`, with one read of their diary.

    `minutes`: the length to fit, when not the service's own (a move keeps the booked length).
    `for_staff`: the times reception may give (no notice needed, see `policy`)."""
    if not days:
        return {}
    diaries = Diaries([therapist], location_id, service, min(days), max(days),
                      except_appointment=except_appointment, minutes=minutes, for_staff=for_staff)
    return {day: diaries.times_of(therapist, day) for day in days}


def free_times(therapists: list[Therapist], location_id: int, service: Service, day: date, *,
               except_appointment: int | None = None, minutes: int | None = None,
               for_staff: bool = False) -> list[datetime]:
    """Start times on `day` when at least one of `therapists` is free, earliest first."""
    return Diaries(therapists, location_id, service, day, day, except_appointment=except_appointment,
                   minutes=minutes, for_staff=for_staff).times(day)


def next_free_day(therapists: list[Therapist], location_id: int, service: Service, after: date, *,
                  except_appointment: int | None = None, minutes: int | None = None,
                  for_staff: bool = False) -> date | None:
    """The first day after `after` (within the horizon and a fortnight) with a free time."""
    return Diaries(therapists, location_id, service, after + timedelta(days=1), search_end(after),
                   except_appointment=except_appointment, minutes=minutes, for_staff=for_staff).next_free_day(after)


def why_not(reason: str, therapist: Therapist, location: Location) -> str:
    """The client-facing words for an `availability.is_bookable` reason code."""
    rules = policy()
    notice_hours = rules.min_notice / timedelta(hours=1)
    messages = {
        availability.IN_PAST: "That time has already passed. Please choose one of the free times.",
        availability.OFF_GRID: (f"Appointments start every {rules.grid_minutes} minutes on the clock "
                                "(10:00, 10:15 and so on). Please choose one of the free times."),
        availability.TOO_SOON: (f"Online bookings need at least {notice_hours:g} hours' notice. "
                                "For something sooner, please call the salon."),
        availability.BEYOND_HORIZON: (f"We take online bookings up to {rules.horizon.days} days ahead. "
                                      "Please choose an earlier day."),
        availability.OUTSIDE_HOURS: f"{therapist.display_name} is not working at {location.name} then.",
        availability.AWAY: (f"{therapist.display_name} is away then. "
                            "Please choose another day, or another therapist."),
        availability.TAKEN: "Sorry, that time was just taken. Here are the times that are free now.",
    }
    return messages[reason]


def recheck(therapist: Therapist, location_id: int, service: Service, starts_at: datetime, *,
            except_appointment: int | None = None, minutes: int | None = None,
            for_staff: bool = False) -> str | None:
    """The server-side re-check of one start time: None if bookable, else the reason code.

    `minutes`: the length to fit, when not the service's own (a move keeps the booked length).
    `for_staff`: reception booking, which needs no notice (see `policy`)."""
    rules = policy(for_staff)
    window = timedelta(days=1) + rules.buffer
    busy = queries.busy(therapist.id, starts_at - window, starts_at + window,
                        except_appointment=except_appointment)
    return availability.is_bookable(
        starts_at, shifts=queries.shifts_of(therapist), location_id=location_id, busy=busy,
        service_minutes=minutes or service.minutes, policy=rules, now=clock.now(),
    )


def days_around(target: date, radius: int) -> list[date]:
    """`target` ± `radius` days, clipped to today .. the horizon; a past target becomes today."""
    first_day, last_day = clock.today(), last_bookable_day()
    target = max(target, first_day)
    days = [target + timedelta(days=n) for n in range(-radius, radius + 1)]
    return [d for d in days if first_day <= d <= last_day]
