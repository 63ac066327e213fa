"""The portal's clock: the one place any feature asks "what time is it?" or "what day is it?".

Profile, booking, feedback, accounts and the column defaults all take "now" from here, so a test
can stand on a clock-change Sunday (or any day) with `set_now` (or by replacing `now`), and the
whole portal agrees on the same instant. "Today" is always the salon's day (Europe/London), never
the server's. Imports nothing from Flask or the database.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from portal.timezones import SALON_TZ

_fixed: datetime | None = None


def now() -> datetime:
    """This instant, aware UTC (the fixed instant while a test has set one)."""
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


def today() -> date:
    """Today on the salon's clock."""
    return now().astimezone(SALON_TZ).date()


def set_now(moment: datetime | None) -> None:
    """Stop the clock at `moment` (aware), or let it run again with None. For tests and demos."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    global _fixed
    _fixed = moment
