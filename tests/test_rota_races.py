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


def test_a_booking_and_a_cut_to_the_hours_at_the_same_instant_never_both_succeed(race_app, users, make_user,
                                                                                   monkeypatch):
    """The booking reads the hours, then takes a while (its re-check is slowed here) while the admin
    removes that day's shift: without a lock both succeed, leaving an appointment outside the hours
    that nobody was asked about. The booking holds the therapist's row (FOR KEY SHARE on PostgreSQL, the
    write lock on SQLite) from its re-check to its commit, and the change takes it FOR UPDATE first:
    whichever is second sees the first, so the change lists the booking or the booking is refused."""
    salon = seed_salon(race_app, users)
    from time import sleep

    from portal.salon.models import WorkingHours
    checked = slots.recheck

    def slow_recheck(*args, **kwargs):
        reason = checked(*args, **kwargs)
        sleep(0.4)  # the admin's request lands here
        return reason

    monkeypatch.setattr(slots, "recheck", slow_recheck)
    with race_app.app_context():
        monday = db.session.scalar(select(WorkingHours).where(WorkingHours.therapist_id == salon.amelia,
                                                              WorkingHours.weekday == 0))
        shift_id, seen = monday.id, f"0|{monday.starts_at:%H:%M}|{monday.ends_at:%H:%M}|{monday.location_id}"
    make_user("racer@example.com")
    clients = logged_in_clients(race_app, ["racer@example.com", "admin@example.com"])
    admin_post = (f"/admin/rota/shifts/{shift_id}/remove", {"seen": seen, "confirmed": "1"})
    booking, cut = race_posts(clients, [("/book", booking_form(salon, at(MONDAY, "10:00"))), admin_post])
    booked, changed = booking.status_code == 302, cut.status_code == 302
    assert booked != changed, (booking.status_code, cut.status_code)
    with race_app.app_context():
        appointments = db.session.scalar(select(db.func.count()).select_from(Appointment).where(
            Appointment.therapist_id == salon.amelia, Appointment.status == BOOKED))
        still_works = db.session.get(WorkingHours, shift_id) is not None
    assert appointments == (1 if booked else 0)
    assert still_works == booked  # the change refused (it lists the booking to confirm) or the booking
    if booked:
        assert cut.status_code == 409 and "Remove the shift anyway" in cut.get_data(as_text=True)
    else:
        assert booking.status_code in (409, 422)
