"""Guidance for one client, from their stored profile, appointments and feedback."""

from __future__ import annotations

from datetime import date

from portal.guidance.rules import Guidance, HealthFacts, SessionFeedback, guidance_for
from portal.timezones import today_local


def guidance_for_client(client_id: int, today: date | None = None,
                        facts: HealthFacts | None = None) -> Guidance:
    """Guidance as the client sees it; `facts` previews an unsaved profile instead of the stored one."""
    from portal.booking.queries import completed_dates
    from portal.profile.gate import facts_for
    from portal.salon.queries import catalogue

    return guidance_for(
        facts if facts is not None else facts_for(client_id),
        completed_dates(client_id),
        feedback_history(client_id),
        today or today_local(),
        catalogue(),
    )


def feedback_history(client_id: int) -> list[SessionFeedback]:
    """The client's session feedback, oldest first."""
    from portal.feedback.services import history_for_guidance

    return history_for_guidance(client_id)
