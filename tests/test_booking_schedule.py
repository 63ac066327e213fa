"""Schedules (the therapist's own, the admin's of everyone), time off, the booking settings and
the demo appointments."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import User
from portal import clock
from portal.booking.models import Appointment, TimeOff
from portal.config import ConfigError, load_settings
from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.timezones import to_local
from tests.booking_support import (
    offered_times,
    MONDAY,
    NOW,
    add_appointment,
    at,
    page_text,
)

TODAY = NOW.date()  # Monday 8 March 2027



@pytest.fixture
def diary(app, users, salon, make_user):
    """Today: Claire with Amelia at 14:00, Priya with Daniel at 10:00; Saturday: Claire with Amelia."""
    priya = make_user("priya@example.com", "client", "Priya Shah")
    return {
        "amelia_today": add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                        at(TODAY, "14:00")),
        "daniel_today": add_appointment(app, priya.id, salon.daniel, salon.city, salon.full, at(TODAY, "10:00")),
        "amelia_saturday": add_appointment(app, users["client"].id, salon.amelia, salon.gosforth, salon.full,
                                           at(TODAY + timedelta(days=5), "11:00")),
    }


def test_a_therapist_sees_their_own_day_and_week_per_salon(client, auth, booking_clock, diary):
    auth.login("therapist@example.com")
    page = page_text(client.get("/therapist"))
    day, week = page.split("Week of")
    assert "Today, Monday 8 March" in day
    assert "Newcastle City Centre" in day and "14:00–14:45" in day and "Claire Robson" in day
    assert "Priya Shah" not in page  # Daniel's client
    assert "Sat 13 Mar" in week and "Gosforth" in week and "11:00–12:00 Full Body Massage, Claire Robson" in week


def test_a_therapist_can_look_at_another_day_and_week(client, auth, booking_clock, diary):
    auth.login("therapist@example.com")
    page = page_text(client.get(f"/therapist?day={(TODAY + timedelta(days=5)).isoformat()}"))
    assert "Saturday 13 March" in page and "Today," not in page
    assert "Gosforth" in page.split("Week of")[0]
    assert "No appointments." in page_text(client.get(f"/therapist?day={(TODAY + timedelta(days=7)).isoformat()}"))
    assert client.get("/therapist?day=nonsense").status_code == 200


def test_a_therapists_own_record_follows_the_back_office_and_outlives_leaving(app, client, auth, booking_clock,
                                                                              diary, salon):
    """The day reads an active therapist's hours from the process's catalogue copy: a change to
    them shows on the next request; one no longer active is read from the database instead, and
    still sees their own day and hours."""
    from portal.salon.models import Therapist
    auth.login("therapist@example.com")
    assert "Qualifications:" in page_text(client.get("/therapist"))
    with app.app_context():
        amelia = db.session.get(Therapist, salon.amelia)
        first = amelia.working_hours[0]
        first.ends_at = first.ends_at.replace(minute=59)
        db.session.commit()
        weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[first.weekday]
        changed = f"{weekday}: {first.starts_at:%H:%M}–{first.ends_at:%H:%M}"
    assert changed in " ".join(page_text(client.get("/therapist")).split())
    with app.app_context():
        db.session.get(Therapist, salon.amelia).active = False
        db.session.commit()
    page = " ".join(page_text(client.get("/therapist")).split())
    assert changed in page and "14:00–14:45" in page and "Claire Robson" in page
    assert "not linked to a therapist" not in page


def test_the_admin_sees_every_therapists_schedule(client, auth, booking_clock, diary):
    auth.login("admin@example.com")
    day = page_text(client.get("/admin")).split("Week of")[0]
    assert "Claire Robson" in day and "Priya Shah" in day
    assert "Amelia Hart" in day and "Daniel Okafor" in day


def test_time_off_blocks_booking_and_shows_in_the_schedule(app, client, auth, booking_clock, salon):
    with app.app_context():
        db.session.add(TimeOff(therapist_id=salon.amelia, starts_at=at(MONDAY, "12:00"),
                               ends_at=at(MONDAY, "17:00"), reason="training"))
        db.session.commit()
    auth.login("client@example.com")
    page = client.get(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}&day={MONDAY}")
    html = page.get_data(as_text=True)
    assert at(MONDAY, "11:00") in offered_times(html)  # ends 11:45, cleaned by 12:00
    assert at(MONDAY, "11:15") not in offered_times(html) and at(MONDAY, "15:00") not in offered_times(html)
    auth.logout()
    auth.login("therapist@example.com")
    assert "(training)" in page_text(client.get(f"/therapist?day={MONDAY.isoformat()}"))


# --- settings ------------------------------------------------------------------------------------


def test_booking_settings_have_defaults_and_come_from_the_environment(tmp_path):
    defaults = load_settings({"PORTAL_ENV": "testing"}, str(tmp_path))
    assert (defaults["BOOKING_GRID_MINUTES"], defaults["BOOKING_BUFFER_MINUTES"], defaults["BOOKING_MIN_NOTICE_MINUTES"],
            defaults["BOOKING_HORIZON_DAYS"], defaults["CANCELLATION_WINDOW_HOURS"]) == (15, 15, 120, 56, 24)
    chosen = load_settings({"PORTAL_ENV": "testing", "BOOKING_GRID_MINUTES": "30", "BOOKING_BUFFER_MINUTES": "10",
                            "BOOKING_MIN_NOTICE_MINUTES": "60", "BOOKING_HORIZON_DAYS": "28",
                            "CANCELLATION_WINDOW_HOURS": "48"}, str(tmp_path))
    assert (chosen["BOOKING_GRID_MINUTES"], chosen["BOOKING_BUFFER_MINUTES"], chosen["BOOKING_MIN_NOTICE_MINUTES"],
            chosen["BOOKING_HORIZON_DAYS"], chosen["CANCELLATION_WINDOW_HOURS"]) == (30, 10, 60, 28, 48)


@pytest.mark.parametrize("setting", [{"BOOKING_GRID_MINUTES": 10}, {"BOOKING_GRID_MINUTES": 0},
                                     {"BOOKING_BUFFER_MINUTES": -5}, {"CANCELLATION_WINDOW_HOURS": -1}])
def test_settings_the_double_booking_guard_cannot_honour_are_refused(app_config, setting):
    with pytest.raises(ConfigError):
        create_app({**app_config, **setting})


def test_the_settings_change_what_is_offered(app_config, users, salon, booking_clock):
    app = create_app({**app_config, "BOOKING_GRID_MINUTES": 30, "CANCELLATION_WINDOW_HOURS": 200})
    client = app.test_client()
    from tests.conftest import AuthActions
    AuthActions(client).login("client@example.com")
    html = client.get(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}"
                      f"&day={MONDAY}").get_data(as_text=True)
    assert at(MONDAY, "09:30") in offered_times(html) and at(MONDAY, "09:15") not in offered_times(html)
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                     at(MONDAY, "10:00"))
    assert "can't be moved or cancelled online" in page_text(client.get(f"/appointments/{appointment_id}"))
    with app.app_context():
        db.engine.dispose()


# --- demo data -----------------------------------------------------------------------------------------


def _demo(app):
    with app.app_context():
        client = db.session.scalar(select(User).where(User.email == "client@example.com"))
        therapist = db.session.scalar(select(User).where(User.email == "therapist@example.com"))
        rows = list(db.session.scalars(select(Appointment).order_by(Appointment.starts_at)))
        for row in rows:
            db.session.expunge(row)
        return client.id, therapist.id, rows


def test_demo_bookings_give_a_history_an_upcoming_visit_and_a_busy_week(app, client):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    claire, amelia_user, rows = _demo(app)
    now, today = clock.now(), clock.today()
    hers = [a for a in rows if a.client_id == claire]
    past = [a for a in hers if a.ends_at <= now]
    assert len(past) >= 6 and (today - to_local(past[0].starts_at).date()).days >= 150
    upcoming = [a for a in hers if a.starts_at > now]
    # The visit in five days, and today's with the demo therapist if its time is still to come.
    assert [to_local(a.starts_at).date() for a in upcoming][-1] == today + timedelta(days=5)
    assert {to_local(a.starts_at).date() for a in upcoming} <= {today, today + timedelta(days=5)}
    todays = [a for a in hers if to_local(a.starts_at).date() == today]
    assert len(todays) == 1 and todays[0].therapist.user_id == amelia_user
    by_therapist = Counter(a.therapist.user_id == amelia_user for a in past)
    assert by_therapist[True] > by_therapist[False] >= 1  # mostly Amelia, once someone else
    theirs = [a for a in rows if a.therapist.user_id == amelia_user and a.client_id != claire]
    assert {to_local(a.starts_at).date() for a in theirs} == {today + timedelta(days=n) for n in range(7)}
    assert all(a.client.email.endswith("example.com") and a.client.role == "client" for a in theirs)

    # Rebooking shows on the demo client's first visit to her dashboard.
    from tests.conftest import AuthActions
    AuthActions(client).login("client@example.com", DEMO_PASSWORD)
    assert "Book the same again" in page_text(client.get("/dashboard"))


def test_demo_bookings_load_again_without_duplicates_and_top_up_a_later_week(app, monkeypatch):
    with app.app_context():
        load_demo_data()
        db.session.commit()
        first = _demo(app)[2]
        load_demo_data()
        db.session.commit()
        assert len(_demo(app)[2]) == len(first)
        later = clock.now() + timedelta(days=7)
        monkeypatch.setattr(clock, "now", lambda: later)
        load_demo_data()
        db.session.commit()
    claire, _, rows = _demo(app)
    # No second history: only that day's visit with the demo therapist is added.
    assert len([a for a in rows if a.client_id == claire]) == len([a for a in first if a.client_id == claire]) + 1
    assert len(rows) > len(first)  # the new week has its appointments too
