"""`flask booking check [--repair]`: cells the double-booking guard holds that no booked
appointment should (cancelled ones, or outside the appointment's own time), and cells booked
appointments are missing; and attendance reads the appointment as it is now, under its lock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from portal.accounts.models import User
from portal.booking import attendance, integrity
from portal.booking.models import Appointment, AppointmentSlot
from portal import clock
from portal.extensions import db
from tests.booking_support import (
    MONDAY,
    add_appointment,
    at,
    held,
)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["booking", "check", *args])


def test_a_clean_database_checks_clean(app, users, salon, booking_clock):
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    result = run(app)
    assert result.exit_code == 0, result.output
    assert "0 cell(s) held by cancelled appointments" in result.output
    assert "0 cell(s) outside their appointment's own time" in result.output


@pytest.fixture
def broken(app, users, salon, booking_clock):
    """A cancelled appointment still holding its 4 cells, a stray cell, and a missing one."""
    client_id = users["client"].id
    cancelled = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    stray = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "13:00"))
    short = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "15:00"))
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.id == cancelled).values(status="cancelled"))
        db.session.add(AppointmentSlot(therapist_id=salon.amelia, starts_at=at(MONDAY, "16:30"), appointment_id=stray))
        db.session.execute(delete(AppointmentSlot).where(AppointmentSlot.appointment_id == short,
                                                         AppointmentSlot.starts_at == at(MONDAY, "15:45")))
        db.session.commit()
    return cancelled, stray, short


def test_check_reports_orphaned_and_missing_cells_and_fails(app, broken):
    result = run(app)
    assert result.exit_code == 1
    assert "4 cell(s) held by cancelled appointments" in result.output
    assert "1 cell(s) outside their appointment's own time" in result.output
    assert "1 cell(s) missing from booked appointments" in result.output
    assert "run with --repair" in result.output


def test_repair_frees_orphaned_cells_and_restores_missing_ones(app, broken, salon):
    cancelled, stray, short = broken
    result = run(app, "--repair")
    assert result.exit_code == 0, result.output
    assert "5 orphaned cell(s) deleted, 1 missing cell(s) added" in result.output
    assert held(app, cancelled) == []
    assert held(app, stray) == [at(MONDAY, "13:00") + timedelta(minutes=15 * n) for n in range(4)]
    assert held(app, short) == [at(MONDAY, "15:00") + timedelta(minutes=15 * n) for n in range(4)]
    with app.app_context():
        assert integrity.check().ok
    assert run(app).exit_code == 0


def test_cells_held_under_another_therapist_are_found_and_freed(app, users, salon, booking_clock):
    """The check goes one therapist at a time: a cell filed under Daniel for Amelia's booked
    appointment, or for a cancelled one, is still found (and --repair frees it)."""
    client_id = users["client"].id
    booked = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    cancelled = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "13:00"))
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.id == cancelled).values(status="cancelled"))
        db.session.execute(delete(AppointmentSlot).where(AppointmentSlot.appointment_id == cancelled))
        db.session.add_all([AppointmentSlot(therapist_id=salon.daniel, starts_at=at(MONDAY, "10:00"), appointment_id=booked),
                            AppointmentSlot(therapist_id=salon.daniel, starts_at=at(MONDAY, "13:00"),
                                            appointment_id=cancelled)])
        db.session.commit()
        found = integrity.check()
        assert found.outside == [(salon.daniel, at(MONDAY, "10:00"), booked)]
        assert found.cancelled == [(salon.daniel, at(MONDAY, "13:00"), cancelled)]
        assert found.missing == []
    assert run(app, "--repair").exit_code == 0
    with app.app_context():
        assert integrity.check().ok
        assert held(app, booked) == [at(MONDAY, "10:00") + timedelta(minutes=15 * n) for n in range(4)]


def test_repair_leaves_a_missing_cell_someone_else_now_holds(app, broken, salon):
    """Time off entered over the missing cell (the appointment accepted) holds it now: repair
    cannot give it back and says so, and adds nothing over it."""
    from portal.booking import time_off
    _, _, short = broken
    with app.app_context():
        time_off.add(salon.amelia, at(MONDAY, "15:45"), at(MONDAY, "16:00"), "Dentist", accepted={short})
        db.session.commit()
    result = run(app, "--repair")
    assert result.exit_code == 1
    assert "1 missing cell(s) are held by another appointment" in result.output
    assert held(app, short) == [at(MONDAY, "15:00") + timedelta(minutes=15 * n) for n in range(3)]


def test_attendance_sees_a_cancellation_made_after_it_read_the_appointment(app, users, salon):
    session_at = clock.now() - timedelta(hours=1)  # attendance is for sessions that have started
    appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, session_at)
    with app.app_context():
        staff = db.session.get(User, users["therapist"].id)
        seen = db.session.get(Appointment, appointment_id)  # this session's copy, kept (the map is weak)
        assert seen.status == "booked"
        with db.engine.begin() as other:  # another request cancels it meanwhile
            other.execute(update(Appointment).where(Appointment.id == appointment_id).values(status="cancelled"))
        with pytest.raises(attendance.Refused, match="cancelled"):
            attendance.mark_attendance(staff, appointment_id, attended=False)
        db.session.rollback()
        assert db.session.get(Appointment, appointment_id).no_show is False
