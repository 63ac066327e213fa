"""When each message between visits is due, and quiet hours: value for value, on the salon's
clock, through both clock-change weekends (2027: forward 28 March, back 31 October)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from portal.reminders import rules

UTC = timezone.utc
SECOND = timedelta(seconds=1)


def z(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- quiet hours: 21:00 to 08:00 salon time --------------------------------------------------------

@pytest.mark.parametrize("now, expected", [
    # Winter (GMT): salon time is UTC.
    (z(2027, 1, 12, 20, 59), None),
    (z(2027, 1, 12, 21, 0), z(2027, 1, 13, 8, 0)),
    (z(2027, 1, 13, 7, 59), z(2027, 1, 13, 8, 0)),
    (z(2027, 1, 13, 8, 0), None),
    (z(2027, 1, 12, 23, 59, 59), z(2027, 1, 13, 8, 0)),
    (z(2027, 1, 13, 0, 0), z(2027, 1, 13, 8, 0)),
    # Summer (BST, UTC+1): 21:00 salon time is 20:00Z, 08:00 is 07:00Z.
    (z(2027, 6, 14, 19, 59), None),
    (z(2027, 6, 14, 20, 0), z(2027, 6, 15, 7, 0)),
    (z(2027, 6, 15, 6, 59), z(2027, 6, 15, 7, 0)),
    (z(2027, 6, 15, 7, 0), None),
    # Spring forward: 21:00 GMT on Saturday waits until 08:00 BST on Sunday (07:00Z), 10 hours.
    (z(2027, 3, 27, 21, 0), z(2027, 3, 28, 7, 0)),
    (z(2027, 3, 27, 20, 59), None),
    (z(2027, 3, 28, 6, 59), z(2027, 3, 28, 7, 0)),  # 07:59 BST
    (z(2027, 3, 28, 7, 0), None),  # 08:00 BST
    # Fall back: 21:00 BST on Saturday (20:00Z) waits until 08:00 GMT on Sunday (08:00Z), 12 hours.
    (z(2027, 10, 30, 20, 0), z(2027, 10, 31, 8, 0)),
    (z(2027, 10, 30, 19, 59), None),
    (z(2027, 10, 31, 1, 30), z(2027, 10, 31, 8, 0)),  # in the repeated hour
    (z(2027, 10, 31, 7, 59), z(2027, 10, 31, 8, 0)),  # 07:59 GMT
    (z(2027, 10, 31, 8, 0), None),
])
def test_quiet_hours_delay_to_eight_in_the_morning_salon_time(now, expected):
    assert rules.not_before(now) == expected


# --- the day-before reminder ------------------------------------------------------------------------

@pytest.mark.parametrize("starts_at, first, last", [
    # An ordinary GMT Thursday: all of Wednesday, 00:00Z to 23:59:59Z.
    (z(2027, 1, 14, 10, 0), z(2027, 1, 13, 0, 0), z(2027, 1, 13, 23, 59, 59)),
    # Sunday 28 March 10:00 BST: the day before is Saturday, still GMT.
    (z(2027, 3, 28, 9, 0), z(2027, 3, 27, 0, 0), z(2027, 3, 27, 23, 59, 59)),
    # Monday 29 March 10:00 BST: the day before is the 23-hour Sunday, 00:00Z to 22:59:59Z.
    (z(2027, 3, 29, 9, 0), z(2027, 3, 28, 0, 0), z(2027, 3, 28, 22, 59, 59)),
    # Sunday 31 October 10:00 GMT: the day before is Saturday, BST: 23:00Z Friday to 22:59:59Z.
    (z(2027, 10, 31, 10, 0), z(2027, 10, 29, 23, 0), z(2027, 10, 30, 22, 59, 59)),
    # Monday 1 November 10:00 GMT: the day before is the 25-hour Sunday, 23:00Z Sat to 23:59:59Z Sun.
    (z(2027, 11, 1, 10, 0), z(2027, 10, 30, 23, 0), z(2027, 10, 31, 23, 59, 59)),
])
def test_the_reminder_is_due_all_through_the_salon_day_before(starts_at, first, last):
    assert not rules.reminder_due(starts_at, first - SECOND)
    assert rules.reminder_due(starts_at, first)
    assert rules.reminder_due(starts_at, last)
    assert not rules.reminder_due(starts_at, last + SECOND)


def test_follow_ups_are_due_from_their_hour_for_a_day():
    ends = z(2027, 3, 27, 23, 30)  # across the spring change: elapsed hours, not wall-clock ones
    assert not rules.feel_due(ends, ends + timedelta(hours=3) - SECOND)
    assert rules.feel_due(ends, ends + timedelta(hours=3))
    assert rules.feel_due(ends, ends + timedelta(hours=24) - SECOND)
    assert not rules.feel_due(ends, ends + timedelta(hours=24))
    assert not rules.relief_due(ends, ends + timedelta(hours=48) - SECOND)
    assert rules.relief_due(ends, ends + timedelta(hours=48))
    assert rules.relief_due(ends, ends + timedelta(hours=72) - SECOND)
    assert not rules.relief_due(ends, ends + timedelta(hours=72))


def test_the_nudge_is_due_from_the_due_date():
    due = date(2027, 4, 5)
    assert not rules.nudge_due(due, due - timedelta(days=1))
    assert rules.nudge_due(due, due)
    assert rules.nudge_due(due, due + timedelta(days=3))
    assert not rules.nudge_due(None, due)


@pytest.mark.parametrize("now, due", [
    (z(2027, 1, 13, 5, 59, 59), False), (z(2027, 1, 13, 6, 0), True),
    (z(2027, 3, 28, 4, 59, 59), False), (z(2027, 3, 28, 5, 0), True),  # 06:00 BST
    (z(2027, 10, 31, 5, 59, 59), False), (z(2027, 10, 31, 6, 0), True),  # 06:00 GMT
])
def test_the_morning_list_goes_from_six_salon_time(now, due):
    assert rules.morning_list_due(now) is due


def test_salon_time_follows_the_clock_changes():
    assert rules.salon_time(date(2027, 3, 28), rules.QUIET_UNTIL) == z(2027, 3, 28, 7, 0)
    assert rules.salon_time(date(2027, 10, 31), rules.QUIET_UNTIL) == z(2027, 10, 31, 8, 0)
