"""The booking gate: what the booking code must ask before it creates an appointment."""

from __future__ import annotations

from datetime import date

from portal.guidance.rules import BookingDecision, HealthFacts, booking_decision
from portal.salon.models import PREGNANCY_MASSAGE, Service, Therapist

BACK_AREA_WORDS = ("back",)


def works_on_back(service: Service) -> bool:
    """All three salon services work on the back (the Indian head massage includes the upper back)."""
    return any(word in area for area in service.areas for word in BACK_AREA_WORDS)


def check_booking(client_id: int, service: Service, therapist: Therapist, on: date) -> BookingDecision:
    """Allowed or refused, with the reasons, for this client, service and therapist on that day."""
    facts = HealthFacts()  # replaced by the client's stored profile in the profile feature
    return booking_decision(facts, works_on_back(service), therapist.has_qualification(PREGNANCY_MASSAGE), on)
