"""The report's period and the share link's lifetime: pure rules (no Flask, no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.formatting import date_format

# The period shown when the client has not chosen one: the last six months.
DEFAULT_MONTHS = 6
DEFAULT_DAYS = 182
# The earliest start accepted (a year like 0001 is a typo or a probe, and breaks date arithmetic).
EARLIEST = date(1900, 1, 1)

# How long a share link works, in days: the client's choice, 7 unless they say otherwise.
LINK_DAYS = (1, 7, 30)
DEFAULT_LINK_DAYS = 7


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS), today


def period_problems(start: date | None, end: date | None, today: date) -> dict[str, str]:
    """What is wrong with a chosen period, per field ("start"/"end"), in the client's words;
    empty when the period is fine. Both days are included in the report."""
    problems: dict[str, str] = {}
    if start is None:
        problems["start"] = "Please enter the first day, e.g. 1 June 2026."
    elif start < EARLIEST:
        problems["start"] = f"Please choose a first day from {EARLIEST.year} on."
    elif start > today:
        problems["start"] = "The first day cannot be in the future."
    if end is None:
        problems["end"] = "Please enter the last day, e.g. 30 November 2026."
    elif end > today:
        problems["end"] = "The last day cannot be in the future: choose today or earlier."
    elif end < EARLIEST:
        problems["end"] = f"Please choose a last day from {EARLIEST.year} on."
    if not problems and start > end:
        problems["start"] = "The first day must be before the last day."
    return problems


def link_expires(made: datetime, days: int) -> datetime:
    if days not in LINK_DAYS:
        raise ValueError(f"a share link lasts {LINK_DAYS} days, not {days}")
    return made + timedelta(days=days)


def link_is_open(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    """A link works until the instant it expires (at that instant it is closed) and never after
    it is revoked."""
    return revoked_at is None and now < expires_at


def viewer_name(made: date, ends: date) -> str:
    """How a view through a link reads in the client's access log: 'Shared link (made 3 Dec, ends 10 Dec)'."""
    return f"Shared link (made {date_format(made, '{day} %b')}, ends {date_format(ends, '{day} %b')})"
