"""Rebooking: the same massage, therapist and salon again, around when the client is next due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from portal import clock
from portal.booking import availability, services, slots
from portal.booking.models import Appointment
from portal.guidance.rules import BASELINE_INTERVAL_DAYS, BookingDecision, Guidance, every, format_date
from portal.profile import gate
from portal.salon import queries as salon_queries

# Without guidance to go on (no completed massage yet), the salon's baseline (every 4 weeks).
DEFAULT_INTERVAL_DAYS = BASELINE_INTERVAL_DAYS
# How many days either side of the due date to look, how many times to offer, and at most
# how many from one day (spread through it): a choice of days beats six quarter-hours in a row.
SEARCH_RADIUS_DAYS = 7
OFFERED_TIMES = 6
TIMES_PER_DAY = 2


@dataclass
class RebookProposal:
    source: Appointment
    due: date
    due_reason: str
    times: list[datetime] = field(default_factory=list)
    refusal: BookingDecision | None = None
    problem: str | None = None  # why there are no times to offer, in words
    # One key per offered time: each is its own form, carried to the summary, whose Confirm books once.
    keys: list[str] = field(default_factory=list)

    @property
    def offers(self) -> list[tuple[datetime, str]]:
        return list(zip(self.times, self.keys))


def due_date(guidance: Guidance) -> tuple[date, str]:
    """When the client's next massage is due, and why in words: the guidance's own next due date
    (portal.client_guidance, passed in by the page: it sits above booking), which already counts
    their upcoming bookings, so the dashboard, the guidance and this offer show one date.

    Without one (no completed session and nothing booked) the salon's baseline from today.
    """
    if guidance.next_due is None:
        days = DEFAULT_INTERVAL_DAYS
        return (clock.today() + timedelta(days=days),
                f"Regular massage works best: {every(days)} suits most people.")
    if guidance.due_after_booking is not None:
        return guidance.next_due, (f"You are already booked for {format_date(guidance.due_after_booking)}, "
                                   f"so this is the one after that ({every(guidance.interval_days)}).")
    return guidance.next_due, guidance.interval_reason  # "Every 3 weeks because you told us ..."


def not_again(source: Appointment) -> str | None:
    """Why the same massage, therapist and salon as `source` can't be booked again, in words
    (retired, no longer offered at that salon, the therapist gone from it or no longer giving
    it); None when it can."""
    therapist, service = source.therapist, source.service
    if not service.active:
        return f"We no longer offer the {service.name}. Please choose another massage."
    if not salon_queries.offered_at(service.id, source.location_id):
        return f"{source.location.name} no longer offers the {service.name}. Please choose another massage or salon."
    if not therapist.active or not slots.works_at(therapist, source.location_id):
        return f"{therapist.display_name} no longer works at {source.location.name}. Please choose again."
    if not therapist.gives(service):
        return f"{therapist.display_name} no longer gives the {service.name}. Please choose another therapist."
    return None


def proposal(client_id: int, source: Appointment, guidance: Guidance) -> RebookProposal:
    """Free times with the same therapist, salon and massage as `source`, nearest the due date."""
    due, reason = due_date(guidance)
    found = RebookProposal(source=source, due=due, due_reason=reason)
    therapist, service = source.therapist, source.service
    found.problem = not_again(source)
    if found.problem:
        return found
    decision = gate.check_booking(client_id, service, therapist, due)
    if not decision.allowed:
        found.refusal = decision
        return found
    around = days_to_search(due)
    if not around:
        opens = due - slots.policy().horizon
        found.problem = (f"That is further ahead than we take bookings; you can book it from "
                         f"{format_date(opens)}.")
        return found
    by_day = {day: _spread(times) for day, times in
              slots.free_times_by_day(therapist, source.location_id, service, around).items()}
    found.times = availability.nearest_slots(max(due, clock.today()), by_day, OFFERED_TIMES)
    found.keys = [services.new_idempotency_key() for _ in found.times]
    if not found.times:
        found.problem = (f"{therapist.display_name} has nothing free at {source.location.name} "
                         "within a week of then. Please choose another day or therapist.")
    return found


def _spread(times: list[datetime], per_day: int = TIMES_PER_DAY) -> list[datetime]:
    """At most `per_day` of a day's free times, evenly through it (first, then the middle...)."""
    if len(times) <= per_day:
        return times
    step = len(times) / per_day
    return [times[int(n * step)] for n in range(per_day)]


def days_to_search(due: date) -> list[date]:
    """Days within a week of `due` that can be booked now (a past due date searches from today)."""
    return slots.days_around(due, SEARCH_RADIUS_DAYS)
