"""No double booking under load: many clients (or one client's many tabs and double-clicks)
racing for the same therapist and time get exactly one appointment, and nobody an error.

Each attempt is a real request on its own thread, with its own app context, session and
database connection, all released together by a barrier. On PostgreSQL (TEST_DATABASE_URL)
the inserts truly run at once and the losers wait on the unique index, then fail on it; on
SQLite the database serialises writers, and the same guard decides.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from portal.booking import slots
from portal.booking.models import AppointmentSlot
from portal.extensions import db
from tests.booking_support import (
    offered_times,
    MONDAY,
    at,
    booking_form,
    count_appointments,
    seed_salon,
)
from tests.racing import RACERS, logged_in_clients, race

@pytest.fixture
def racers(race_app, make_user):
    emails = [f"racer{n}@example.com" for n in range(RACERS)]
    for email in emails:
        make_user(email)
    return emails


@pytest.mark.parametrize("rules_checked", [True, False], ids=["rules-and-database", "database-alone"])
def test_many_clients_racing_for_one_time_get_exactly_one_appointment(race_app, users, racers, monkeypatch,
                                                                     rules_checked):
    salon = seed_salon(race_app, users)
    if not rules_checked:
        # Every racer passes the availability re-check, as if all read the diary at once:
        # the unique cells in the database must decide on their own.
        monkeypatch.setattr(slots, "recheck", lambda *args, **kwargs: None)
    clients = logged_in_clients(race_app, racers)
    forms = [booking_form(salon, at(MONDAY, "10:00")) for _ in racers]

    responses = race(clients, forms)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: 1, 409: RACERS - 1}, statuses
    assert count_appointments(race_app) == 1
    loser = next(r for r in responses if r.status_code == 409)
    page = loser.get_data(as_text=True)
    assert "that time was just taken" in page
    assert at(MONDAY, "10:00") not in offered_times(page) and at(MONDAY, "11:00") in offered_times(page)
    with race_app.app_context():
        assert db.session.query(AppointmentSlot).count() == 4


def test_overlapping_times_racing_give_one_appointment(race_app, users, racers):
    salon = seed_salon(race_app, users)
    clients = logged_in_clients(race_app, racers)
    # 10:00, 10:15, 10:30 and 10:45 all overlap a 45-minute massage and its cleaning time.
    starts = [at(MONDAY, "10:00") + timedelta(minutes=15 * (n % 4)) for n in range(RACERS)]
    forms = [booking_form(salon, start) for start in starts]

    statuses = Counter(r.status_code for r in race(clients, forms))

    assert statuses[302] == 1 and statuses[409] == RACERS - 1, statuses
    assert count_appointments(race_app) == 1


def test_one_client_double_clicking_in_many_tabs_books_once(race_app, users):
    salon = seed_salon(race_app, users)
    tabs = 12
    clients = logged_in_clients(race_app, ["client@example.com"] * tabs)
    form = booking_form(salon, at(MONDAY, "10:00"))  # the same rendered form, sent from every tab

    responses = race(clients, [form] * tabs)

    assert {r.status_code for r in responses} == {302}
    assert len({r.location for r in responses}) == 1 and re.match(r"/appointments/\d+$", responses[0].location)
    assert count_appointments(race_app) == 1
