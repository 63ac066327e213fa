"""Re-checking booked appointments when what the health gate reads has changed.

The profile services send `health_profile_changed` after a save, a healed condition, a
consent withdrawal or a deletion; every upcoming appointment of that client then goes through
the gate again, as if it were booked now. The staff services send
`therapist_qualifications_changed` when a therapist's qualifications change (the gate reads
their pregnancy training); every upcoming appointment of that therapist is re-checked the same way. A refusal is stored on the appointment as a code
(`health_hold`, no health detail); a later re-check that passes clears it. What the client can
do about a hold is read live from the gate (`advice`), for their eyes only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from portal import clock
from portal.booking import queries, slots
from portal.booking.models import Appointment
from portal.extensions import db
from portal.guidance.rules import CODE_NEEDS_PREGNANCY_TRAINED, HealthFacts
from portal.profile import gate
from portal.salon.models import Therapist
from portal.timezones import to_local

log = logging.getLogger("portal.booking")

# The hold when there is no consented profile to check against and the client has not
# confirmed the screening question for this appointment (see `gate.screening_needed`).
NEEDS_SCREENING = "needs_screening"


def on_profile_changed(sender, client_id: int, **extra) -> None:
    """Listener of `health_profile_changed` (connected in portal.listeners).

    It runs after the profile change committed, so it is its own unit of work, as a job would
    be: it commits the holds it set or cleared. (A failure here leaves the profile saved and
    the holds as they were; the next change or move re-checks them.)"""
    recheck_client(client_id)
    db.session.commit()


def on_therapist_qualifications_changed(sender, therapist_id: int, **extra) -> None:
    """Listener of `therapist_qualifications_changed` (connected in portal.listeners): after the
    change committed, its own unit of work like `on_profile_changed`; it commits the holds."""
    recheck_therapist(therapist_id)
    db.session.commit()


def _hold(appointment: Appointment, facts: HealthFacts | None) -> str | None:
    """The hold this appointment should carry: None, a gate refusal code, or NEEDS_SCREENING."""
    if facts is None:
        # Withdrawing consent must not lift a hold: a known refusal becomes "confirm the
        # screening question"; only an unheld appointment ticked at booking stays clear.
        if appointment.health_hold is None and appointment.screening_confirmed_at is not None:
            return None
        return NEEDS_SCREENING
    decision = gate.decide(facts, appointment.service, appointment.therapist, to_local(appointment.starts_at).date())
    return None if decision.allowed else decision.code


def _facts(client_id: int) -> HealthFacts | None:
    return None if gate.screening_needed(client_id) else gate.facts_for(client_id)


def _apply(appointment: Appointment, hold: str | None) -> None:
    if hold == appointment.health_hold:
        return
    appointment.health_hold = hold
    appointment.health_hold_at = clock.now() if hold else None
    # The code is the gate's, but it still says something about the client's health: not logged.
    log.info("health hold %s appointment=%s", "set" if hold else "cleared", appointment.id)


def recheck_client(client_id: int) -> list[Appointment]:
    """Re-check every upcoming booked appointment of the client; returns those now held."""
    upcoming = queries.upcoming(client_id)
    if not upcoming:
        return []
    facts = _facts(client_id)  # one read (and decryption) for all of them
    for appointment in upcoming:
        _apply(appointment, _hold(appointment, facts))
    db.session.flush()
    return [a for a in upcoming if a.health_hold]


def recheck_therapist(therapist_id: int) -> list[Appointment]:
    """Re-check every upcoming booked appointment with the therapist (after their qualifications
    changed); returns those now held. One read of each client's profile, whatever their number
    of appointments. A client without a consented profile is left as they are: the gate then
    reads nothing of the therapist, so the change cannot alter their hold (their screening tick
    is asked when their own profile changes or they book)."""
    facts: dict[int, HealthFacts | None] = {}
    upcoming = queries.upcoming_with_therapist(therapist_id)
    for appointment in upcoming:
        if appointment.client_id not in facts:
            facts[appointment.client_id] = _facts(appointment.client_id)
        if facts[appointment.client_id] is not None:
            _apply(appointment, _hold(appointment, facts[appointment.client_id]))
    db.session.flush()
    return [a for a in upcoming if a.health_hold]


def recheck_appointment(appointment: Appointment) -> None:
    """Re-check one appointment (after it moved or the client confirmed the screening); flushes
    into the caller's transaction."""
    _apply(appointment, _hold(appointment, _facts(appointment.client_id)))
    db.session.flush()


@dataclass
class HoldAdvice:
    """What a held appointment's client can do, read live for the client's own pages."""

    appointment: Appointment
    code: str
    reasons: list[str] = field(default_factory=list)  # the gate's words: what to do about it
    # Suitable therapists free at the same time and salon: one click moves it to them.
    swaps: list[Therapist] = field(default_factory=list)
    can_move: bool = False  # outside the cancellation window (moving keeps the usual rule)

    @property
    def needs_screening(self) -> bool:
        return self.code == NEEDS_SCREENING


def advice(appointment: Appointment) -> HoldAdvice | None:
    """For a held, upcoming appointment: the reasons and the one-click ways out; else None."""
    if appointment.health_hold is None or appointment.is_cancelled or appointment.starts_at <= clock.now():
        return None
    # Only a therapist-specific refusal (pregnancy training) is solved by moving; "not now" and
    # "ask your GP first" would refuse every therapist and time, so no move is offered for them.
    found = HoldAdvice(appointment, appointment.health_hold,
                       can_move=slots.can_change_online(appointment.starts_at)
                       and appointment.health_hold == CODE_NEEDS_PREGNANCY_TRAINED)
    if found.needs_screening:
        return found
    on = to_local(appointment.starts_at).date()
    found.reasons = gate.check_booking(appointment.client_id, appointment.service, appointment.therapist, on).reasons
    if found.can_move:
        found.swaps = free_swaps(appointment)
    return found


def free_swaps(appointment: Appointment) -> list[Therapist]:
    """Other therapists at the same salon whom the gate allows and who are free at that time."""
    others = [t for t in slots.active_therapists()
              if t.id != appointment.therapist_id and slots.works_at(t, appointment.location_id)]
    if not others:
        return []
    on = to_local(appointment.starts_at).date()
    suitable = slots.suitable_therapists(appointment.client_id, appointment.service, on, others)
    return [t for t in suitable.therapists
            if slots.recheck(t, appointment.location_id, appointment.service, appointment.starts_at,
                             minutes=appointment.minutes) is None]


def held_advice(upcoming: list[Appointment]) -> list[HoldAdvice]:
    """The held ones among a client's upcoming appointments, with what to do (for the dashboard)."""
    return [found for a in upcoming if a.health_hold and (found := advice(a))]
