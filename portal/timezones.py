"""Stored in UTC, shown in the salon's own time (Europe/London, BST and GMT)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SALON_TZ = ZoneInfo("Europe/London")


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(SALON_TZ)


def local_datetime(moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Template filter: an aware UTC time as the salon's clock shows it."""
    if moment is None:
        return ""
    return to_local(moment).strftime(fmt)

