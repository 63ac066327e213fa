"""Statements per request are fixed by design: every key page costs the same with 1 session of
history as with 100, and the client dashboard and booking page cost at most 8 each, however far
the booking page looks ahead for a free day (the day shown, then at most three reads of the
diaries for the rest of the range: the next day, the three after, the rest) and once the
catalogue is cached (portal/salon/catalogue_cache.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.audit.services import records_within_the_read
from portal.booking.models import Appointment
from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.feedback.models import AREAS, AppointmentFeedback, PainCheckIn
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.salon.models import Location, Service, Therapist
from portal.timezones import SALON_TZ

HISTORY_CLIENT = "history@example.com"
AT_MOST_8 = ("/dashboard", "/book")


def _history(client_id: int, therapist: Therapist, location: Location, service: Service, sessions: int,
             first_back: int) -> None:
    """`sessions` completed sessions every three days, ending `first_back` days ago, each with
    feedback (and its sealed note) and a check-in two days later."""
    first = clock.today() - timedelta(days=first_back + 3 * sessions)
    for n in range(sessions):
        starts = datetime.combine(first + timedelta(days=3 * n), time(7), tzinfo=SALON_TZ)
        appointment = Appointment(client_id=client_id, therapist_id=therapist.id, location_id=location.id,
                                  service_id=service.id, starts_at=starts, ends_at=starts + timedelta(minutes=45),
                                  price_pence=service.price_pence, idempotency_key=uuid.uuid4().hex)
        db.session.add(appointment)
        db.session.flush()
        feedback = AppointmentFeedback(appointment_id=appointment.id, client_id=client_id, pressure="just_right",
                                       created_at=starts + timedelta(hours=2), updated_at=starts + timedelta(hours=2),
                                       **{f"{area}_before": 6 for area in AREAS}, **{f"{area}_after": 3 for area in AREAS})
        feedback.note = "Shoulders tight again."
        db.session.add(feedback)
        db.session.add(PainCheckIn(client_id=client_id, appointment_id=appointment.id,
                                   recorded_at=starts + timedelta(days=2), **{area: 4 for area in AREAS}))


def _add_history(app, sessions: int, first_back: int = 200) -> None:
    with app.app_context():
        client = db.session.scalar(select(User).where(User.email == HISTORY_CLIENT))
        therapist = db.session.scalar(select(Therapist).where(Therapist.display_name == "Amelia Hart"))
        location = db.session.scalar(select(Location).where(Location.slug == "city-centre"))
        service = db.session.scalar(select(Service).where(Service.slug == "back-neck-shoulder"))
        _history(client.id, therapist, location, service, sessions, first_back)
        db.session.commit()


@pytest.fixture
def history_salon(app):
    """The demo salon, plus a client with a consented profile and one session of history."""
    with app.app_context():
        load_demo_data()
        client = User(email=HISTORY_CLIENT, name="Hetty Story", role="client",
                      password_hash=hash_password(DEMO_PASSWORD), email_confirmed_at=clock.now())
        db.session.add(client)
        db.session.flush()
        profile_services.save_profile(client, ProfileContent(lifestyle=frozenset({"desk_worker"}),
                                                             problem_areas=frozenset({"lower_back"})),
                                      consent_given=True)
        db.session.commit()
        sofia = db.session.scalar(select(Therapist).where(Therapist.display_name == "Sofia Reyes")).id
        gosforth = db.session.scalar(select(Location).where(Location.slug == "gosforth")).id
        # Today's session with Amelia (the demo therapist): its brief reads the whole history.
        amelia = db.session.scalar(select(Therapist).where(Therapist.display_name == "Amelia Hart"))
        service = db.session.scalar(select(Service).where(Service.slug == "back-neck-shoulder"))
        starts = datetime.combine(clock.today(), time(20), tzinfo=SALON_TZ)
        today = Appointment(client_id=client.id, therapist_id=amelia.id, location_id=amelia.working_hours[0].location_id,
                            service_id=service.id, starts_at=starts, ends_at=starts + timedelta(minutes=45),
                            price_pence=service.price_pence, idempotency_key=uuid.uuid4().hex)
        db.session.add(today)
        db.session.commit()
        brief = today.id
    _add_history(app, 1)
    return {"sofia": sofia, "gosforth": gosforth, "brief": brief}


def _log_in(app, email: str):
    from tests.conftest import csrf_token_from

    client = app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    response = client.post("/account/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"log in as {email} failed"
    return client


def _statements(app, count_queries, browser, path: str, headers: dict | None = None) -> int:
    assert browser.get(path, headers=headers or {}).status_code == 200  # warms the catalogue cache
    with app.app_context(), count_queries() as counted:
        response = browser.get(path, headers=headers or {})
    assert response.status_code == 200, path
    return counted.count


def _next_saturday():
    today = clock.today()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def _pages(salon) -> list[tuple[str, str, dict | None]]:
    saturday = _next_saturday()
    # Sofia never works at Gosforth on a Saturday: the page looks ahead for her next free day.
    look_ahead = f"/book?therapist={salon['sofia']}&location={salon['gosforth']}&day={saturday.isoformat()}"
    return [
        ("client", "/dashboard", None),
        ("client", "/book", None),
        ("client", look_ahead, None),
        ("client", look_ahead, {"HX-Request": "true"}),
        ("client", "/guidance", None),
        ("client", "/profile", None),
        ("client", "/pain?range=all", None),
        ("client", "/pain?range=all", {"HX-Request": "true"}),
        ("client", "/appointments", None),
        ("therapist", "/therapist", None),
        ("therapist", f"/therapist/appointments/{salon['brief']}/brief", None),
        ("therapist", f"/therapist/appointments/{salon['brief']}/brief", {"HX-Request": "true"}),
        ("admin", "/admin", None),
        ("admin", "/admin?hour=10", {"HX-Request": "true"}),  # the day's list alone (an hour of a busy day)
    ]


def _measure(app, count_queries, salon) -> dict[tuple[str, str, bool], int]:
    browsers = {"client": _log_in(app, HISTORY_CLIENT), "therapist": _log_in(app, "therapist@example.com"),
                "admin": _log_in(app, "admin@example.com")}
    return {(who, path, bool(headers)): _statements(app, count_queries, browsers[who], path, headers)
            for who, path, headers in _pages(salon)}


# Statements each page may run: the same with 1 session of history as with 100 (checked below by
# running both), and these ceilings (issue 14; before it in brackets). Every logged-in page starts
# with the login's statement, which also reads the catalogue's stamp (portal/accounts/services.py).
# - /dashboard 4 (12): the client's record read once for all its panels (dashboard/panels.py):
#   the profile, completed sessions with all their feedback and, in the same read, the few
#   appointments shown whole; the glance's check-ins.
# - /book 3, or 4 (8): its defaults (the last appointment's massage and salon; the guidance's
#   suggestion only without one) read only when a choice is missing, in one statement with the
#   profile for the gate; then one read of the diaries of the day shown (of those with hours there
#   still to come that day) and, only when that day has hours left but nothing free (the demo's
#   diaries are full around the moment they were loaded), reads ahead: the next day, the three
#   after, the rest, each only if nothing was free so far (tests/test_booking_diaries.py: 3 on a
#   day with times and in the evening, 4 on a full day; at worst 6: a full day, then nothing free
#   in the four after it);
#   the look-ahead page below reads no day (no one works it).
# - /guidance and /profile 3 (8): the profile with its latest revision in one read; the visits done,
#   booked ahead and their feedback in one.
# - /pain 3 (6): the scores in one statement (its range switch 2).
# - /appointments 4 (8): upcoming and past in one read, the sessions' scores in another, the
#   consent check with the calendar feed in a third.
# - /admin 3 (11): the owner's figures kept 5 minutes; one salon's day (or an hour of a busy one,
#   with the day's held bookings) and the week's counts with the day's per hour; its swap the same.
CEILINGS = {"/dashboard": 4, "/book": 4, "/guidance": 3, "/profile": 3, "/pain": 3, "/appointments": 4,
            "/therapist": 3, "/admin": 3,  # /admin: figures kept 5 minutes; one salon's day: 2 statements
            # The brief: the login, the appointment with all the client's appointments, their
            # feedback and treatment notes, the profile recording the view (the access record, one
            # per view, it stays), the check-ins.
            "/therapist/appointments/<id>/brief": 4}
# Where the access record cannot ride in the brief's read (SQLite has no INSERT inside a WITH:
# audit.services.records_within_the_read), it is a statement of its own.
RECORDED_APART = {"/therapist/appointments/<id>/brief": 1}


def _page(path: str) -> str:
    path = path.split("?")[0]
    return "/therapist/appointments/<id>/brief" if path.endswith("/brief") else path


def test_key_pages_cost_a_fixed_number_of_statements_whatever_the_history(app, count_queries, history_salon):
    with_one = _measure(app, count_queries, history_salon)
    _add_history(app, 99, first_back=10)
    with_hundred = _measure(app, count_queries, history_salon)
    with app.app_context():
        apart = not records_within_the_read()
    for (who, path, htmx), count in with_hundred.items():
        ceiling = CEILINGS[_page(path)] + (RECORDED_APART.get(_page(path), 0) if apart else 0)
        assert count <= ceiling, f"{who} {path} htmx={htmx}: {count} statements (at most {ceiling})"
    assert with_hundred == with_one


def test_the_look_ahead_page_really_looks_ahead(app, history_salon):
    saturday = _next_saturday()
    path = next(p for _, p, _ in _pages(history_salon) if "therapist=" in p)
    page = _log_in(app, HISTORY_CLIENT).get(path).get_data(as_text=True)
    assert "the next day with free times" in page
    assert f"day={(saturday + timedelta(days=2)).isoformat()}" in page  # Sofia's Monday


def test_the_client_really_has_a_hundred_sessions_on_the_pain_page(app, history_salon):
    _add_history(app, 99, first_back=10)
    with app.app_context():
        client_id = db.session.scalar(select(User.id).where(User.email == HISTORY_CLIENT))
        assert db.session.query(AppointmentFeedback).filter_by(client_id=client_id).count() == 100
    page = _log_in(app, HISTORY_CLIENT).get("/pain?range=all").get_data(as_text=True)
    assert "Lower back" in page or "lower back" in page


def test_the_dashboard_costs_the_same_with_every_panel_full(app, count_queries, history_salon):
    """A session two days ago (the two-days-on question asks about its scored areas) and two
    bookings to come: the dashboard still reads each thing once."""
    browser = _log_in(app, HISTORY_CLIENT)
    before = _statements(app, count_queries, browser, "/dashboard")
    with app.app_context():
        client_id = db.session.scalar(select(User.id).where(User.email == HISTORY_CLIENT))
        therapist = db.session.scalar(select(Therapist).where(Therapist.display_name == "Amelia Hart"))
        location = db.session.scalar(select(Location).where(Location.slug == "city-centre"))
        service = db.session.scalar(select(Service).where(Service.slug == "back-neck-shoulder"))
        _history(client_id, therapist, location, service, 1, first_back=-1)  # ended about two days ago
        # Not answered yet: without the check-in `_history` ties to it two days on.
        db.session.execute(PainCheckIn.__table__.delete().where(PainCheckIn.recorded_at > clock.now() - timedelta(days=1)))
        for days in (5, 12):
            starts = datetime.combine(clock.today() + timedelta(days=days), time(10), tzinfo=SALON_TZ)
            db.session.add(Appointment(client_id=client_id, therapist_id=therapist.id, location_id=location.id,
                                       service_id=service.id, starts_at=starts, ends_at=starts + timedelta(minutes=45),
                                       price_pence=service.price_pence, idempotency_key=uuid.uuid4().hex))
        db.session.commit()
        # The fixture's session today at 20:00 is still to come before 20:00: count what is booked.
        booked = db.session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.client_id == client_id, Appointment.starts_at > clock.now()))
    assert booked in (2, 3)
    page = browser.get("/dashboard").get_data(as_text=True)
    assert "Two days on: how are you now?" in page and f"And {booked - 1} more booked." in page
    assert _statements(app, count_queries, browser, "/dashboard") == before <= CEILINGS["/dashboard"]
