"""Free times for visitors: the booking page's list of times, read only and anonymous.

The same loading and rules as the booking page (`booking.slots`), for any therapist at the
chosen salon. A visitor sees only which start times are free: no therapist's name, no count of
how many are free, nothing about who booked the rest. Choosing a time is a link to log in (or
create an account) that comes back to the booking page on that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for

from portal import clock
from portal.booking import slots
from portal.salon import queries
from portal.salon.models import Location, Service


@dataclass
class VisitorOffer:
    services: list[Service]
    locations: list[Location]
    service: Service | None
    location: Location | None
    day: date
    first_day: date
    last_day: date
    times: list[datetime] = field(default_factory=list)
    next_free_day: date | None = None
    day_adjusted: bool = False


def _pick(options: list, wanted_id: int | None):
    by_id = {option.id: option for option in options}
    return by_id.get(wanted_id) or (options[0] if options else None)


def visitor_offer(service_id: int | None, location_id: int | None, day: date | None) -> VisitorOffer:
    """What a visitor may see; unreadable or unknown choices fall back to the first of each."""
    services, locations = queries.active_services(), queries.locations()
    first_day, last_day = clock.today(), slots.last_bookable_day()
    wanted = day or first_day
    chosen_day = min(max(wanted, first_day), last_day)
    offer = VisitorOffer(services, locations, _pick(services, service_id), _pick(locations, location_id),
                         chosen_day, first_day, last_day, day_adjusted=day is not None and chosen_day != day)
    if offer.service is None or offer.location is None:
        return offer
    here = [t for t in slots.active_therapists() if slots.works_at(t, offer.location.id)]
    offer.times = slots.free_times(here, offer.location.id, offer.service, chosen_day)
    if not offer.times:
        offer.next_free_day = slots.next_free_day(here, offer.location.id, offer.service, chosen_day)
    return offer


def booking_address(offer: VisitorOffer, starts_at: datetime) -> str:
    """The booking page on this time, for after logging in or signing up."""
    return url_for("booking.book", service=offer.service.id, location=offer.location.id, therapist="any",
                   day=offer.day.isoformat(), at=starts_at.isoformat())
