"""Time off and a booking for the same therapist and time, sent at the same instant: never both.

Time off claims the double-booking guard's cells as a booking does (portal.booking.time_off),
so whichever writes first wins and the other is refused: the booking as "away" or "just taken",
the time off with the list of the booking that got there first. Each round is two real
requests on their own threads, connections and sessions, released by a barrier; on PostgreSQL
(TEST_DATABASE_URL) they truly run at once, on SQLite its write lock takes turns. The rules'
own checks are also switched off, so the database's cells must decide alone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.booking import integrity, slots, time_off
from portal.booking.models import BOOKED, Appointment, AppointmentSlot, TimeOff
from portal.extensions import db
from tests.booking_support import MONDAY, at, booking_form, seed_salon
from tests.racing import logged_in_clients, race_posts

DAYS = [MONDAY + timedelta(days=n) for n in range(5)]  # Amelia works at City Centre Mon-Fri


@pytest.mark.parametrize("rules_checked", [True, False], ids=["rules-and-database", "database-alone"])
def test_a_booking_and_time_off_at_the_same_instant_never_both_succeed(race_app, users, make_user, monkeypatch,
                                                                        rules_checked):
    salon = seed_salon(race_app, users)
    if not rules_checked:
        # Both sides read an empty diary, as if they read it at the same moment.
        monkeypatch.setattr(slots, "recheck", lambda *args, **kwargs: None)
        monkeypatch.setattr(time_off, "clashing", lambda *args, **kwargs: [])
    outcomes = []
    for n, day in enumerate(DAYS):
        email = f"racer{n}@example.com"
        make_user(email)
        clients = logged_in_clients(race_app, [email, "admin@example.com"])
        booking, day_off = race_posts(clients, [
            ("/book", booking_form(salon, at(day, "10:00"))),
            (f"/admin/rota/therapists/{salon.amelia}/time-off",
             {"first_day": day.isoformat(), "reason": "Race"}),
        ])
        booked, away = booking.status_code == 302, day_off.status_code == 302
        assert booked != away, (day, booking.status_code, day_off.status_code)
        assert booking.status_code in (302, 409, 422) and day_off.status_code in (302, 409, 422)
        outcomes.append("booking" if booked else "time off")
        with race_app.app_context():
            begin, end = at(day, "00:00"), at(day + timedelta(days=1), "00:00")
            appointments = list(db.session.scalars(select(Appointment).where(
                Appointment.therapist_id == salon.amelia, Appointment.status == BOOKED,
                Appointment.starts_at >= begin, Appointment.starts_at < end)))
            away_rows = list(db.session.scalars(select(TimeOff).where(
                TimeOff.therapist_id == salon.amelia, TimeOff.starts_at == begin)))
            assert len(appointments) + len(away_rows) == 1
            if away_rows:
                assert db.session.query(AppointmentSlot).filter_by(time_off_id=away_rows[0].id).count() == 96
    with race_app.app_context():
        assert integrity.check().ok
    assert set(outcomes) <= {"booking", "time off"}
