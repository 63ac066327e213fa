"""Reads of appointments that other features need."""

from __future__ import annotations

from datetime import date


def completed_dates(client_id: int) -> list[date]:
    """Local dates of the client's completed appointments, oldest first."""
    return []
