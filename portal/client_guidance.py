"""Guidance for one client: the one place that reads the profile, booking and feedback features
together and hands what it read to the pure rules (`portal.guidance.rules.guidance_for`).

It sits above those three features (see docs/architecture.md), so none of them imports it:
their pages and panels do, and pass what they need (the next due date, the suggested massage)
down into booking as plain values.
"""

from __future__ import annotations

from datetime import date

from portal import clock
from portal.booking.queries import completed_dates
from portal.feedback.services import history_for_guidance, visits_and_feedback_for_guidance
from portal.guidance.rules import Guidance, HealthFacts, guidance_for
from portal.profile.services import facts_for
from portal.read_memo import remembered
from portal.salon.queries import catalogue


def guidance_for_client(client_id: int, today: date | None = None,
                        facts: HealthFacts | None = None, booked: list[date] | None = None) -> Guidance:
    """Guidance as the client sees it; `facts` previews an unsaved profile instead of the stored one.

    Its `next_due` is the one next due date every page shows (the guidance, the dashboard, the
    rebook offer): it counts the client's upcoming bookings (`booked`, their local days, when the
    caller has read them already)."""
    days = tuple(booked) if booked is not None else None
    if facts is None and today is None:
        return _stored_guidance(client_id, days)  # the dashboard's panels ask for it more than once
    return _guidance(client_id, today or clock.today(), facts, days)


@remembered
def _stored_guidance(client_id: int, booked: tuple[date, ...] | None) -> Guidance:
    return _guidance(client_id, clock.today(), None, booked)


def _guidance(client_id: int, today: date, facts: HealthFacts | None, booked: tuple[date, ...] | None) -> Guidance:
    facts = facts if facts is not None else facts_for(client_id)
    if booked is None:  # the visits done, those booked ahead and the feedback, in one read
        done, ahead, given = visits_and_feedback_for_guidance(client_id)
    else:
        done, ahead, given = completed_dates(client_id), list(booked), history_for_guidance(client_id)
    return guidance_for(facts, done, given, today, catalogue(), booked=ahead)

