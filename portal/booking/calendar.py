"""iCalendar files: one appointment to download, and a client's private feed.

Times are written as Europe/London wall-clock times (DTSTART;TZID=Europe/London:...) with a
VTIMEZONE built from the same tz database the portal uses, so a calendar shows 10:00 for a
10:00 massage on both clock-change Sundays. We build the VTIMEZONE ourselves rather than with
icalendar's `add_missing_timezones`: its DAYLIGHT observance starts at 02:00 local, where
RFC 5545 wants the onset in the offset being left (01:00 GMT for the UK).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from portal import clock
from portal.booking.models import Appointment
from portal.timezones import SALON_TZ
from portal.urls import external_url, public_host

PRODID = "-//Mesmerising Beauty//Client portal//EN"
TZID = SALON_TZ.key  # "Europe/London"
UTC = timezone.utc
# How far back a feed reaches: enough for "when did I last go?", small enough to stay quick.
FEED_HISTORY = timedelta(days=183)
FEED_REFRESH = timedelta(hours=1)


def appointment_ics(appointment: Appointment) -> bytes:
    """A calendar with this one appointment (the "Add to calendar" download)."""
    calendar = _calendar([appointment])
    return calendar.to_ical()


def feed_ics(appointments: Iterable[Appointment]) -> bytes:
    """A client's feed: their booked appointments, for a calendar app to subscribe to."""
    calendar = _calendar([a for a in appointments if not a.is_cancelled])
    calendar.add("x-wr-calname", "Mesmerising Beauty")
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", FEED_REFRESH)
    return calendar.to_ical()


def feed_since() -> datetime:
    return clock.now() - FEED_HISTORY


def _calendar(appointments: list[Appointment]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if appointments:
        years = [a.starts_at.astimezone(SALON_TZ).year for a in appointments]
        calendar.add_component(london_vtimezone(min(years), max(years)))
    stamp = clock.now()
    for appointment in appointments:
        calendar.add_component(_event(appointment, stamp))
    return calendar


def _event(appointment: Appointment, stamp: datetime) -> Event:
    host = public_host()
    location = appointment.location
    manage = external_url("booking.appointment", appointment_id=appointment.id)
    event = Event()
    # Stable across moves, so a calendar replaces the event instead of adding a second one.
    event.add("uid", f"appointment-{appointment.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("sequence", appointment.sequence)
    event.add("last-modified", appointment.updated_at)
    event.add("dtstart", _wall_clock_or_utc(appointment.starts_at))
    event.add("dtend", _wall_clock_or_utc(appointment.ends_at))
    event.add("summary", f"{appointment.service.name} with {appointment.therapist.display_name}")
    event.add("location", f"Mesmerising Beauty {location.name}, {location.address}")
    # What, where, who and how to change it: nothing from the health profile.
    event.add("description", (
        f"{appointment.service.name} ({appointment.minutes} minutes, {appointment.price_display}) with "
        f"{appointment.therapist.display_name} at Mesmerising Beauty {location.name}.\n"
        f"Salon phone: {location.phone}\nSee, move or cancel: {manage}"
    ))
    event.add("url", manage)
    event.add("status", "CANCELLED" if appointment.is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _wall_clock_or_utc(instant: datetime) -> datetime:
    """The instant as salon wall-clock time, unless it is the second pass of a repeated label.

    In the repeated autumn hour 01:15 happens twice, and RFC 5545 reads an ambiguous local
    time as the FIRST one: an end at 01:15 GMT written as 01:15 Europe/London would come back
    an hour early, before its own start. Such instants are written in UTC instead (...Z).
    """
    local = instant.astimezone(SALON_TZ)
    if local.replace(fold=0).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local


# --- VTIMEZONE ------------------------------------------------------------------------


def _offset(instant: datetime) -> timedelta:
    return instant.astimezone(SALON_TZ).utcoffset()


@lru_cache(maxsize=64)
def _transitions(year: int) -> tuple[datetime, ...]:
    """The UTC instants in `year` when the salon's clocks change, to the second."""
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        later = day + timedelta(days=1)
        if _offset(day) != _offset(later):
            before, after = day, later
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) / 2
                before, after = (middle, after) if _offset(middle) == _offset(before) else (before, middle)
            found.append(after.replace(microsecond=0))
        day = later
    return tuple(found)


def _observance(starts: datetime, offset_from: timedelta, offset_to: timedelta):
    local = starts.astimezone(SALON_TZ)
    observance = TimezoneDaylight() if local.dst() else TimezoneStandard()
    # RFC 5545: the onset as a local time in the offset in force *before* it.
    observance.add("dtstart", (starts + offset_from).replace(tzinfo=None))
    observance.add("tzoffsetfrom", offset_from)
    observance.add("tzoffsetto", offset_to)
    observance.add("tzname", local.tzname())
    return observance


def london_vtimezone(first_year: int, last_year: int) -> Timezone:
    """Europe/London from 1 January of `first_year` to the end of `last_year`."""
    vtimezone = Timezone()
    vtimezone.add("tzid", TZID)
    opening = datetime(first_year, 1, 1, tzinfo=UTC)
    vtimezone.add_component(_observance(opening, _offset(opening), _offset(opening)))
    for year in range(first_year, last_year + 1):
        for change in _transitions(year):
            vtimezone.add_component(_observance(change, _offset(change - timedelta(seconds=1)), _offset(change)))
    return vtimezone
