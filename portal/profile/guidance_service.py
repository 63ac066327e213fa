"""Guidance for one client, from their stored profile, appointments and feedback."""

from __future__ import annotations

from datetime import date

from portal.guidance.rules import Guidance, HealthFacts, guidance_for
from portal.timezones import today_local


def guidance_for_client(client_id: int, today: date | None = None) -> Guidance:
    from portal.booking.queries import completed_dates

    return guidance_for(HealthFacts(), completed_dates(client_id), [], today or today_local())
