"""What the client dashboard shows from the health profile: the guidance summary."""

from __future__ import annotations


def dashboard_context(client_id: int) -> dict:
    return {}
