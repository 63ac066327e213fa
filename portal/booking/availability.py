"""Which start times a client may book with one therapist.

Pure functions over plain dataclasses, so the rules can be tested without a
database and the booking views stay thin: the view loads shifts and busy
intervals, calls `free_slots` to render choices, and calls `is_bookable` again
when the form comes back (the page may be stale, or the request hand-made).

Time model
----------
* Shifts are weekly, local wall-clock hours (Europe/London). Everything else
  (busy intervals, `now`, returned slots) is an aware instant; slots are UTC.
* A slot is named by its local wall-clock label ("09:15"). The grid is the set
  of labels whose minutes since local midnight are a multiple of
  `grid_minutes`; each label is turned into an instant with ``fold=0``.
* Durations (service length, buffers, notice, horizon, shift length) are real
  elapsed time, compared as instants. So a 60-minute massage is 60 minutes
  even when it straddles a clock change, and a 09:00-17:00 shift is 8 real
  hours on both clock-change Sundays.

Clock changes (the UK moves clocks at 01:00 UTC)
-----------------------------------------------
* Spring forward (last Sunday of March): local 01:00-01:59 does not exist.
  Those labels are skipped, never shifted, so a slot can't appear at a time
  that no clock in the salon shows. A shift 00:00-03:00 that day is 2 real
  hours (00:00 GMT to 03:00 BST).
* Fall back (last Sunday of October): local 01:00-01:59 happens twice. Every
  label, and every shift boundary, means its FIRST occurrence (``fold=0``), so
  each offered start has one unambiguous label and there are no duplicates.
  A shift 00:00-03:00 that day is 4 real hours (00:00 BST to 03:00 GMT); a
  service may run through the repeated hour, but no appointment *starts* in the
  second pass of it (01:00-01:59 GMT). `is_bookable` reports such an instant as
  "off_grid": its label exists but names the earlier instant.
* A shift boundary inside the spring gap resolves with ``fold=0`` too, which
  Python maps using the pre-change offset (01:30 -> 01:30 UTC = 02:30 BST).
  Real shifts don't start or end in the middle of the night; this just keeps
  the rule uniform.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone

from portal.timezones import SALON_TZ  # noqa: F401  (re-exported: the tests and slots read it here)

UTC = timezone.utc

# Reason codes returned by `is_bookable`; the views map them to messages.
IN_PAST = "in_past"
OFF_GRID = "off_grid"
TOO_SOON = "too_soon"
BEYOND_HORIZON = "beyond_horizon"
OUTSIDE_HOURS = "outside_hours"
AWAY = "away"  # the therapist's time off
TAKEN = "taken"
# Reason codes of `client_refusal`: the client's own diary, whoever the therapist.
CLIENT_BUSY = "client_busy"
CLIENT_LIMIT = "client_limit"

_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Shift:
    """A therapist's weekly working hours at one location, local wall-clock time."""

    weekday: int  # 0 = Monday, as date.weekday()
    starts_at: time
    ends_at: time
    location_id: int

    def __post_init__(self) -> None:
        # Same rules as the working_hours table, so bad data fails loudly here too.
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0-6, got {self.weekday}")
        if self.ends_at <= self.starts_at:
            raise ValueError("a shift must end after it starts (no overnight shifts)")


@dataclass(frozen=True)
class Busy:
    """Time the therapist can't take a new client: an appointment or time off."""

    starts_at: datetime
    ends_at: datetime
    # Time off rather than an appointment: refused as "away", not "just taken".
    away: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "Busy.starts_at")
        _require_aware(self.ends_at, "Busy.ends_at")
        if self.ends_at < self.starts_at:
            raise ValueError("Busy must not end before it starts")

    @classmethod
    def stored(cls, starts_at: datetime, ends_at: datetime, away: bool) -> Busy:
        """One read from the diaries, unchecked: the database's constraints (ends after it starts)
        and its UTC column type (aware) already hold it to the rules; a chain's booking page
        reads a few hundred, and the checks were most of their cost."""
        busy = object.__new__(cls)
        busy.__dict__.update(starts_at=starts_at, ends_at=ends_at, away=away)
        return busy


@dataclass(frozen=True)
class BookingPolicy:
    grid_minutes: int = 15
    # Cleaning/changeover time. It follows every busy interval and must also be
    # free before the next one, so a new booking keeps this gap on both sides.
    buffer_minutes: int = 15
    min_notice: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(weeks=8)

    def __post_init__(self) -> None:
        if self.grid_minutes <= 0:
            raise ValueError("grid_minutes must be positive")
        if self.buffer_minutes < 0:
            raise ValueError("buffer_minutes must not be negative")

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


def free_slots(
    *,
    day: date,
    shifts: list[Shift],
    location_id: int,
    busy: list[Busy],
    service_minutes: int,
    policy: BookingPolicy,
    now: datetime,
) -> list[datetime]:
    """Bookable UTC start times on one local date at one location, earliest first.

    The same answer as "every grid instant of the day that `is_bookable` accepts" (so the list
    shown to the client and the server-side re-check can never disagree; tests/test_availability.py
    compares the two on random diaries), worked out per shift rather than per instant: the shift
    minus the busy intervals (widened by the buffer) leaves free intervals; the starts that fit the
    service in one, inside the notice and the horizon, are picked from the day's grid by bisection.
    """
    _check_request(service_minutes, now)
    length = timedelta(minutes=service_minutes)
    earliest, latest = earliest_start(policy, now), now + policy.horizon
    grid = _grid_of(day, policy.grid_minutes)
    found: list[datetime] = []
    for begin, finish in _shift_intervals(day, shifts, location_id):
        for first, last in _free_starts(begin, finish - length, busy, length, policy.buffer):
            first, last = max(first, earliest), min(last, latest)
            if first <= last:
                found.extend(grid[bisect_left(grid, first):bisect_right(grid, last)])
    return found


def earliest_start(policy: BookingPolicy, now: datetime) -> datetime:
    """The first instant a booking may start (the notice from now)."""
    return max(now, now + policy.min_notice)


def hours_left(day: date, shifts: list[Shift], location_id: int, after: datetime,
               length: timedelta = timedelta(0)) -> bool:
    """Do these hours at this location on `day` go on past `after` (the earliest start), long
    enough to hold `length` (the service) after it? When not, no diary can give that day a
    time: there is nothing to read."""
    return any(finish > after and finish - max(begin, after) >= length
               for begin, finish in _shift_intervals(day, shifts, location_id))


def _free_starts(first: datetime, last: datetime, busy: Iterable[Busy], length: timedelta,
                 buffer: timedelta) -> list[tuple[datetime, datetime]]:
    """The closed ranges of starts in [first, last] whose [start, start + length) clashes with none
    of `busy` (the rule of `_clashes`): each busy interval rules out the starts strictly between
    (its start - buffer - length) and (its end + buffer); an end point itself is free."""
    if first > last:
        return []
    blocked = sorted((b.starts_at - buffer - length, b.ends_at + buffer) for b in busy)
    ranges, cursor = [], first
    for low, high in blocked:
        if high <= cursor:
            continue
        if low > last:
            break
        if low >= cursor:
            ranges.append((cursor, low))
        cursor = high
        if cursor > last:
            return ranges
    ranges.append((cursor, last))
    return ranges


def is_bookable(
    start: datetime,
    *,
    shifts: list[Shift],
    location_id: int,
    busy: list[Busy],
    service_minutes: int,
    policy: BookingPolicy,
    now: datetime,
) -> str | None:
    """None if `start` may be booked, else the first reason code that applies.

    Checks run from "this request makes no sense" to "someone got there
    first", so "taken" (the race a client can actually hit) is only reported
    for an otherwise valid time.
    """
    _require_aware(start, "start")
    _check_request(service_minutes, now)
    end = start + timedelta(minutes=service_minutes)

    if start < now:
        return IN_PAST
    if not _on_grid(start, policy.grid_minutes):
        return OFF_GRID
    if start < now + policy.min_notice:
        return TOO_SOON
    if start > now + policy.horizon:
        return BEYOND_HORIZON
    if not _within_a_shift(start, end, shifts, location_id):
        return OUTSIDE_HOURS
    # Time off first: "just taken" would send the client to try again in vain.
    if _clashes(start, end, [b for b in busy if b.away], policy.buffer):
        return AWAY
    if _clashes(start, end, busy, policy.buffer):
        return TAKEN
    return None


def client_refusal(start: datetime, end: datetime, own: list[Busy], *, upcoming: int, limit: int,
                   adds_one: bool) -> str | None:
    """Whether the client themself can take [start, end): None, or CLIENT_BUSY / CLIENT_LIMIT.

    `own`: the client's booked appointments not yet over (with any therapist, at either
    salon); `upcoming`: how many of them have not started; `adds_one`: a new booking (a move
    keeps the count). Touching is fine: a client can walk from one massage into the next.
    """
    _require_aware(start, "start")
    if any(start < b.ends_at and b.starts_at < end for b in own):
        return CLIENT_BUSY
    if adds_one and upcoming >= limit:
        return CLIENT_LIMIT
    return None


def within_hours(start: datetime, end: datetime, shifts: Iterable[Shift], location_id: int) -> bool:
    """Whether [start, end) lies inside the therapist's hours at that location (the rule
    `is_bookable` applies, for appointments already booked: did the hours change under them?)."""
    _require_aware(start, "start")
    return _within_a_shift(start, end, shifts, location_id)


def nearest_slots(
    target: date, slots_by_day: dict[date, list[datetime]], count: int = 6
) -> list[datetime]:
    """The `count` slots on the days closest to `target`, in time order.

    Used for "rebook around your next due date". Closeness is whole days from
    the target; on a tie an earlier slot wins, so a day before the due date is
    preferred to the day after, and earlier times within a day come first.
    """
    if count <= 0:
        return []
    ranked = sorted(
        (abs((day - target).days), slot)
        for day, slots in slots_by_day.items()
        for slot in slots
    )
    return sorted(slot for _, slot in ranked[:count])


# --- helpers -----------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime here is a programming error: guessing UTC or local time
    # would silently book people an hour out for half the year.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _check_request(service_minutes: int, now: datetime) -> None:
    _require_aware(now, "now")
    if service_minutes <= 0:
        raise ValueError("service_minutes must be positive")


@lru_cache(maxsize=8192)
def _local_to_utc(day: date, wall: time) -> datetime:
    """The instant a local wall-clock time names; repeated times mean the first one. Kept: a
    chain's booking page asks it of every therapist's hours (about 130 times), the zone lookup
    costs 15 times the cache's, and the days asked about are a few hundred at most."""
    local = datetime.combine(day, wall.replace(tzinfo=None, fold=0), tzinfo=SALON_TZ)
    return local.astimezone(UTC)


def _exists(day: date, wall: time) -> bool:
    """False for wall times skipped when the clocks go forward."""
    instant = _local_to_utc(day, wall)
    back = instant.astimezone(SALON_TZ)
    return (back.date(), back.time()) == (day, wall)


def _grid_instants(day: date, grid_minutes: int) -> Iterator[datetime]:
    """Every grid label of the local day as a UTC instant, ascending.

    Labels in the spring gap are skipped (`_exists`); with fold=0 every other
    label maps to a distinct instant and the order is preserved, so there is
    nothing to de-duplicate.
    """
    for minutes in range(0, _MINUTES_PER_DAY, grid_minutes):
        wall = time(minutes // 60, minutes % 60)
        if _exists(day, wall):
            yield _local_to_utc(day, wall)


@lru_cache(maxsize=512)
def _grid_of(day: date, grid_minutes: int) -> tuple[datetime, ...]:
    """`_grid_instants` of a day, kept: the same for every therapist and request (512 days: the
    booking horizon many times over, about 100 kB)."""
    return tuple(_grid_instants(day, grid_minutes))


def _on_grid(start: datetime, grid_minutes: int) -> bool:
    local = start.astimezone(SALON_TZ)
    if local.second or local.microsecond:
        return False
    if (local.hour * 60 + local.minute) % grid_minutes:
        return False
    # Second pass of the autumn repeated hour: the label names the first pass.
    return local.fold == 0


def _shift_intervals(day: date, shifts: Iterable[Shift], location_id: int) -> list[tuple[datetime, datetime]]:
    """Real (UTC) working intervals on `day` at one location, adjacent ones joined.

    Joining matters when hours are stored as back-to-back shifts (09:00-13:00,
    13:00-17:00): the therapist never leaves, so a 12:30 hour-long booking fits.
    A real break (lunch) stays a gap that no service may span.
    """
    intervals = sorted(
        (_local_to_utc(day, s.starts_at), _local_to_utc(day, s.ends_at))
        for s in shifts
        if s.weekday == day.weekday() and s.location_id == location_id
    )
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in intervals:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _within_a_shift(start: datetime, end: datetime, shifts: Iterable[Shift], location_id: int) -> bool:
    # A slot belongs to the local date it starts on; shifts never cross midnight.
    day = start.astimezone(SALON_TZ).date()
    intervals = _shift_intervals(day, shifts, location_id)
    return any(begin <= start and end <= finish for begin, finish in intervals)


def _clashes(start: datetime, end: datetime, busy: Iterable[Busy], buffer: timedelta) -> bool:
    # Widening each busy interval by the buffer on both sides gives cleaning
    # time after it and before it, i.e. after the new appointment too.
    return any(start < b.ends_at + buffer and b.starts_at - buffer < end for b in busy)
