"""Operations compose: events are sent after commit, never for work that rolled back, and the
request commits once for everything its operations flushed."""

from __future__ import annotations

from datetime import timedelta

from blinker import Signal
from flask import Response
from sqlalchemy import func, select

from portal import events
from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.booking import services
from portal.booking.models import Appointment
from portal.extensions import db
from portal.feedback.brief import brief_for
from portal.mail import outbox
from portal.salon.models import Location, Service, Therapist
from portal.signals import appointment_booked
from tests.booking_support import MONDAY, NOW, at


def _request(salon, start, key):  # noqa: F811
    return services.BookingRequest(salon.back, salon.city, salon.amelia, start, key)


def _insert(app, users, salon, start, key):  # noqa: F811
    client = db.session.get(User, users["client"].id)
    return services.insert_if_free(client, db.session.get(Service, salon.back), db.session.get(Location, salon.city),
                                   db.session.get(Therapist, salon.amelia), _request(salon, start, key), announce=True)


def test_a_booking_that_rolls_back_emails_nobody(app, users, salon, booking_clock):  # noqa: F811
    with app.test_request_context():
        first = _insert(app, users, salon, at(MONDAY, "10:00"), "first")
        assert first is not None and outbox() == []  # flushed, not committed: nothing sent yet
        db.session.commit()
        assert len(outbox()) == 1  # sent once the commit returned
        # The same time again: the guard's insert fails and its savepoint rolls back.
        assert _insert(app, users, salon, at(MONDAY, "10:15"), "second") is None
        assert len(outbox()) == 1 and events.pending() == []
        # Nothing queued by the failed attempt leaks into the next transaction's commit.
        db.session.commit()
        assert len(outbox()) == 1


def test_events_wait_for_the_commit_and_die_with_a_rollback(app, users, salon, booking_clock):  # noqa: F811
    seen = []
    happened = Signal()  # a signal of the test's own: no email listener on it

    @happened.connect
    def listener(sender, what, **extra):
        seen.append(what)

    with app.app_context():
        events.after_commit(happened, what="rolled back")
        db.session.rollback()
        events.after_commit(happened, what="kept")
        # A savepoint releasing is not the commit.
        with db.session.begin_nested():
            pass
        assert seen == []
        db.session.commit()
        assert seen == ["kept"]


def _accesses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(HealthAccess))


def test_two_operations_compose_into_the_requests_one_transaction(app, users, salon, booking_clock):  # noqa: F811
    """A read that records access and a booking announcement share the request's transaction:
    an error answer undoes both, a success commits both and only then sends the email."""
    appointment_id = None
    with app.test_request_context():
        appointment_id = _insert(app, users, salon, at(MONDAY, "10:00"), "k").id
        db.session.commit()
        outbox().clear()
    for status, accesses, mails in ((500, 0, 0), (200, 2, 1)):
        with app.test_request_context():
            therapist = db.session.get(User, users["therapist"].id)
            brief_for(therapist, appointment_id, now=NOW)  # operation 1: flushes its access row
            appointment = db.session.get(Appointment, appointment_id)
            events.after_commit(appointment_booked, appointment=appointment)  # operation 2's follow-up
            brief_for(therapist, appointment_id, now=NOW)
            assert outbox() == []  # nothing is sent before the request commits
            events.commit_request(Response(status=status))
            sent = len(outbox())
        assert (_accesses(app), sent) == (accesses, mails)


def test_attendance_is_a_booking_operation_that_the_request_commits(app, users, salon, booking_clock):  # noqa: F811
    from portal import clock
    from portal.booking import attendance
    from portal.feedback import services as feedback_services

    assert not hasattr(feedback_services, "mark_attendance")
    with app.test_request_context():
        appointment_id = _insert(app, users, salon, clock.now() - timedelta(hours=1), "k").id
        db.session.commit()
    for status, no_show in ((500, False), (302, True)):
        with app.test_request_context():
            attendance.mark_attendance(db.session.get(User, users["therapist"].id), appointment_id, attended=False)
            events.commit_request(Response(status=status))
        with app.app_context():
            assert db.session.get(Appointment, appointment_id).no_show is no_show
