"""Demo appointments (past and upcoming) for the demo client and therapist."""

from __future__ import annotations


def load_demo_bookings() -> dict[str, int]:
    return {}
