"""The booking gate: what the booking code must ask, on the server, before it creates or moves
an appointment. It reads the stored profile at the moment of asking, so a condition added a
minute ago already counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from portal import vocabulary
from portal.guidance.rules import ASK_GP, CONDITIONS, NOT_NOW, BookingDecision, HealthFacts, booking_decision
from portal.profile.services import content_for_use, facts_for  # noqa: F401  (booking reads facts through the gate)
from portal.salon.models import PREGNANCY_MASSAGE, Service, Therapist
from portal.salon.catalogue_cache import active_services  # the process's copy: no read


def works_on_back(service: Service) -> bool:
    """Does the service's list of areas include a back area (upper or lower)? All three salon
    services do: Indian Head Massage includes the upper back."""
    return vocabulary.works_on_back(service.areas)


def decide(facts: HealthFacts, service: Service, therapist: Therapist, on: date) -> BookingDecision:
    """The gate for facts already read (several therapists in one request share one read)."""
    return decider(facts, service, on)(therapist)


def decider(facts: HealthFacts, service: Service, on: date) -> Callable[[Therapist], BookingDecision]:
    """`decide` for one service and day, therapist by therapist (the booking page asks it of every
    therapist of a chain): a therapist counts only through their pregnancy training, so it
    decides at most twice."""
    back, made = works_on_back(service), {}

    def for_therapist(therapist: Therapist) -> BookingDecision:
        trained = therapist.has_qualification(PREGNANCY_MASSAGE)
        if trained not in made:
            made[trained] = booking_decision(facts, back, trained, on)
        return made[trained]
    return for_therapist


def check_booking(client_id: int, service: Service, therapist: Therapist, on: date) -> BookingDecision:
    """Allowed or refused, with the reasons, for this client, service and therapist on that day."""
    return decide(facts_for(client_id), service, therapist, on)


def booking_outlook(facts: HealthFacts, on: date) -> BookingDecision:
    """Can this client book a back-area massage at all (with a suitably trained therapist)?

    Shown on the guidance page so the client sees the gate before they try to book.
    """
    return booking_decision(facts, True, True, on)


def refused_wording(refused: list[str], offered: int) -> str:
    """What the outlook says cannot be booked ("You can't book ___ just now."), named from the
    catalogue: all three of ours work on the back, Indian Head included, so a fixed "back, neck
    or full body massage" was wrong."""
    if not refused:  # no catalogue to name: say what the gate refuses
        return "a massage that works on your back"
    names = refused[0] if len(refused) == 1 else ", ".join(refused[:-1]) + " or " + refused[-1]
    if len(refused) == offered and offered > 1:
        return f"any of our massages ({names})"
    return names


def outlook_refusal(facts: HealthFacts, on: date) -> str:
    """`refused_wording` for the active services this client cannot book, whoever the therapist."""
    offered = active_services()
    refused = [s.name for s in offered if not booking_decision(facts, works_on_back(s), True, on).allowed]
    return refused_wording(refused, len(offered))


def screening_needed(client_id: int) -> bool:
    """No consented profile to act on (never given, withdrawn, deleted or empty): the gate has
    nothing to read, so online booking asks the client to confirm the screening question."""
    return content_for_use(client_id) is None


def screening_conditions() -> list[str]:
    """The conditions the screening tick covers, in plain words: every one the gate would refuse
    some booking for if the profile said so: "not now", "ask your GP first", and pregnancy (the
    salon: "Seek therapists with specific pregnancy massage training rather than standard back
    massage"; without a profile the gate cannot keep to trained therapists)."""
    return [rule.label for rule in CONDITIONS.values()
            if rule.level in (NOT_NOW, ASK_GP) or rule.needs_pregnancy_trained_therapist]
