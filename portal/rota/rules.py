"""The rota's rules as plain functions: is a weekly shift sound, and which instants does a
stretch of time off cover (on the salon's clock, right across the clock changes).

No Flask, no database: the services load the data and call these; the tests call them value
for value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from portal.formatting import date_format
from portal.timezones import SALON_TZ

UTC = timezone.utc
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The longest stretch of time off entered at once (a long absence: make the therapist inactive).
MAX_TIME_OFF_DAYS = 92


@dataclass(frozen=True)
class ShiftSpec:
    """A weekly shift as entered: weekday (0 = Monday), local wall-clock start and end."""

    weekday: int
    starts_at: time
    ends_at: time
    location_id: int


@dataclass(frozen=True)
class OtherShift:
    """One of the therapist's other shifts, to check overlaps against (any location)."""

    id: int
    weekday: int
    starts_at: time
    ends_at: time
    location_name: str


def _on_grid(moment: time, grid_minutes: int) -> bool:
    return moment.second == 0 and moment.microsecond == 0 and (moment.hour * 60 + moment.minute) % grid_minutes == 0


def shift_problems(shift: ShiftSpec, others: list[OtherShift], grid_minutes: int) -> dict[str, str]:
    """Field -> message for everything wrong with `shift`; empty when it can be saved.

    A shift ends after it starts on the same day (no overnight shifts: the booking rules read
    a shift as one local day), starts and ends on the booking grid, and overlaps none of the
    therapist's other shifts that weekday, at either salon (one person, one place). Touching
    is fine: 09:00-13:00 and 13:00-17:00 are one working day.
    """
    problems: dict[str, str] = {}
    if not 0 <= shift.weekday <= 6:
        problems["weekday"] = "Please choose a day of the week."
    for name, value in (("starts_at", shift.starts_at), ("ends_at", shift.ends_at)):
        if not _on_grid(value, grid_minutes):
            problems[name] = (f"Shifts start and end on the booking grid, every {grid_minutes} minutes "
                              "(09:00, 09:15 and so on).")
    if "ends_at" not in problems and shift.ends_at <= shift.starts_at:
        problems["ends_at"] = ("The shift must end after it starts, on the same day "
                               "(no shifts over midnight).")
    if problems:
        return problems
    for other in others:
        if other.weekday == shift.weekday and shift.starts_at < other.ends_at and other.starts_at < shift.ends_at:
            problems["starts_at"] = (
                f"This overlaps their {WEEKDAYS[other.weekday]} shift {other.starts_at:%H:%M}-"
                f"{other.ends_at:%H:%M} at {other.location_name}: one therapist can't work two shifts at once.")
            break
    return problems


class TimeOffProblem(ValueError):
    """Time off that can't be saved as entered, with the field to blame and plain words."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def local_instant(day: date, wall: time) -> datetime:
    """The UTC instant of a salon wall-clock time; a repeated autumn time means its first pass.

    Raises TimeOffProblem for a time the clocks skip (spring forward)."""
    local = datetime.combine(day, wall.replace(tzinfo=None, fold=0), tzinfo=SALON_TZ)
    instant = local.astimezone(UTC)
    back = instant.astimezone(SALON_TZ)
    if (back.date(), back.time()) != (day, wall.replace(tzinfo=None)):
        raise TimeOffProblem("starts_at", f"{wall:%H:%M} does not exist on {day:%d/%m/%Y}: the clocks go "
                                          "forward that night. Please choose another time.")
    return instant


def time_off_interval(first_day: date, last_day: date | None, starts_at: time | None, ends_at: time | None,
                      *, today: date, grid_minutes: int) -> tuple[datetime, datetime]:
    """[start, end) in UTC for time off as entered: whole days from `first_day` to `last_day`
    (inclusive; one day when `last_day` is None), or part of `first_day` from `starts_at` to
    `ends_at` (both given). Whole days run from local midnight to local midnight, so a day
    off on a clock-change Sunday is 23 or 25 real hours."""
    if first_day < today:
        raise TimeOffProblem("first_day", "That day has already passed. Please choose today or a later day.")
    if (starts_at is None) != (ends_at is None):
        field = "ends_at" if ends_at is None else "starts_at"
        raise TimeOffProblem(field, "For part of a day, give both the time it starts and the time it ends; "
                                    "for whole days, leave both times empty.")
    if starts_at is not None and ends_at is not None:
        if last_day is not None and last_day != first_day:
            raise TimeOffProblem("last_day", "Part of a day is on one day: leave the last day empty, "
                                             "or leave the times empty for whole days.")
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
            if not _on_grid(value, grid_minutes):
                raise TimeOffProblem(name, f"Times go on the booking grid, every {grid_minutes} minutes.")
        if ends_at <= starts_at:
            raise TimeOffProblem("ends_at", "The time off must end after it starts.")
        begin = local_instant(first_day, starts_at)
        try:
            end = local_instant(first_day, ends_at)
        except TimeOffProblem as problem:
            raise TimeOffProblem("ends_at", problem.message) from None
        return begin, end
    last_day = last_day or first_day
    if last_day < first_day:
        raise TimeOffProblem("last_day", "The last day can't be before the first day.")
    if (last_day - first_day).days + 1 > MAX_TIME_OFF_DAYS:
        raise TimeOffProblem("last_day", f"Time off is entered up to {MAX_TIME_OFF_DAYS} days at a time. "
                                         "For a longer absence, mark the therapist inactive.")
    begin = datetime.combine(first_day, time(0), tzinfo=SALON_TZ).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=SALON_TZ).astimezone(UTC)
    return begin, end


DAY_WORDS = "%a {day} %b %Y"


def time_off_words(starts_at: datetime, ends_at: datetime) -> str:
    """Time off as people say it, on the salon's clock: "Fri 11 Dec 2026, all day", "Mon 14 Dec
    2026 to Fri 18 Dec 2026, all day", "Wed 2 Dec 2026, 14:00 to 20:00"; anything else (entered
    before, or across midnight) from one date and time to the other. Whole days are stored from
    local midnight to local midnight, so the last day shown is the day before the end."""
    begin, end = starts_at.astimezone(SALON_TZ), ends_at.astimezone(SALON_TZ)
    if begin.time() == time(0) and end.time() == time(0) and end.date() > begin.date():
        last = end.date() - timedelta(days=1)
        if last == begin.date():
            return f"{date_format(begin, DAY_WORDS)}, all day"
        return f"{date_format(begin, DAY_WORDS)} to {date_format(last, DAY_WORDS)}, all day"
    if begin.date() == end.date():
        return f"{date_format(begin, DAY_WORDS)}, {begin:%H:%M} to {end:%H:%M}"
    return f"{date_format(begin, DAY_WORDS)}, {begin:%H:%M} to {date_format(end, DAY_WORDS)}, {end:%H:%M}"
