"""When a session counts as having happened."""

from __future__ import annotations

from datetime import datetime


def is_completed(appointment, now: datetime) -> bool:
    """Its time has passed, it was not cancelled, and the therapist did not mark a no-show."""
    return appointment.ends_at <= now and not appointment.is_cancelled and not appointment.no_show
