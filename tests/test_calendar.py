"""Calendars: the .ics download (Europe/London with its VTIMEZONE, right on clock-change days)
and the private, revocable feed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from portal.booking.calendar import london_vtimezone
from portal.extensions import db
from portal.timezones import SALON_TZ
from tests.booking_support import (
    AUTUMN_SUNDAY,
    MONDAY,
    NOW,
    SPRING_SUNDAY,
    add_appointment,
    at,
)

UTC = timezone.utc



def events(body: bytes) -> list:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def raw_lines(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


# --- the VTIMEZONE, without an app ---------------------------------------------------------------


def test_the_vtimezone_matches_the_tz_database_every_half_hour_for_two_years():
    tz = london_vtimezone(2026, 2027).to_tz()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2028, 1, 1, tzinfo=UTC):
        assert moment.astimezone(tz).utcoffset() == moment.astimezone(SALON_TZ).utcoffset(), moment
        moment += timedelta(minutes=30)


def test_the_vtimezone_starts_each_change_in_the_offset_being_left():
    lines = raw_lines(london_vtimezone(2027, 2027).to_ical())
    # RFC 5545: onsets are local times in TZOFFSETFROM: 01:00 GMT in March, 02:00 BST in October.
    assert "DTSTART:20270328T010000" in lines and "DTSTART:20271031T020000" in lines
    assert "TZNAME:BST" in lines and "TZNAME:GMT" in lines


# --- one appointment's .ics ----------------------------------------------------------------------


@pytest.mark.parametrize("day, now", [
    (SPRING_SUNDAY, datetime(2027, 3, 20, tzinfo=UTC)),
    (AUTUMN_SUNDAY, datetime(2027, 10, 24, tzinfo=UTC)),
])
def test_the_ics_has_the_salons_wall_clock_time_on_clock_change_days(app, client, logged_in, users, salon,
                                                                    booking_clock, day, now):
    booking_clock.now = now
    # One clock for the whole portal: months later, the login from NOW has gone idle.
    assert logged_in.login("client@example.com").status_code == 302
    start = at(day, "10:00")
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.gosforth, salon.back, start)
    response = client.get(f"/appointments/{appointment_id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert re.match(r'attachment; filename="mesmerising-beauty-\d{4}-\d\d-\d\d\.ics"',
                    response.headers["Content-Disposition"])
    lines = raw_lines(response.data)
    assert f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T100000" in lines
    assert f"DTEND;TZID=Europe/London:{day:%Y%m%d}T104500" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/London" in lines
    [event] = events(response.data)
    # A calendar that reads the file back lands on the same instant.
    assert event.decoded("dtstart").astimezone(UTC) == start
    # The embedded VTIMEZONE alone (no tz database) gives the same instant too.
    own_tz = next(iter(Calendar.from_ical(response.data).walk("VTIMEZONE"))).to_tz()
    naive = datetime(day.year, day.month, day.day, 10)
    assert naive.replace(tzinfo=own_tz).astimezone(UTC) == start


def test_the_ics_says_what_where_and_how_to_change_it_and_nothing_about_health(app, client, logged_in, users,
                                                                               salon):
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                     at(MONDAY, "10:00"))
    [event] = events(client.get(f"/appointments/{appointment_id}/calendar.ics").data)
    assert str(event["summary"]) == "Back, Neck & Shoulder Massage with Amelia Hart"
    assert "Newcastle City Centre, Grey Street" in str(event["location"])
    assert str(event["uid"]) == f"appointment-{appointment_id}@portal.test"
    assert f"http://portal.test/appointments/{appointment_id}" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED" and int(event["sequence"]) == 0
    assert not re.search(r"pregnan|precaution|condition|health", event.to_ical().decode(), re.I)


def test_moving_an_appointment_bumps_its_sequence_and_keeps_its_uid(app, client, logged_in, users, salon):
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                     at(MONDAY, "10:00"))
    logged_in.post(f"/appointments/{appointment_id}/move", {"starts_at": at(MONDAY, "14:00").isoformat()})
    [event] = events(client.get(f"/appointments/{appointment_id}/calendar.ics").data)
    assert int(event["sequence"]) == 1 and str(event["uid"]) == f"appointment-{appointment_id}@portal.test"
    assert event.decoded("dtstart").astimezone(UTC) == at(MONDAY, "14:00")


# --- the private feed ------------------------------------------------------------------------------


def feed_path(client) -> str:
    """Make a new feed address the way the client does; it is shown once, on the next page."""
    page = client.get("/appointments").get_data(as_text=True)
    match = re.search(r'value="http://portal\.test(/calendar/[A-Za-z0-9_-]+\.ics)"', page)
    assert match, "the new feed address is not on the page"
    return match.group(1)


def test_the_feed_serves_the_clients_appointments_to_anyone_with_the_address(app, client, logged_in, users, salon):
    booked = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    past = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=30))
    cancelled = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                at(MONDAY + timedelta(days=1), "10:00"))
    logged_in.post(f"/appointments/{cancelled}/cancel")
    assert logged_in.post("/appointments/calendar-feed").status_code == 302
    path = feed_path(client)
    assert path not in client.get("/appointments").get_data(as_text=True)  # shown only once

    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-cache"
    uids = {str(e["uid"]) for e in events(response.data)}
    assert uids == {f"appointment-{booked}@portal.test", f"appointment-{past}@portal.test"}
    assert "X-WR-CALNAME:Mesmerising Beauty" in raw_lines(response.data)


def test_a_new_feed_address_revokes_the_old_one(app, client, logged_in):
    logged_in.post("/appointments/calendar-feed")
    old = feed_path(client)
    logged_in.post("/appointments/calendar-feed")
    new = feed_path(client)
    assert old != new
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200


def test_turning_the_feed_off(app, client, logged_in):
    logged_in.post("/appointments/calendar-feed")
    path = feed_path(client)
    assert logged_in.post("/appointments/calendar-feed/stop").status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert "Make my calendar address" in client.get("/appointments").get_data(as_text=True)


def test_the_page_says_the_feed_is_on_after_its_address_was_shown(app, client, logged_in):
    assert "Make my calendar address" in client.get("/appointments").get_data(as_text=True)
    logged_in.post("/appointments/calendar-feed")
    feed_path(client)  # the one showing of the address
    page = client.get("/appointments").get_data(as_text=True)
    assert "Your calendar feed is on" in page and "Make a new address" in page and "Turn the feed off" in page


def test_the_feed_token_is_stored_only_as_a_hash(app, client, logged_in, users):
    from portal.booking.models import CalendarFeed

    logged_in.post("/appointments/calendar-feed")
    token = feed_path(client).removeprefix("/calendar/").removesuffix(".ics")
    with app.app_context():
        feed = db.session.get(CalendarFeed, users["client"].id)
        assert token not in feed.token_hash and len(feed.token_hash) == 64


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 200])
def test_an_unknown_feed_address_is_not_found(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_reaches_six_months_back(app, users, salon, booking_clock):
    from portal.booking import calendar, queries

    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=200))
    recent = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                             NOW - timedelta(days=100))
    with app.app_context():
        assert [a.id for a in queries.for_feed(users["client"].id, calendar.feed_since())] == [recent]


def test_an_appointment_ending_in_the_repeated_autumn_hour_ends_then(app, client, logged_in, users, salon,
                                                                   booking_clock):
    # 25 October 2026: 01:30 BST (00:30 UTC) plus 45 minutes is 01:15 GMT, the second 01:15.
    booking_clock.now = datetime(2026, 10, 18, tzinfo=UTC)
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.gosforth, salon.back, start)
    body = client.get(f"/appointments/{appointment_id}/calendar.ics").data
    lines = raw_lines(body)
    assert "DTSTART;TZID=Europe/London:20261025T013000" in lines  # the first 01:30: unambiguous as written
    assert "DTEND:20261025T011500Z" in lines  # "01:15 Europe/London" would mean the first 01:15
    [event] = events(body)
    assert event.decoded("dtstart").astimezone(UTC) == start
    assert event.decoded("dtend").astimezone(UTC) == start + timedelta(minutes=45)
