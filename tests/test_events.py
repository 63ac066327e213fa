"""Operations compose: events are sent after commit, never for work that rolled back, and the
request commits once for everything its operations flushed."""

from __future__ import annotations

from datetime import timedelta

from blinker import Signal
from flask import Response
from sqlalchemy import func, select

from portal import events, signals
from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.booking import notify, services
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
    """A read that records access and a booking email share the request's transaction: an error
    answer undoes both (the queued email included), a success commits both and only then sends
    the email."""
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
            # Operation 2 queues its email in the same transaction (the outbox); sent after commit.
            assert notify.rescheduled(appointment, was=appointment.starts_at)
            brief_for(therapist, appointment_id, now=NOW)
            assert outbox() == []  # nothing is sent before the request commits
            events.commit_request(Response(status=status))
            sent = len(outbox())
        assert (_accesses(app), sent) == (accesses, mails)


def test_a_record_that_survives_rollback_is_committed_whatever_the_answer(app, users, salon,  # noqa: F811
                                                                         booking_clock):
    """A page answered with an error that shows health data (a form shown again, 422) keeps its
    access record: the request's other work rolls back, the record is committed alone; a
    rollback inside the request (a refused booking) leaves it for the request's commit."""
    from portal.audit.services import record_health_access

    for status, accesses, booked in ((422, 1, 0), (200, 2, 1)):
        with app.test_request_context():
            admin = db.session.get(User, users["admin"].id)
            db.session.rollback()  # a refusal's rollback before the record: nothing is lost
            record_health_access(admin, users["client"].id, "shown again", survives_rollback=True)
            db.session.rollback()  # ...nor after it
            _insert(app, users, salon, at(MONDAY, "10:00"), f"k{status}")  # the request's other work
            events.commit_request(Response(status=status))
        assert (_accesses(app), _appointments(app)) == (accesses, booked)
    with app.app_context():  # a session closed without a commit writes nothing
        record_health_access(db.session.get(User, users["admin"].id), users["client"].id, "dropped",
                             survives_rollback=True)
        db.session.close()
        db.session.commit()
    assert _accesses(app) == 2


def _appointments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appointment))


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


# --- every operation composes (issue 9 item 4) -------------------------------------------------


def _profile_revisions(client_id: int) -> int:
    from portal.profile.models import HealthProfile, ProfileRevision

    return db.session.scalar(select(func.count()).select_from(ProfileRevision).join(HealthProfile)
                             .where(HealthProfile.client_id == client_id))


def _operations_then(app, users, salon, status: int):
    """Three operations of three features in one request (a registration, a profile save, a
    booking), then the answer `status`; returns who was emailed before the response closed."""
    from portal.accounts import services as account_services
    from portal.profile import services as profile_services
    from portal.profile.content import ProfileContent

    with app.test_request_context("/", method="POST"):
        account_services.register("Nina Bell", "nina@example.com", "a long enough passphrase 42")
        profile_services.save_profile(db.session.get(User, users["client"].id), ProfileContent(), consent_given=True)
        assert _insert(app, users, salon, at(MONDAY, "10:00"), "k") is not None
        response = app.process_response(Response(status=status))  # the app's after_request hooks
        before_close = [m["To"] for m in outbox()]
    response.close()  # the server has written the response
    return before_close


def test_a_request_that_fails_after_its_operations_leaves_nothing_and_emails_nobody(
        app, users, salon, booking_clock):  # noqa: F811
    assert _operations_then(app, users, salon, 422) == []
    with app.app_context():
        assert outbox() == []
        assert db.session.scalar(select(User).where(User.email == "nina@example.com")) is None
        assert _profile_revisions(users["client"].id) == 0
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_a_request_that_succeeds_commits_its_operations_once_then_emails_after_the_response(
        app, users, salon, booking_clock):  # noqa: F811
    # The booking email goes at the commit (its job, immediate in tests); the confirmation is
    # queued only after the response is sent.
    assert _operations_then(app, users, salon, 302) == ["client@example.com"]
    with app.app_context():
        assert sorted(m["To"] for m in outbox()) == ["client@example.com", "nina@example.com"]
        assert db.session.scalar(select(User).where(User.email == "nina@example.com")) is not None
        assert _profile_revisions(users["client"].id) == 1
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_a_booking_clash_inside_a_larger_transaction_rolls_back_only_its_savepoint(
        app, users, salon, booking_clock):  # noqa: F811
    from portal.profile import services as profile_services
    from portal.profile.content import ProfileContent
    from tests.booking_support import held

    with app.test_request_context():
        profile_services.save_profile(db.session.get(User, users["client"].id), ProfileContent(), consent_given=True)
        first = _insert(app, users, salon, at(MONDAY, "10:00"), "first")
        assert _insert(app, users, salon, at(MONDAY, "10:15"), "second") is None  # clashes
        # The caller's earlier work is still there, in the same transaction, with its one event.
        assert _profile_revisions(users["client"].id) == 1 and db.session.get(Appointment, first.id) is not None
        assert [signal for signal, _ in events.pending()] == [signals.health_profile_changed, signals.email_queued,
                                                          appointment_booked]
        first_id = first.id
        db.session.commit()
    with app.app_context():
        assert _profile_revisions(users["client"].id) == 1
        assert [a.idempotency_key for a in db.session.scalars(select(Appointment))] == ["first"]
        assert len(outbox()) == 1
    assert held(app, first_id)  # its cells are intact


def test_a_savepoint_on_sqlite_does_not_commit_what_the_caller_rolls_back(app, users, salon, booking_clock):  # noqa: F811
    """pysqlite opens no transaction before a SAVEPOINT: one opened first would itself be the
    transaction, and releasing it would commit. The booking's insert must stay undoable."""
    with app.app_context():
        db.session.commit()  # start from no open transaction, as a fresh request does
        assert _insert(app, users, salon, at(MONDAY, "10:00"), "k") is not None
        db.session.rollback()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0


# Where a commit may be: (file, the function that calls it). Everything else flushes and lets
# its caller (the request's hook, a CLI command, a job, a test) commit once.
COMMITS_ALLOWED = {
    ("portal/events.py", "commit_request"),  # the request's one commit
    ("portal/cli.py", "load_demo"),  # the CLI commands, each its unit of work
    ("portal/cli.py", "scale_demo"),
    ("portal/cli.py", "booking_check"),
    ("portal/cli.py", "create_admin"),
    ("portal/cli.py", "forget_inactive"),
    ("portal/cli.py", "reminders_run"),
    ("portal/booking/recheck.py", "on_profile_changed"),  # a listener after commit: its own unit
    ("portal/booking/recheck.py", "on_therapist_qualifications_changed"),  # the same, for a therapist
    ("portal/reminders/answered.py", "on_appointment_booked"),  # listeners after commit: withdraw a
    ("portal/reminders/answered.py", "on_feedback_given"),  # waiting email booking/feedback answered
    ("portal/reminders/answered.py", "on_health_profile_changed"),  # or consent withdrawn made unwanted
    ("portal/sealing.py", "rotate_keys"),  # a CLI batch job: each batch is committed
    ("portal/outbox/tasks.py", "deliver"),  # the outbox's jobs, each its own unit of work
    ("portal/outbox/tasks.py", "_write_prepared"),  # account emails, queued after the response
    ("portal/outbox/tasks.py", "purge_outbox"),
    ("portal/reminder_jobs.py", "run_reminder_scans"),  # the periodic scans: one commit per run
}


def _commits(path) -> set[tuple[str, str]]:
    """(file, innermost enclosing function) of every `<...session...>.commit()` call in `path`."""
    import ast

    found = set()

    def visit(node, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
                and "session" in ast.unparse(node.func.value)):
            found.add((path.as_posix(), function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text()), "<module>")
    return found


def test_only_the_request_the_cli_and_listeners_commit():
    import pathlib

    commits = set().union(*(_commits(path) for path in pathlib.Path("portal").rglob("*.py")))
    assert commits - COMMITS_ALLOWED == set()
    # The services modules in particular: not one commit (recheck's listeners aside).
    services_modules = [*pathlib.Path("portal").glob("*/services.py"),
                        pathlib.Path("portal/booking/recheck.py"), pathlib.Path("portal/booking/attendance.py")]
    for module in services_modules:
        assert _commits(module) <= {("portal/booking/recheck.py", "on_profile_changed"),
                                    ("portal/booking/recheck.py", "on_therapist_qualifications_changed")}, module
