"""What the booking pages offer: the choices, the free times and why some are missing.

Reads only. The choices arrive untrusted (a GET form anyone can edit): anything that can't
be offered falls back to a sensible default instead of an error, because the write path
(`services.book`) re-checks all of it anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from portal import clock
from portal.booking import availability, queries, services, slots
from portal.formatting import clock_time
from portal.guidance.rules import BookingDecision, Guidance
from portal.profile import gate
from portal.salon import catalogue_cache
from portal.salon.models import Location, Service, Therapist
from portal.timezones import to_local


@dataclass
class BookingOffer:
    services: list[Service]
    locations: list[Location]
    therapists: list[Therapist]  # those at the salon the gate lets this client book (and the one chosen)
    service: Service | None
    location: Location | None
    therapist: Therapist | None  # None: any suitable therapist
    day: date
    first_day: date
    last_day: date
    times: list[datetime] = field(default_factory=list)
    refusal: BookingDecision | None = None
    pregnancy_trained_only: bool = False
    # The chosen therapist doesn't work at the chosen salon.
    not_here: bool = False
    next_free_day: date | None = None
    # The day asked for can't be booked (past or beyond the horizon), so another is shown.
    day_adjusted: bool = False
    # The salon asked for doesn't offer the chosen massage, so one that does is shown.
    location_adjusted: bool = False
    idempotency_key: str = ""
    # Without a consented profile: the conditions the client must tick none of, to book.
    screening: list[str] = field(default_factory=list)

    @property
    def therapist_value(self) -> str:
        return str(self.therapist.id) if self.therapist else "any"

    def time_labels(self) -> list[str]:
        """The free times on the salon's clock ("09:30"): each is both what a time's button says and
        what it sends, with the day once (`forms.local_start` reads them back)."""
        return [clock_time(start) for start in self.times]


def _pick(options: list, wanted_id: int | None, fallback_id: Callable[[], int | None]):
    """The option asked for, else the fallback's (asked only then: it may cost a query), else the first."""
    by_id = {option.id: option for option in options}
    if wanted_id in by_id:
        return by_id[wanted_id]
    return by_id.get(fallback_id()) or (options[0] if options else None)


def _suggested_service_id(guidance: Guidance | None, active: list[Service]) -> int | None:
    """The massage the client's guidance suggests (e.g. Back, Neck & Shoulder for desk work)."""
    suggested = guidance.suggested_service if guidance is not None else None
    return next((s.id for s in active if suggested and s.id == suggested.service_id), None)


def booking_offer(client_id: int, service_id: int | None = None, location_id: int | None = None,
                  therapist_id: int | None = None, day: date | None = None,
                  guidance: Callable[[], Guidance | None] | None = None, *, for_staff: bool = False) -> BookingOffer:
    """The booking page for these choices; missing or unknown ones default to the client's
    last appointment (returning clients usually want the same again), then to the massage
    their guidance suggests, then to the first.

    `guidance` gives the client's guidance (portal.client_guidance, which sits above booking),
    passed in by the page so booking imports nothing above it; it is called only when a default
    needs it (no massage chosen and no past appointment), as are the last appointment's reads:
    the times swapped in for a chosen massage and salon cost neither. `for_staff`: reception
    booking for the client, which may give times inside the online notice (`slots.policy`)."""
    # (service id, location id) or None; read with the health profile the gate reads below.
    last = cache(lambda: queries.latest_choices_and_profile(client_id))
    active, locations = catalogue_cache.active_services(), catalogue_cache.locations()
    service = _pick(active, service_id, lambda: last()[0] if last() else _suggested_service_id(
        guidance() if guidance is not None else None, active))
    # Only the salons that offer the chosen massage (the cached service knows where it is offered).
    offered_ids = {loc.id for loc in service.locations} if service is not None else set()
    offering = [loc for loc in locations if loc.id in offered_ids]
    location = _pick(offering, location_id, lambda: last()[1] if last() else None)
    first_day, last_day = clock.today(), slots.last_bookable_day()
    chosen_day = day if day is not None and first_day <= day <= last_day else None
    offer = BookingOffer(
        services=active, locations=offering, therapists=[], service=service,
        location=location, therapist=None, day=chosen_day or first_day, first_day=first_day,
        last_day=last_day, day_adjusted=day is not None and chosen_day is None,
        location_adjusted=location is not None and location_id is not None and location.id != location_id,
        idempotency_key=services.new_idempotency_key(),
        screening=gate.screening_conditions() if gate.screening_needed(client_id) else [],
    )
    if service is None or location is None:
        return offer

    suitable = slots.suitable_therapists(client_id, service, offer.day)
    offer.refusal, offer.pregnancy_trained_only = suitable.refusal, suitable.pregnancy_trained_only
    if suitable.refusal is not None:
        return offer
    offer.therapist = next((t for t in suitable.therapists if t.id == therapist_id), None)
    # The therapists to choose from: those at this salon (a chain's are dozens), and the one
    # chosen if they work elsewhere, so the page can say so (`not_here`).
    offer.therapists = [t for t in suitable.therapists if t is offer.therapist or slots.works_at(t, location.id)]
    working = _working(offer)
    # One read of the diaries for the day shown; the fortnight after it, which is as far as the
    # search for the next free day looks, only as that search runs, a few days a read.
    diaries = slots.Diaries(working, location.id, service, offer.day, offer.day,
                            look_ahead_to=slots.search_end(offer.day), for_staff=for_staff)
    if chosen_day is None and not diaries.has_times(first_day):
        # No day asked for and nothing left today: open on the first day with something free.
        offer.day = diaries.next_free_day(first_day) or first_day
    offer.times = diaries.times(offer.day)
    if not offer.times and working:
        offer.next_free_day = diaries.next_free_day(offer.day)
    return offer


def _working(offer: BookingOffer) -> list[Therapist]:
    """The therapists whose diaries make up the free times on the page: the one chosen, if they
    work at the salon, else everyone offered there (`offer.therapists`, those at the salon)."""
    if offer.therapist is not None:
        if not slots.works_at(offer.therapist, offer.location.id):
            offer.not_here = True
            return []
        return [offer.therapist]
    return offer.therapists


@dataclass
class TherapistTimes:
    therapist: Therapist
    times: list[datetime]


@dataclass
class MoveOffer:
    """Free times to move one appointment to, on one day: only times the server would accept."""

    day: date
    first_day: date
    last_day: date
    times: list[datetime]  # with the appointment's own therapist
    next_free_day: date | None
    # The health gate no longer allows the appointment's therapist (the profile changed after
    # booking): suitable therapists at the same salon instead, each with their free times.
    others: list[TherapistTimes] = field(default_factory=list)
    therapist_refused: bool = False
    # Why the therapist is refused: they no longer give this massage (the admin unticked it after
    # booking), rather than the health gate.
    no_longer_given: bool = False
    refusal: BookingDecision | None = None  # the gate refuses every therapist on that day


def move_offer(appointment, day: date | None, *, for_staff: bool = False) -> MoveOffer:
    """Free times for the same massage and salon, with the same therapist while the health gate
    allows them, else with therapists it does. The appointment's own time counts as free for
    its neighbours, so it can move by a quarter hour. `for_staff`: as for `booking_offer`."""
    first_day, last_day = clock.today(), slots.last_bookable_day()
    if day is None or not first_day <= day <= last_day:
        day = max(first_day, min(last_day, to_local(appointment.starts_at).date()))
    therapist, location_id, service = appointment.therapist, appointment.location_id, appointment.service
    minutes = appointment.minutes  # the length booked, even if the catalogue's changed since
    offer = MoveOffer(day, first_day, last_day, [], None)
    here = [therapist] + [t for t in slots.active_therapists()
                          if t.id != therapist.id and slots.works_at(t, location_id)]
    suitable = slots.suitable_therapists(appointment.client_id, service, day, here)
    if suitable.refusal is not None:
        offer.refusal = suitable.refusal
        return offer
    if any(t.id == therapist.id for t in suitable.therapists):
        offer.times = [t for t in slots.free_times_by_day(therapist, location_id, service, [day],
                                                          except_appointment=appointment.id, minutes=minutes,
                                                          for_staff=for_staff)[day]
                       if t != appointment.starts_at]  # where it is now is no move
        if not offer.times:
            offer.next_free_day = slots.next_free_day([therapist], location_id, service, day,
                                                      except_appointment=appointment.id, minutes=minutes,
                                                      for_staff=for_staff)
        return offer
    offer.therapist_refused = True
    offer.no_longer_given = not therapist.gives(service)
    diaries = slots.Diaries(suitable.therapists, location_id, service, day, day, look_ahead_to=slots.search_end(day),
                            minutes=minutes, for_staff=for_staff)
    for other in suitable.therapists:
        times = diaries.times_of(other, day)
        if times:
            offer.others.append(TherapistTimes(other, times))
    if not offer.others:
        offer.next_free_day = diaries.next_free_day(day)
    return offer


@dataclass
class BookingSummary:
    """What the client is about to book, shown before they confirm (nothing is booked yet).

    `therapist` is the one the booking will be with: when the client chose "any suitable
    therapist", the first suitable one free then (the booking service's own order), so the
    summary names who it will be and the confirm form books with them.
    """

    service: Service
    location: Location
    therapist: Therapist | None
    starts_at: datetime
    idempotency_key: str
    chosen_therapist: str  # the client's own choice ("any" or an id), for the way back
    problem: str | None = None  # why that time can't be booked after all, in words
    refusal: BookingDecision | None = None
    screening: list[str] = field(default_factory=list)
    pregnancy_trained_only: bool = False

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.service.minutes)

    @property
    def day(self) -> date:
        return to_local(self.starts_at).date()


def booking_summary(client_id: int, service_id: int | None, location_id: int | None, therapist_id: int | None,
                    starts_at: datetime, idempotency_key: str) -> BookingSummary | None:
    """The summary for one chosen time, re-checked now; None when the massage or salon is not
    one we offer (the page then shows the booking choices again)."""
    service = next((s for s in catalogue_cache.active_services() if s.id == service_id), None)
    location = next((loc for loc in catalogue_cache.locations() if loc.id == location_id), None)
    if service is None or location is None or location.id not in {loc.id for loc in service.locations}:
        return None
    summary = BookingSummary(
        service=service, location=location, therapist=None, starts_at=starts_at,
        idempotency_key=idempotency_key, chosen_therapist=str(therapist_id) if therapist_id else "any",
        screening=gate.screening_conditions() if gate.screening_needed(client_id) else [],
    )
    candidates = [t for t in slots.active_therapists() if slots.works_at(t, location.id)
                  and (therapist_id is None or t.id == therapist_id)]
    suitable = slots.suitable_therapists(client_id, service, summary.day, candidates)
    summary.pregnancy_trained_only = suitable.pregnancy_trained_only
    if suitable.refusal is not None:
        summary.refusal = suitable.refusal
        return summary
    reasons = []
    for therapist in suitable.therapists:
        reason = slots.recheck(therapist, location.id, service, starts_at)
        if reason is None:
            summary.therapist = therapist
            return summary
        reasons.append((therapist, reason))
    if reasons:
        therapist, reason = reasons[0]
        summary.problem = slots.why_not(reason, therapist, location)
        if reason == availability.TAKEN:
            summary.problem = "Sorry, that time is no longer free. Here are the times that are free now."
    else:
        summary.problem = "No therapist at that salon can offer you this massage then. Please choose again."
    return summary
