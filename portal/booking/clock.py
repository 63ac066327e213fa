"""The booking clock: the one place booking asks "what time is it?".

Every booking read and write takes "now" from here, so a test can stand on a clock-change
Sunday (or any day) by replacing `now`, and the whole feature agrees on the same instant.
"""

from __future__ import annotations

from datetime import date, datetime

from portal.db_types import utcnow
from portal.timezones import SALON_TZ


def now() -> datetime:
    """This instant, aware UTC."""
    return utcnow()


def today() -> date:
    """Today on the salon's clock."""
    return now().astimezone(SALON_TZ).date()
