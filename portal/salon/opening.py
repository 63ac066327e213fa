"""When a salon is open, worked out from its therapists' weekly hours (pure: no Flask, no database).

A salon is open while at least one therapist works there: the shifts of one weekday are merged
where they overlap or touch, so 09:00-13:00 and 12:00-17:00 read as 09:00-17:00, and a gap
between shifts (nobody in) shows as two spells.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Shift:
    """One weekly shift: where, which weekday (0 = Monday) and its local start and end."""

    location_id: int
    weekday: int
    starts_at: time
    ends_at: time


@dataclass(frozen=True)
class OpeningDay:
    weekday: int
    spells: tuple[tuple[time, time], ...]  # empty: closed

    @property
    def name(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def is_open(self) -> bool:
        return bool(self.spells)


def _merged(spells: Iterable[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    merged: list[list[time]] = []
    for start, end in sorted(spells):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def opening_week(shifts: Iterable[Shift], location_id: int) -> list[OpeningDay]:
    """Monday to Sunday at one salon: when at least one therapist is working there."""
    by_day: dict[int, list[tuple[time, time]]] = {day: [] for day in range(7)}
    for shift in shifts:
        if shift.location_id == location_id:
            by_day[shift.weekday].append((shift.starts_at, shift.ends_at))
    return [OpeningDay(day, _merged(spells)) for day, spells in by_day.items()]


def opening_ranges(week: list[OpeningDay]) -> list[tuple[str, str]]:
    """The week for people: consecutive days with the same hours together.

    [("Monday to Friday", "09:00-17:00"), ("Saturday", "10:00-16:00"), ("Sunday", "Closed")]"""
    rows: list[tuple[int, int, tuple]] = []
    for day in week:
        if rows and rows[-1][2] == day.spells and rows[-1][1] == day.weekday - 1:
            rows[-1] = (rows[-1][0], day.weekday, day.spells)
        else:
            rows.append((day.weekday, day.weekday, day.spells))
    out = []
    for first, last, spells in rows:
        days = WEEKDAYS[first] if first == last else (
            f"{WEEKDAYS[first]} and {WEEKDAYS[last]}" if last == first + 1 else f"{WEEKDAYS[first]} to {WEEKDAYS[last]}")
        hours = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in spells) if spells else "Closed"
        out.append((days, hours))
    return out
