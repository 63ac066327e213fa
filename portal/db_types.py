"""Column types shared by every feature, and the ranges of values they can hold."""

from datetime import date, datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


# Ids are PostgreSQL `integer` columns: a larger number can't name a row, and sending one to
# the database is an error (SQLite can't even bind past 2**63), so it is refused before that.
MAX_ID = 2**31 - 1
# The days the portal reads from forms and addresses. Far wider than any booking or schedule
# needs, and far enough inside Python's years 1-9999 that a day either side, or a time zone
# offset, never overflows.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def valid_id(value: int | None) -> bool:
    return value is not None and 1 <= value <= MAX_ID


def day_in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as naive UTC and hands back aware UTC on every backend.

    SQLite keeps no time zone, so the column is naive everywhere and the conversion lives here.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime; naive times are ambiguous")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # The constructor, not value.replace(tzinfo=...): a third of the time on Python 3.11, and
        # a busy salon's booking page reads hundreds of these.
        return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        value.microsecond, timezone.utc)

