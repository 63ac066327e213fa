"""Stored in UTC, shown in the salon's own time (Europe/London, BST and GMT)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SALON_TZ = ZoneInfo("Europe/London")


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(SALON_TZ)

