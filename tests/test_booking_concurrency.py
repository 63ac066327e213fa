"""No double booking under load: many clients (or one client's many tabs and double-clicks)
racing for the same therapist and time get exactly one appointment, and nobody an error.

Each attempt is a real request on its own thread, with its own app context, session and
database connection, all released together by a barrier. On PostgreSQL (TEST_DATABASE_URL)
the inserts truly run at once and the losers wait on the unique index, then fail on it; on
SQLite the database serialises writers, and the same guard decides.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest

from portal import create_app
from portal.booking import slots
from portal.booking.models import AppointmentSlot
from portal.extensions import db
from tests.conftest import AuthActions
from tests.test_booking_support import (  # noqa: F401  (fixtures)
    MONDAY,
    at,
    booking_clock,
    booking_form,
    count_appointments,
    seed_salon,
)

RACERS = 24


@pytest.fixture
def race_app(app_config, users, booking_clock):
    """The app with a connection for every racer, so none waits for the pool instead of the race."""
    options = {"pool_pre_ping": True, "pool_size": RACERS + 4, "max_overflow": 0, "pool_timeout": 60}
    racing = create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options})
    yield racing
    with racing.app_context():
        db.session.remove()
        db.engine.dispose()


def logged_in_clients(app, emails: list[str]) -> list[tuple]:
    """A test client per racer, logged in, with the CSRF token its form would carry."""
    clients = []
    for email in emails:
        client = app.test_client()
        auth = AuthActions(client)
        assert auth.login(email).status_code == 302
        clients.append((client, auth.csrf_token()))
    return clients


def race(clients: list[tuple], forms: list[dict]) -> list:
    """POST every form at the same moment, one thread each; returns the responses."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        client, token = clients[n]
        try:
            barrier.wait(timeout=30)
            responses[n] = client.post("/book", data={**forms[n], "csrf_token": token})
        except BaseException as error:  # noqa: BLE001  (reported below, not swallowed)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return responses


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
    assert at(MONDAY, "10:00").isoformat() not in page and at(MONDAY, "11:00").isoformat() in page
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
