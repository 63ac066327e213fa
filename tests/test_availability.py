"""Availability rules: hours, buffers, notice, horizon, grid and UK clock changes.

Times in the tables are local wall-clock labels ("09:15") on a given date,
because that is how the salon thinks; the helpers turn them into instants.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from portal.booking.availability import (
    SALON_TZ,
    BookingPolicy,
    Busy,
    Shift,
    earliest_start,
    free_slots,
    hours_left,
    is_bookable,
    nearest_slots,
)

UTC = timezone.utc
LOC = 1
OTHER_LOC = 2
MONDAY = date(2027, 3, 15)  # an ordinary GMT Monday
POLICY = BookingPolicy()
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # two weeks before MONDAY
NOW_AUTUMN = datetime(2027, 10, 1, 8, 0, tzinfo=UTC)
MON, SAT, SUN = 0, 5, 6


def at(day: date, label: str) -> datetime:
    """The UTC instant of a local wall-clock label (first occurrence if repeated)."""
    local = datetime.combine(day, time.fromisoformat(label), tzinfo=SALON_TZ)
    return local.astimezone(UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def labels(slots: list[datetime]) -> list[str]:
    return [s.astimezone(SALON_TZ).strftime("%H:%M") for s in slots]


def every(first: str, last: str, step: int = 15) -> list[str]:
    """Labels from first to last inclusive, `step` minutes apart (same-day, no DST)."""
    start = datetime.combine(MONDAY, time.fromisoformat(first))
    stop = datetime.combine(MONDAY, time.fromisoformat(last))
    out = []
    while start <= stop:
        out.append(start.strftime("%H:%M"))
        start += timedelta(minutes=step)
    return out


def shift(weekday: int, starts: str, ends: str, location_id: int = LOC) -> Shift:
    return Shift(weekday, time.fromisoformat(starts), time.fromisoformat(ends), location_id)


def busy(day: date, starts: str, ends: str) -> Busy:
    return Busy(at(day, starts), at(day, ends))


def slots(day, shifts, *, busy=(), service=60, policy=POLICY, now=NOW, location_id=LOC):
    return free_slots(
        day=day,
        shifts=list(shifts),
        location_id=location_id,
        busy=list(busy),
        service_minutes=service,
        policy=policy,
        now=now,
    )


def check(start, shifts, *, busy=(), service=60, policy=POLICY, now=NOW, location_id=LOC):
    return is_bookable(
        start,
        shifts=list(shifts),
        location_id=location_id,
        busy=list(busy),
        service_minutes=service,
        policy=policy,
        now=now,
    )


DAY_SHIFT = [shift(MON, "09:00", "17:00")]


# --- hours -------------------------------------------------------------------


def test_shift_offers_every_quarter_hour_the_service_fits():
    result = slots(MONDAY, DAY_SHIFT)

    assert labels(result) == every("09:00", "16:00")
    assert len(result) == 29
    assert result[0] == utc(2027, 3, 15, 9, 0)
    assert result[-1] == utc(2027, 3, 15, 16, 0)
    assert all(s.tzinfo is UTC for s in result)


def test_no_slots_on_a_day_without_a_shift():
    assert slots(MONDAY + timedelta(days=1), DAY_SHIFT) == []


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        (30, every("09:00", "11:30")),
        (60, every("09:00", "11:00")),
        (90, every("09:00", "10:30")),
        (180, ["09:00"]),
        (195, []),
    ],
)
def test_service_must_finish_by_the_end_of_the_shift(service, expected):
    assert labels(slots(MONDAY, [shift(MON, "09:00", "12:00")], service=service)) == expected


def test_lunch_break_splits_the_day_and_no_service_spans_it():
    shifts = [shift(MON, "09:00", "12:00"), shift(MON, "13:00", "17:00")]

    assert labels(slots(MONDAY, shifts)) == every("09:00", "11:00") + every("13:00", "16:00")
    assert check(at(MONDAY, "11:30"), shifts) == "outside_hours"
    assert check(at(MONDAY, "12:30"), shifts) == "outside_hours"


def test_back_to_back_shifts_count_as_one_stretch():
    shifts = [shift(MON, "09:00", "13:00"), shift(MON, "13:00", "17:00")]

    assert labels(slots(MONDAY, shifts)) == every("09:00", "16:00")
    assert check(at(MONDAY, "12:30"), shifts) is None


def test_shift_at_the_other_location_is_not_offered():
    shifts = [shift(MON, "09:00", "12:00", LOC), shift(MON, "13:00", "17:00", OTHER_LOC)]

    assert labels(slots(MONDAY, shifts, location_id=LOC)) == every("09:00", "11:00")
    assert labels(slots(MONDAY, shifts, location_id=OTHER_LOC)) == every("13:00", "16:00")
    assert check(at(MONDAY, "13:00"), shifts, location_id=LOC) == "outside_hours"
    assert check(at(MONDAY, "09:00"), shifts, location_id=OTHER_LOC) == "outside_hours"


def test_shift_starting_off_grid_offers_the_next_grid_time():
    assert labels(slots(MONDAY, [shift(MON, "09:10", "11:00")])) == ["09:15", "09:30", "09:45", "10:00"]


# --- buffers and time off --------------------------------------------------------


def test_buffer_is_kept_before_and_after_an_appointment():
    booked = [busy(MONDAY, "11:00", "12:00")]

    # 10:00-11:00 would leave no cleaning time before 11:00; 12:00 none after it.
    assert labels(slots(MONDAY, DAY_SHIFT, busy=booked)) == every("09:00", "09:45") + every("12:15", "16:00")


@pytest.mark.parametrize(
    ("buffer", "label", "expected"),
    [
        (15, "09:45", None),
        (15, "10:00", "taken"),
        (15, "10:30", "taken"),
        (15, "11:00", "taken"),
        (15, "12:00", "taken"),
        (15, "12:15", None),
        (0, "10:00", None),
        (0, "10:15", "taken"),
        (0, "11:45", "taken"),
        (0, "12:00", None),
    ],
)
def test_buffer_table(buffer, label, expected):
    policy = BookingPolicy(buffer_minutes=buffer)
    booked = [busy(MONDAY, "11:00", "12:00")]

    assert check(at(MONDAY, label), DAY_SHIFT, busy=booked, policy=policy) == expected


def test_gap_between_appointments_needs_room_for_both_buffers():
    booked = [busy(MONDAY, "10:00", "11:00"), busy(MONDAY, "12:30", "13:30")]

    # 11:15 + 60 min + 15 min buffer = 12:30 exactly; 13:45 would overrun the shift.
    assert labels(slots(MONDAY, [shift(MON, "10:00", "14:00")], busy=booked)) == ["11:15"]


def test_whole_day_off_leaves_nothing():
    day_off = [Busy(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=1), "00:00"))]

    assert slots(MONDAY, DAY_SHIFT, busy=day_off) == []
    assert check(at(MONDAY, "09:00"), DAY_SHIFT, busy=day_off) == "taken"


def test_holiday_over_several_days_blocks_only_those_days():
    # Expressed in local time (not UTC) on purpose: any aware datetime works.
    weekdays = [shift(d, "09:00", "17:00") for d in range(5)]
    holiday = [
        Busy(
            datetime(2027, 3, 15, 0, 0, tzinfo=SALON_TZ),
            datetime(2027, 3, 19, 0, 0, tzinfo=SALON_TZ),
        )
    ]

    assert slots(date(2027, 3, 17), weekdays, busy=holiday) == []
    assert labels(slots(date(2027, 3, 19), weekdays, busy=holiday)) == every("09:00", "16:00")


# --- notice and horizon ----------------------------------------------------------


def test_min_notice_hides_the_next_two_hours():
    now = at(MONDAY, "10:07")

    assert labels(slots(MONDAY, DAY_SHIFT, now=now)) == every("12:15", "16:00")


@pytest.mark.parametrize(
    ("now_label", "label", "expected"),
    [
        ("10:07", "10:00", "in_past"),
        ("10:07", "10:15", "too_soon"),
        ("10:07", "12:00", "too_soon"),
        ("10:07", "12:15", None),
        ("10:00", "11:45", "too_soon"),
        ("10:00", "12:00", None),  # exactly two hours' notice is enough
    ],
)
def test_min_notice_table(now_label, label, expected):
    assert check(at(MONDAY, label), DAY_SHIFT, now=at(MONDAY, now_label)) == expected


def test_horizon_is_eight_weeks_to_the_minute():
    now = utc(2027, 5, 3, 11, 0)  # Monday 12:00 BST
    last_day = date(2027, 6, 28)  # exactly 8 weeks later
    shifts = [shift(MON, "09:00", "17:00")]

    assert labels(slots(last_day, shifts, now=now)) == every("09:00", "12:00")
    assert check(at(last_day, "12:15"), shifts, now=now) == "beyond_horizon"
    assert slots(last_day + timedelta(weeks=1), shifts, now=now) == []


# --- grid ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grid", "service", "expected"),
    [
        (15, 60, ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]),
        (30, 60, ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        (60, 60, ["09:00", "10:00", "11:00"]),
        # Counted from local midnight: 09:00 is 540 minutes = 12 x 45.
        (45, 45, ["09:00", "09:45", "10:30", "11:15"]),
    ],
)
def test_grid_sizes(grid, service, expected):
    policy = BookingPolicy(grid_minutes=grid)

    assert labels(slots(MONDAY, [shift(MON, "09:00", "12:00")], service=service, policy=policy)) == expected


@pytest.mark.parametrize(
    ("grid", "start", "expected"),
    [
        (15, at(MONDAY, "09:07"), "off_grid"),
        (15, at(MONDAY, "09:15") + timedelta(seconds=30), "off_grid"),
        (15, at(MONDAY, "09:15") + timedelta(microseconds=1), "off_grid"),
        (15, at(MONDAY, "09:15"), None),
        (30, at(MONDAY, "09:15"), "off_grid"),
        (30, at(MONDAY, "09:30"), None),
    ],
)
def test_off_grid_starts_are_refused(grid, start, expected):
    assert check(start, DAY_SHIFT, policy=BookingPolicy(grid_minutes=grid)) == expected


# --- reason codes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(MONDAY, "09:00"), None),
        (utc(2027, 3, 1, 7, 45), "in_past"),
        (utc(2027, 3, 1, 7, 50), "in_past"),  # past wins over off-grid
        (utc(2027, 3, 1, 9, 0), "too_soon"),
        (utc(2027, 3, 1, 9, 7), "off_grid"),  # off-grid wins over too-soon
        (at(MONDAY, "09:05"), "off_grid"),
        # NOW + 8 weeks is 26 Apr 08:00 UTC, which is 09:00 BST: the last bookable start.
        (at(date(2027, 4, 26), "09:00"), None),
        (at(date(2027, 4, 26), "09:15"), "beyond_horizon"),
        (at(date(2027, 5, 3), "09:00"), "beyond_horizon"),
        (at(MONDAY, "08:45"), "outside_hours"),
        (at(MONDAY, "16:15"), "outside_hours"),  # would end after 17:00
        (at(MONDAY + timedelta(days=1), "09:00"), "outside_hours"),
        (at(MONDAY, "10:30"), "taken"),
        (at(MONDAY, "12:15"), None),
    ],
)
def test_is_bookable_reason_codes(start, expected):
    booked = [busy(MONDAY, "11:00", "12:00")]

    assert check(start, DAY_SHIFT, busy=booked) == expected


# --- clock changes -----------------------------------------------------------------

WEEKEND = [shift(SAT, "09:00", "17:00"), shift(SUN, "09:00", "17:00")]


@pytest.mark.parametrize(
    ("day", "now", "first", "last"),
    [
        (date(2027, 3, 27), NOW, utc(2027, 3, 27, 9, 0), utc(2027, 3, 27, 16, 0)),  # GMT
        (date(2027, 3, 28), NOW, utc(2027, 3, 28, 8, 0), utc(2027, 3, 28, 15, 0)),  # BST from 01:00 UTC
        (date(2027, 10, 30), NOW_AUTUMN, utc(2027, 10, 30, 8, 0), utc(2027, 10, 30, 15, 0)),  # BST
        (date(2027, 10, 31), NOW_AUTUMN, utc(2027, 10, 31, 9, 0), utc(2027, 10, 31, 16, 0)),  # GMT from 01:00 UTC
    ],
)
def test_day_shift_around_clock_changes(day, now, first, last):
    result = slots(day, WEEKEND, now=now)

    assert result[0] == first
    assert result[-1] == last
    assert len(result) == len(slots(MONDAY, DAY_SHIFT)) == 29
    assert labels(result) == every("09:00", "16:00")
    assert {b - a for a, b in zip(result, result[1:])} == {timedelta(minutes=15)}
    assert all(check(s, WEEKEND, now=now) is None for s in result)


NIGHT = [shift(SUN, "00:00", "03:00")]


@pytest.mark.parametrize(
    ("service", "expected_utc", "expected_labels"),
    [
        (
            60,
            [utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 0, 15), utc(2027, 3, 28, 0, 30),
             utc(2027, 3, 28, 0, 45), utc(2027, 3, 28, 1, 0)],
            ["00:00", "00:15", "00:30", "00:45", "02:00"],
        ),
        (
            30,
            [utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 0, 15), utc(2027, 3, 28, 0, 30),
             utc(2027, 3, 28, 0, 45), utc(2027, 3, 28, 1, 0), utc(2027, 3, 28, 1, 15),
             utc(2027, 3, 28, 1, 30)],
            ["00:00", "00:15", "00:30", "00:45", "02:00", "02:15", "02:30"],
        ),
    ],
)
def test_spring_forward_skips_the_missing_hour(service, expected_utc, expected_labels):
    result = slots(date(2027, 3, 28), NIGHT, service=service)

    assert result == expected_utc
    assert labels(result) == expected_labels


def test_fall_back_offers_the_repeated_hour_once():
    result = slots(date(2027, 10, 31), NIGHT, now=NOW_AUTUMN)

    assert result == [
        utc(2027, 10, 30, 23, 0),  # 00:00 BST
        utc(2027, 10, 30, 23, 15),
        utc(2027, 10, 30, 23, 30),
        utc(2027, 10, 30, 23, 45),
        utc(2027, 10, 31, 0, 0),  # 01:00 BST, first pass
        utc(2027, 10, 31, 0, 15),
        utc(2027, 10, 31, 0, 30),
        utc(2027, 10, 31, 0, 45),  # runs to 01:45 GMT, through the repeat
        utc(2027, 10, 31, 2, 0),  # 02:00 GMT; ends 03:00 GMT, the shift end
    ]
    assert labels(result) == every("00:00", "01:45") + ["02:00"]
    assert len(set(labels(result))) == len(result)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (utc(2027, 10, 31, 0, 15), None),  # 01:15 BST, first pass
        (utc(2027, 10, 31, 1, 15), "off_grid"),  # 01:15 GMT, second pass
        (utc(2027, 10, 31, 1, 0), "off_grid"),  # 01:00 GMT, second pass
    ],
)
def test_second_pass_of_the_repeated_hour_is_not_a_start(start, expected):
    assert check(start, NIGHT, now=NOW_AUTUMN) == expected


@pytest.mark.parametrize(
    ("day", "now", "service", "expected"),
    [
        # 00:00 GMT to 03:00 BST is 2 real hours.
        (date(2027, 3, 28), NOW, 120, [utc(2027, 3, 28, 0, 0)]),
        (date(2027, 3, 28), NOW, 135, []),
        # 00:00 BST to 03:00 GMT is 4 real hours.
        (date(2027, 10, 31), NOW_AUTUMN, 240, [utc(2027, 10, 30, 23, 0)]),
        (date(2027, 10, 31), NOW_AUTUMN, 255, []),
        # An ordinary Sunday: 3 hours.
        (date(2027, 3, 21), NOW, 180, [utc(2027, 3, 21, 0, 0)]),
        (date(2027, 3, 21), NOW, 195, []),
    ],
)
def test_night_shift_lasts_real_hours(day, now, service, expected):
    assert slots(day, NIGHT, service=service, now=now) == expected


# --- free_slots and is_bookable agree -----------------------------------------------

AGREEMENT_CASES = [
    pytest.param(MONDAY, DAY_SHIFT, [busy(MONDAY, "11:00", "12:00")], NOW, id="ordinary-day-with-booking"),
    pytest.param(MONDAY, DAY_SHIFT, [], at(MONDAY, "10:07"), id="min-notice"),
    pytest.param(date(2027, 3, 28), WEEKEND, [], NOW, id="spring-forward-day-shift"),
    pytest.param(date(2027, 3, 28), NIGHT, [], NOW, id="spring-forward-night-shift"),
    pytest.param(date(2027, 10, 31), WEEKEND, [], NOW_AUTUMN, id="fall-back-day-shift"),
    pytest.param(date(2027, 10, 31), NIGHT, [], NOW_AUTUMN, id="fall-back-night-shift"),
]


def _every_five_minutes_of(day: date) -> list[datetime]:
    """All instants of a local day (23, 24 or 25 real hours), 5 minutes apart."""
    start, stop = at(day, "00:00"), at(day + timedelta(days=1), "00:00")
    out = []
    while start < stop:
        out.append(start)
        start += timedelta(minutes=5)
    return out


@pytest.mark.parametrize(("day", "shifts", "booked", "now"), AGREEMENT_CASES)
def test_free_slots_and_is_bookable_agree(day, shifts, booked, now):
    offered = slots(day, shifts, busy=booked, now=now)

    assert offered  # each case must actually offer something
    assert offered == sorted(set(offered))
    for slot in offered:
        assert check(slot, shifts, busy=booked, now=now) is None
        for nudge in (-7, -1, 1, 7):
            assert check(slot + timedelta(minutes=nudge), shifts, busy=booked, now=now) == "off_grid"
    for instant in _every_five_minutes_of(day):
        accepted = check(instant, shifts, busy=booked, now=now) is None
        assert accepted == (instant in offered), instant


# --- nearest_slots -----------------------------------------------------------------

SLOTS_BY_DAY = {
    date(2027, 3, 15): [at(date(2027, 3, 15), "09:00"), at(date(2027, 3, 15), "14:00")],
    date(2027, 3, 16): [at(date(2027, 3, 16), "10:00")],
    date(2027, 3, 18): [at(date(2027, 3, 18), "09:00"), at(date(2027, 3, 18), "11:00"), at(date(2027, 3, 18), "15:00")],
    date(2027, 3, 22): [at(date(2027, 3, 22), "09:00")],
}


@pytest.mark.parametrize(
    ("target", "count", "expected"),
    [
        (date(2027, 3, 18), 3, [utc(2027, 3, 18, 9, 0), utc(2027, 3, 18, 11, 0), utc(2027, 3, 18, 15, 0)]),
        (
            date(2027, 3, 18),
            4,
            [utc(2027, 3, 16, 10, 0), utc(2027, 3, 18, 9, 0), utc(2027, 3, 18, 11, 0), utc(2027, 3, 18, 15, 0)],
        ),
        # 16th and 18th are both one day away: the earlier slot wins the tie.
        (date(2027, 3, 17), 2, [utc(2027, 3, 16, 10, 0), utc(2027, 3, 18, 9, 0)]),
        (
            date(2027, 3, 30),
            6,
            [utc(2027, 3, 15, 9, 0), utc(2027, 3, 16, 10, 0), utc(2027, 3, 18, 9, 0),
             utc(2027, 3, 18, 11, 0), utc(2027, 3, 18, 15, 0), utc(2027, 3, 22, 9, 0)],
        ),
        (date(2027, 3, 18), 0, []),
    ],
)
def test_nearest_slots(target, count, expected):
    assert nearest_slots(target, SLOTS_BY_DAY, count=count) == expected


def test_nearest_slots_defaults_to_six_and_handles_no_slots():
    assert len(nearest_slots(date(2027, 3, 1), SLOTS_BY_DAY)) == 6
    assert nearest_slots(date(2027, 3, 1), {}) == []


# --- bad input ---------------------------------------------------------------------

NAIVE = datetime(2027, 3, 15, 9, 0)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: slots(MONDAY, DAY_SHIFT, now=NAIVE), id="naive-now"),
        pytest.param(lambda: check(NAIVE, DAY_SHIFT), id="naive-start"),
        pytest.param(lambda: slots(MONDAY, DAY_SHIFT, service=0), id="no-service-length"),
        pytest.param(lambda: Busy(NAIVE, at(MONDAY, "10:00")), id="naive-busy"),
        pytest.param(lambda: Busy(at(MONDAY, "10:00"), at(MONDAY, "09:00")), id="busy-backwards"),
        pytest.param(lambda: shift(7, "09:00", "17:00"), id="weekday-out-of-range"),
        pytest.param(lambda: shift(MON, "17:00", "09:00"), id="overnight-shift"),
        pytest.param(lambda: BookingPolicy(grid_minutes=0), id="zero-grid"),
        pytest.param(lambda: BookingPolicy(buffer_minutes=-5), id="negative-buffer"),
    ],
)
def test_bad_input_is_rejected(make):
    with pytest.raises(ValueError):
        make()


# --- free_slots per shift == every instant checked one by one ---------------------------------
# `free_slots` works per shift (hours minus busy intervals); it used to try every grid instant of
# the day with `is_bookable`. The old way, kept here only, is the reference.


def _one_by_one(day, shifts, *, busy, service, policy, now, location_id=LOC):
    from portal.booking.availability import _grid_instants

    return [start for start in _grid_instants(day, policy.grid_minutes)
            if is_bookable(start, shifts=shifts, location_id=location_id, busy=busy, service_minutes=service,
                           policy=policy, now=now) is None]


_CLOCK_CHANGE_DAYS = [date(2027, 3, 28), date(2027, 10, 31), date(2026, 3, 29), date(2026, 10, 25)]


def _random_diary(rng):
    day = rng.choice(_CLOCK_CHANGE_DAYS) if rng.random() < 0.3 else date(2027, 1, 1) + timedelta(days=rng.randrange(365))
    grid = rng.choice([5, 10, 15, 15, 15, 30])
    shifts = []
    for _ in range(rng.randint(0, 4)):
        start = rng.randrange(0, 23 * 60, 5)
        end = rng.randrange(start + 5, 24 * 60, 5) if rng.random() < 0.9 else start + 5
        end = min(end, 23 * 60 + 55)
        weekday = day.weekday() if rng.random() < 0.85 else rng.randrange(7)
        shifts.append(Shift(weekday, time(start // 60, start % 60), time(end // 60, end % 60),
                            LOC if rng.random() < 0.85 else OTHER_LOC))
    midnight = at(day, "00:00")
    busy_list = []
    for _ in range(rng.randint(0, 8)):
        begins = midnight + timedelta(minutes=rng.randrange(-180, 26 * 60, rng.choice([1, 5, 15])))
        length = timedelta(minutes=rng.choice([0, 5, 15, 30, 45, 60, 90, 120, 600]))
        busy_list.append(Busy(begins, begins + length, away=rng.random() < 0.2))
    policy = BookingPolicy(grid_minutes=grid, buffer_minutes=rng.choice([0, 5, 15, 30]),
                           min_notice=timedelta(minutes=rng.choice([0, 60, 120])),
                           horizon=timedelta(hours=rng.choice([2, 12, 24 * 56])))
    now = midnight + timedelta(minutes=rng.randrange(-36 * 60, 20 * 60))
    service = rng.choice([5, 15, 30, 45, 60, 75, 90, 120, 240, 600])
    return day, shifts, busy_list, service, policy, now


def test_free_slots_equals_checking_every_instant_on_random_diaries():
    import random

    rng = random.Random(20261204)
    offered_somewhere = 0
    for case in range(4000):
        day, shifts, booked, service, policy, now = _random_diary(rng)
        expected = _one_by_one(day, shifts, busy=booked, service=service, policy=policy, now=now)
        got = free_slots(day=day, shifts=shifts, location_id=LOC, busy=booked, service_minutes=service,
                         policy=policy, now=now)
        assert got == expected, (case, day, shifts, booked, service, policy, now)
        offered_somewhere += bool(expected)
    # The random diaries must exercise both answers, not only "nothing free".
    assert 500 < offered_somewhere < 3500


# --- edges of the per-shift computation -------------------------------------------------------


def test_a_time_exactly_at_the_notice_and_the_horizon_is_offered():
    now = at(MONDAY, "07:00")
    policy = BookingPolicy(min_notice=timedelta(hours=2), horizon=timedelta(hours=5))
    # 09:00 is exactly 2 hours' notice, 12:00 exactly the 5-hour horizon: both offered.
    assert labels(slots(MONDAY, DAY_SHIFT, now=now, policy=policy)) == every("09:00", "12:00")
    assert labels(slots(MONDAY, DAY_SHIFT, now=now + timedelta(minutes=1), policy=policy)) == every("09:15", "12:00")


def test_a_busy_block_touching_the_shift_end_leaves_room_before_it_and_its_buffer():
    booked = [busy(MONDAY, "16:00", "17:00")]
    # Free until 14:45: a 60-minute massage ending 15:45 keeps the 15-minute changeover before 16:00.
    assert labels(slots(MONDAY, DAY_SHIFT, busy=booked)) == every("09:00", "14:45")
    # One that ends exactly at the shift's end (17:00) still lets the last start be at 16:00.
    assert labels(slots(MONDAY, DAY_SHIFT, busy=[busy(MONDAY, "17:00", "18:00")]))[-1] == "15:45"
    assert labels(slots(MONDAY, DAY_SHIFT, busy=[busy(MONDAY, "17:15", "18:00")]))[-1] == "16:00"


def test_a_service_longer_than_every_gap_gets_nothing():
    booked = [busy(MONDAY, "10:30", "11:30"), busy(MONDAY, "13:00", "14:00"), busy(MONDAY, "15:30", "16:00")]
    # Gaps (with 15 minutes' changeover either side): 09:00-10:15, 11:45-12:45, 14:15-15:15, 16:15-17:00.
    assert labels(slots(MONDAY, DAY_SHIFT, busy=booked, service=75)) == ["09:00"]
    assert slots(MONDAY, DAY_SHIFT, busy=booked, service=90) == []
    assert slots(MONDAY, DAY_SHIFT, service=8 * 60 + 15) == []


@pytest.mark.parametrize("day", _CLOCK_CHANGE_DAYS)
def test_clock_change_days_per_shift_match_one_by_one(day):
    night = [shift(day.weekday(), "00:00", "04:00")]
    booked = [Busy(at(day, "01:30"), at(day, "01:30") + timedelta(minutes=30))]
    now = at(day, "00:00") - timedelta(days=1)
    for service in (15, 60, 150):
        expected = _one_by_one(day, night, busy=booked, service=service, policy=POLICY, now=now)
        assert slots(day, night, busy=booked, service=service, now=now) == expected
        assert service == 150 or expected  # the short ones find something around the change


def test_hours_left_says_whether_a_day_can_still_offer_a_start():
    """The booking page reads no diary for a day whose hours are over by the earliest start."""
    hours = [shift(MON, "09:00", "13:00"), shift(MON, "14:00", "17:00"), shift(MON, "09:00", "20:00", OTHER_LOC)]
    assert hours_left(MONDAY, hours, LOC, at(MONDAY, "16:59"))
    assert not hours_left(MONDAY, hours, LOC, at(MONDAY, "17:00"))  # exactly at the end: nothing fits
    assert hours_left(MONDAY, hours, OTHER_LOC, at(MONDAY, "17:00"))
    assert not hours_left(MONDAY + timedelta(days=1), hours, LOC, at(MONDAY, "08:00"))  # no hours that Tuesday
    # Long enough for the service: 16:15 leaves 45 minutes, 16:16 does not; 12:30 leaves the
    # morning's half hour, then the whole afternoon (a later stretch counts from its own start).
    forty_five = timedelta(minutes=45)
    assert hours_left(MONDAY, hours, LOC, at(MONDAY, "16:15"), forty_five)
    assert not hours_left(MONDAY, hours, LOC, at(MONDAY, "16:16"), forty_five)
    assert hours_left(MONDAY, hours[:1], LOC, at(MONDAY, "12:30"), timedelta(minutes=30))
    assert not hours_left(MONDAY, hours[:1], LOC, at(MONDAY, "12:30"), forty_five)
    assert hours_left(MONDAY, hours, LOC, at(MONDAY, "12:30"), timedelta(hours=3))
    assert not hours_left(MONDAY, hours, LOC, at(MONDAY, "12:30"), timedelta(hours=3, minutes=1))
    # The earliest start is the notice from now (two hours by default; none for reception).
    assert earliest_start(POLICY, at(MONDAY, "15:00")) == at(MONDAY, "17:00")
    assert earliest_start(BookingPolicy(min_notice=timedelta(0)), at(MONDAY, "15:00")) == at(MONDAY, "15:00")
    # Across the autumn change the hours are the wall clock's: 09:00-17:00 GMT that Sunday.
    autumn = date(2027, 10, 31)
    sunday = [shift(SUN, "09:00", "17:00")]
    assert hours_left(autumn, sunday, LOC, at(autumn, "16:45")) and not hours_left(autumn, sunday, LOC, at(autumn, "17:00"))
    # free_slots agrees: with no hours left, no start, whatever the diary.
    assert not free_slots(day=MONDAY, shifts=hours, location_id=LOC, busy=[], service_minutes=45, policy=POLICY,
                          now=at(MONDAY, "15:00"))


def test_a_busy_read_from_the_diaries_is_the_busy_the_rules_build():
    start = datetime(2026, 3, 16, 10, tzinfo=UTC)
    stored = Busy.stored(start, start + timedelta(hours=1), True)
    assert stored == Busy(start, start + timedelta(hours=1), away=True) and stored.away is True
    assert {stored, Busy(start, start + timedelta(hours=1), away=True)} == {stored}  # hashable, as Busy
