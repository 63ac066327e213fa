"""The rota's pure rules, value for value: shifts and the instants time off covers (DST days too)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from portal.rota.rules import (MAX_TIME_OFF_DAYS, OtherShift, ShiftSpec, TimeOffProblem, shift_problems,
                               time_off_interval)

UTC = timezone.utc
TODAY = date(2027, 3, 8)
SPRING_SUNDAY = date(2027, 3, 28)
AUTUMN_SUNDAY = date(2027, 10, 31)


def spec(start="09:00", end="17:00", weekday=0, location=1) -> ShiftSpec:
    return ShiftSpec(weekday, time.fromisoformat(start), time.fromisoformat(end), location)


OTHERS = [OtherShift(7, 0, time(9), time(13), "Gosforth")]


@pytest.mark.parametrize("start,end,field", [
    ("17:00", "09:00", "ends_at"),  # ends before it starts
    ("09:00", "09:00", "ends_at"),  # no length
    ("09:10", "17:00", "starts_at"),  # off the 15-minute grid
    ("09:00", "16:50", "ends_at"),
])
def test_a_shift_ends_after_it_starts_on_the_grid(start, end, field):
    problems = shift_problems(spec(start, end), [], 15)
    assert list(problems) == [field]


def test_the_messages_say_what_to_do():
    assert "end after it starts" in shift_problems(spec("17:00", "09:00"), [], 15)["ends_at"]
    assert "every 30 minutes" in shift_problems(spec("09:15", "17:00"), [], 30)["starts_at"]


def test_no_two_shifts_of_one_therapist_overlap_even_at_another_salon():
    problems = shift_problems(spec("12:00", "17:00", location=2), OTHERS, 15)
    assert "overlaps their Monday shift 09:00-13:00 at Gosforth" in problems["starts_at"]
    # Touching is one working day; another weekday is no clash.
    assert shift_problems(spec("13:00", "17:00", location=2), OTHERS, 15) == {}
    assert shift_problems(spec("09:00", "17:00", weekday=1), OTHERS, 15) == {}


def test_a_weekday_outside_the_week_is_refused():
    assert "weekday" in shift_problems(spec(weekday=7), [], 15)


def hours(interval) -> float:
    begin, end = interval
    return (end - begin) / timedelta(hours=1)


def test_a_whole_day_runs_midnight_to_midnight_salon_time():
    begin, end = time_off_interval(date(2027, 3, 15), None, None, None, today=TODAY, grid_minutes=15)
    assert begin == datetime(2027, 3, 15, 0, 0, tzinfo=UTC) and end == datetime(2027, 3, 16, 0, 0, tzinfo=UTC)
    # In summer time the salon's midnight is 23:00 UTC the evening before.
    begin, _ = time_off_interval(date(2027, 6, 1), None, None, None, today=TODAY, grid_minutes=15)
    assert begin == datetime(2027, 5, 31, 23, 0, tzinfo=UTC)


def test_clock_change_days_are_23_and_25_hours_long():
    assert hours(time_off_interval(SPRING_SUNDAY, None, None, None, today=TODAY, grid_minutes=15)) == 23
    assert hours(time_off_interval(AUTUMN_SUNDAY, None, None, None, today=TODAY, grid_minutes=15)) == 25
    # A range across the spring change: three days, one of them short.
    assert hours(time_off_interval(date(2027, 3, 27), date(2027, 3, 29), None, None, today=TODAY,
                                   grid_minutes=15)) == 71


def test_part_of_a_day_on_clock_change_days():
    # Spring: 01:30 does not exist that night.
    with pytest.raises(TimeOffProblem) as problem:
        time_off_interval(SPRING_SUNDAY, None, time(1, 30), time(4), today=TODAY, grid_minutes=15)
    assert problem.value.field == "starts_at" and "clocks go forward" in problem.value.message
    # 00:00-03:00 that night is two real hours.
    assert hours(time_off_interval(SPRING_SUNDAY, None, time(0), time(3), today=TODAY, grid_minutes=15)) == 2
    # Autumn: a repeated time means its first pass (BST), and 00:00-03:00 is four real hours.
    begin, _ = time_off_interval(AUTUMN_SUNDAY, None, time(1, 30), time(3), today=TODAY, grid_minutes=15)
    assert begin == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert hours(time_off_interval(AUTUMN_SUNDAY, None, time(0), time(3), today=TODAY, grid_minutes=15)) == 4


@pytest.mark.parametrize("first,last,start,end,field", [
    (date(2027, 3, 7), None, None, None, "first_day"),  # already passed
    (date(2027, 3, 15), date(2027, 3, 14), None, None, "last_day"),  # last before first
    (date(2027, 3, 15), None, time(9), None, "ends_at"),  # only one time
    (date(2027, 3, 15), None, None, time(9), "starts_at"),
    (date(2027, 3, 15), date(2027, 3, 16), time(9), time(12), "last_day"),  # part of a day is one day
    (date(2027, 3, 15), None, time(12), time(9), "ends_at"),  # ends before it starts
    (date(2027, 3, 15), None, time(9, 5), time(12), "starts_at"),  # off the grid
    (date(2027, 3, 15), date(2027, 3, 15) + timedelta(days=MAX_TIME_OFF_DAYS), None, None, "last_day"),
])
def test_time_off_that_makes_no_sense_is_refused_on_its_field(first, last, start, end, field):
    with pytest.raises(TimeOffProblem) as problem:
        time_off_interval(first, last, start, end, today=TODAY, grid_minutes=15)
    assert problem.value.field == field


def test_today_and_the_longest_range_are_accepted():
    assert hours(time_off_interval(TODAY, None, time(13), time(17), today=TODAY, grid_minutes=15)) == 4
    last = date(2027, 3, 15) + timedelta(days=MAX_TIME_OFF_DAYS - 1)
    assert time_off_interval(date(2027, 3, 15), last, None, None, today=TODAY, grid_minutes=15)


def test_time_off_reads_as_people_say_it():
    from portal.rota.rules import local_instant, time_off_words

    def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
        return local_instant(day, time(hour, minute))

    # Whole days: local midnight to local midnight, the last day shown is the one before the end.
    assert time_off_words(at(date(2026, 12, 11)), at(date(2026, 12, 12))) == "Fri 11 Dec 2026, all day"
    assert time_off_words(at(date(2026, 12, 14)), at(date(2026, 12, 19))) == "Mon 14 Dec 2026 to Fri 18 Dec 2026, all day"
    # The clocks go back that Sunday (25 hours), and forward in March (23 hours): still one day.
    assert time_off_words(at(date(2026, 10, 25)), at(date(2026, 10, 26))) == "Sun 25 Oct 2026, all day"
    assert time_off_words(at(date(2027, 3, 28)), at(date(2027, 3, 29))) == "Sun 28 Mar 2027, all day"
    # Part of a day, on the salon's clock (BST in summer).
    assert time_off_words(at(date(2026, 12, 2), 14), at(date(2026, 12, 2), 20)) == "Wed 2 Dec 2026, 14:00 to 20:00"
    assert time_off_words(at(date(2026, 7, 1), 9, 30), at(date(2026, 7, 1), 13)) == "Wed 1 Jul 2026, 09:30 to 13:00"
    # Anything else, e.g. across midnight: both ends in full.
    assert (time_off_words(at(date(2026, 12, 2), 18), at(date(2026, 12, 3), 12))
            == "Wed 2 Dec 2026, 18:00 to Thu 3 Dec 2026, 12:00")
