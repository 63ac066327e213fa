"""What the client dashboard shows from booking: next appointment and rebooking."""

from __future__ import annotations


def dashboard_context(client_id: int) -> dict:
    return {}
