"""How dates and times read on pages and in emails: the one module of formatters.

Formats are strftime patterns plus `{day}` for the day of the month without a leading zero
("3 March"): strftime's own `%-d` exists only on glibc, so it is never used. Times are shown on
the salon's clock (Europe/London). Imports nothing from Flask or the database.
"""

from __future__ import annotations

from datetime import date, datetime

from portal.timezones import to_local

DAY = "{day}"


def iso_or_none(value: date | datetime | None) -> str | None:
    """A day or moment as ISO text for a document (the export, a sealed profile), None as None."""
    return value.isoformat() if value else None


def date_format(value: date | datetime | None, fmt: str) -> str:
    """`value` (a date, or a datetime already on the clock wanted) by `fmt` ('%A {day} %B')."""
    if value is None:
        return ""
    return value.strftime(fmt).replace(DAY, str(value.day))


def local_datetime(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """An aware UTC time as the salon's clock shows it (template filter `local_datetime`)."""
    if moment is None:
        return ""
    return date_format(to_local(moment), fmt)


def clock_time(moment: datetime) -> str:
    """'09:30': an aware time on the salon's clock, hours and minutes (pages that draw many, such
    as a day's free times or a salon's day, call it per row: no strftime)."""
    local = to_local(moment)
    return f"{local.hour:02d}:{local.minute:02d}"


def format_date(day: date) -> str:
    """'3 March 2025': unambiguous for UK readers, no leading zero (filter `long_date`)."""
    return date_format(day, "{day} %B %Y")
