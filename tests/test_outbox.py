"""The outbox and its job queue: an email is queued in the sender's transaction, delivered by a
job after the commit, once, retried with backoff, dead after its last try, resent by the admin;
no earlier than its not_before; periodic work once per period; real consumer processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock, jobs
from portal.audit.models import AdminChange
from portal.booking.models import Appointment
from portal.extensions import db
from portal.jobs import huey
from portal.mail import outbox
from portal.outbox import services, tasks
from portal.outbox.models import OutboxMessage
from tests.booking_support import MONDAY, NOW, at, booking_form, count_appointments
from tests.conftest import HEALTH_KEYS, AuthActions, ClosingClient, make_config
from tests.smtp_server import FakeSMTPServer

ROOT = Path(__file__).resolve().parent.parent


def _queue(user_id=None, key="k1", **extra) -> bool:
    values = dict(kind="test", key=key, to="claire@example.com", subject="Hello", template="account_exists",
                  context={"user": {"first_name": "Claire"}, "login_url": "http://portal.test/account/login",
                           "forgot_url": "http://portal.test/account/forgot-password"}, user_id=user_id)
    values.update(extra)
    return services.queue_email(**values)


def _message(app, kind="test") -> OutboxMessage:
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).one()
        db.session.expunge(message)
        return message


def _run_scheduled() -> int:
    """Run every job in the queue's schedule now, as a consumer would once each is due."""
    later = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=30)
    due = huey.read_schedule(later)
    for task in due:
        huey.execute(task, timestamp=later)
    return len(due)


def _run_queue() -> int:
    """Run the jobs waiting in a real (non-immediate) queue, as one consumer would."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


# --- the after-commit rule ---------------------------------------------------------------------


def test_a_booking_that_rolls_back_queues_nothing(app, users, salon):
    from portal.accounts.models import User
    from portal.booking import services as booking_services
    from portal.salon.models import Location, Service, Therapist

    with app.test_request_context():
        request = booking_services.BookingRequest(salon.back, salon.city, salon.amelia, at(MONDAY, "10:00"), "k")
        appointment = booking_services.insert_if_free(
            db.session.get(User, users["client"].id), db.session.get(Service, salon.back),
            db.session.get(Location, salon.city), db.session.get(Therapist, salon.amelia), request, announce=True)
        assert appointment is not None
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # in the transaction
        db.session.rollback()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert outbox() == [] and huey.pending_count() == 0 and huey.scheduled_count() == 0


def test_a_booking_is_confirmed_after_its_commit_through_the_outbox(app, logged_in, salon):
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 302
    with app.app_context():
        sent = list(outbox())
        appointment_id = db.session.scalar(select(Appointment.id))
    assert [m["Subject"] for m in sent] == ["Booked: Monday 15 March 2027 at 10:00"]
    message = _message(app, "booked")
    assert message.key == f"booked:{appointment_id}:0" and message.status == "sent"
    assert message.appointment_id == appointment_id and message.user_id is not None
    assert message.body is None and message.html is None  # delivered: only the history is kept


# --- idempotency ---------------------------------------------------------------------------------


def test_queueing_the_same_message_twice_adds_nothing(app, users):
    with app.test_request_context():
        assert _queue() is True
        assert _queue() is False  # same kind and key, same transaction
        db.session.commit()
        assert _queue() is False  # and after the commit
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        assert len(outbox()) == 1


def test_a_retried_delivery_never_sends_twice(app, users):
    with app.test_request_context():
        assert _queue()
        db.session.commit()  # delivered by the job the commit queued
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert len(outbox()) == 1
        # The same job again (a consumer retrying it, the sweep, a duplicate enqueue): nothing.
        assert tasks.deliver(message_id) is False
        tasks.deliver_email(message_id)
        assert len(outbox()) == 1
        assert db.session.get(OutboxMessage, message_id).attempts == 1


def test_two_jobs_for_one_message_claim_it_once(app, users, monkeypatch):
    monkeypatch.setattr(jobs, "enqueue_at", lambda *a, **k: None)  # no job: two "consumers" by hand
    with app.test_request_context():
        assert _queue()
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
        first = services.claim(message_id)
        db.session.commit()
        assert first is not None
        assert services.claim(message_id) is None  # held by the first job (its lease)
        db.session.rollback()
        # A job that died mid-send: once the lease is over, another may try (at least once).
        later = clock.now() + services.LEASE + timedelta(seconds=1)
        clock_now = clock.now
        try:
            clock.now = lambda: later
            assert services.claim(message_id) is not None
        finally:
            clock.now = clock_now
        db.session.rollback()


# --- retries with backoff, then the dead letter --------------------------------------------------


def test_a_failing_send_is_retried_with_backoff_then_dead(app, users, booking_clock, monkeypatch):
    app.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_SECONDS=60)
    tries = []

    def down(*args, **kwargs):
        tries.append(clock.now())
        raise ConnectionRefusedError("connection refused")
    monkeypatch.setattr(tasks, "send_mail", down)

    with app.test_request_context():
        assert _queue()
        db.session.commit()  # try 1, at once: fails
    message = _message(app)
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.next_attempt_at == NOW + timedelta(seconds=60)
    assert message.last_error == "ConnectionRefusedError: connection refused"
    assert huey.scheduled_count() == 1  # the next try waits in the queue's schedule

    booking_clock.now = NOW + timedelta(seconds=60)
    with app.app_context():
        assert _run_scheduled() == 1  # try 2: fails, waits twice as long
    message = _message(app)
    assert (message.status, message.attempts) == ("failed", 2)
    assert message.next_attempt_at == NOW + timedelta(seconds=60 + 120)

    booking_clock.now = NOW + timedelta(seconds=180)
    with app.app_context():
        assert _run_scheduled() == 1  # try 3, the last: dead
    message = _message(app)
    assert (message.status, message.attempts) == ("dead", 3)
    assert huey.scheduled_count() == 0 and len(tries) == 3
    assert message.body  # kept, so the admin can resend it
    with app.app_context():
        assert outbox() == []


def test_a_permanent_refusal_is_dead_at_once(app, users, monkeypatch):
    import smtplib

    def refused(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"claire@example.com": (550, b"no such user")})
    monkeypatch.setattr(tasks, "send_mail", refused)
    with app.test_request_context():
        assert _queue()
        db.session.commit()
    message = _message(app)
    assert (message.status, message.attempts) == ("failed", 1)  # recipients refused: retried
    monkeypatch.setattr(tasks, "send_mail", lambda *a, **k: (_ for _ in ()).throw(
        smtplib.SMTPDataError(554, b"rejected for good")))
    with app.app_context():
        tasks.deliver(message.id)
    assert _message(app).status == "dead"


def test_the_admin_sees_dead_letters_and_resends_one(app, client, auth, users, monkeypatch):
    app.config.update(OUTBOX_MAX_ATTEMPTS=1)
    monkeypatch.setattr(tasks, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("timed out")))
    with app.test_request_context():
        assert _queue(user_id=users["client"].id)
        db.session.commit()
    message = _message(app)
    assert message.status == "dead"

    assert auth.login("admin@example.com").status_code == 302
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "claire@example.com" in page and "Hello" in page and "OSError: timed out" in page
    assert "<td>dead</td>" in page and "<td>1</td>" in page  # status and tries
    assert f'action="/admin/outbox/{message.id}/resend"' in page
    assert "Hello Claire" not in page  # never the body

    monkeypatch.undo()  # the mail server is back
    response = auth.post(f"/admin/outbox/{message.id}/resend")
    assert response.status_code == 302
    with app.app_context():
        assert [m["Subject"] for m in outbox()] == ["Hello"]
        change = db.session.scalars(select(AdminChange)).one()
        assert (change.action, change.subject_type, change.subject_id) == ("resent", "email", message.id)
        assert change.changes == {"status": ["dead", "queued"]}
    assert _message(app).status == "sent"
    assert "every email has been delivered" in client.get("/admin/outbox/").get_data(as_text=True)
    # Sent already: a second click resends nothing.
    auth.post(f"/admin/outbox/{message.id}/resend")
    with app.app_context():
        assert len(outbox()) == 1


def test_resend_without_the_csrf_token_is_refused(app, client, auth, users):
    assert auth.login("admin@example.com").status_code == 302
    assert client.post("/admin/outbox/1/resend").status_code == 400


# --- not_before (quiet hours), headers, history, purge -------------------------------------------


def test_a_message_is_not_delivered_before_its_not_before(app, users, booking_clock):
    eight_tomorrow = NOW.replace(hour=8) + timedelta(days=1)
    with app.test_request_context():
        assert _queue(not_before=eight_tomorrow)
        db.session.commit()
        assert outbox() == []
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert tasks.deliver(message_id) is False  # a job that comes early sends nothing
        tasks.sweep_outbox.run_once()  # nor does the sweep
        assert outbox() == []
    assert huey.scheduled_count() == 1

    booking_clock.now = eight_tomorrow
    with app.app_context():
        assert _run_scheduled() == 1
        assert [m["Subject"] for m in outbox()] == ["Hello"]


def test_extra_headers_are_sent(app, users):
    headers = {"List-Unsubscribe": "<http://portal.test/unsubscribe/abc>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    with app.test_request_context():
        assert _queue(headers=headers, transactional=False)
        db.session.commit()
        sent = outbox()[0]
    assert sent["List-Unsubscribe"] == "<http://portal.test/unsubscribe/abc>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_sent_to_lists_what_a_client_was_sent(app, users, booking_clock):
    client_id = users["client"].id
    with app.test_request_context():
        assert _queue(user_id=client_id, key="a", subject="First")
        db.session.commit()
        booking_clock.now = NOW + timedelta(hours=1)
        assert _queue(user_id=client_id, key="b", subject="Second")
        assert _queue(user_id=users["admin"].id, key="c", subject="Someone else's")
        assert _queue(user_id=client_id, key="d", subject="Not yet", not_before=NOW + timedelta(days=1))
        db.session.commit()
        history = services.sent_to(client_id)
        assert [(m.subject, m.sent_at) for m in history] == [("Second", NOW + timedelta(hours=1)), ("First", NOW)]
        assert history[1].created_at == NOW and history[1].kind == "test" and history[1].to == "claire@example.com"


def test_delivered_messages_are_purged_after_the_keep_days(app, users, booking_clock):
    app.config.update(OUTBOX_KEEP_DAYS=30)
    with app.test_request_context():
        assert _queue(key="old")
        db.session.commit()
        booking_clock.now = NOW + timedelta(days=20)
        assert _queue(key="new")
        db.session.commit()
        booking_clock.now = NOW + timedelta(days=31)
        assert tasks.purge_outbox.run_once() is True
        assert db.session.scalars(select(OutboxMessage.key)).all() == ["new"]


# --- periodic work: once per period across consumers ---------------------------------------------


def test_periodic_work_runs_once_per_period(app, users, booking_clock, monkeypatch):
    runs = []
    monkeypatch.setattr(services, "due", lambda limit=500: runs.append(clock.now()) or [])
    booking_clock.now = datetime(2027, 3, 8, 9, 1, 30, tzinfo=timezone.utc)
    assert tasks.sweep_outbox.run_once() is True
    booking_clock.now = datetime(2027, 3, 8, 9, 4, 59, tzinfo=timezone.utc)
    assert tasks.sweep_outbox.run_once() is False  # a second consumer, same five minutes
    booking_clock.now = datetime(2027, 3, 8, 9, 5, 0, tzinfo=timezone.utc)
    assert tasks.sweep_outbox.run_once() is True  # the next period
    # While one consumer runs it, another's copy does nothing.
    booking_clock.now = datetime(2027, 3, 8, 9, 10, 0, tzinfo=timezone.utc)
    with huey.lock_task("periodic:portal.outbox.tasks.sweep_outbox"):
        assert tasks.sweep_outbox.run_once() is False
    assert len(runs) == 2


def test_period_start_reads_the_crontab():
    from huey import crontab

    nightly = crontab(minute="17", hour="3")
    assert jobs.period_start(nightly, datetime(2027, 3, 8, 3, 16)) == datetime(2027, 3, 7, 3, 17)
    assert jobs.period_start(nightly, datetime(2027, 3, 8, 9, 0)) == datetime(2027, 3, 8, 3, 17)


# --- the request never waits on SMTP; real consumers ---------------------------------------------


@pytest.fixture
def queue_app(app, tmp_path, database_url):
    """The app with a real SQLite queue (no job runs in the request) and an SMTP server the
    test starts; built after `app`, so the tables are emptied after the test as usual."""
    def build(port: int, **overrides):
        from portal import create_app

        config = make_config(database_url, HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.db"),
                             MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=1,
                             **overrides)
        built = create_app(config)
        built.test_client_class = ClosingClient
        return built
    yield build
    with contextlib.suppress(Exception):  # a test may have broken the queue on purpose
        huey.storage.flush_all()


def test_a_booking_returns_promptly_while_the_mail_server_hangs(queue_app, users, salon, booking_clock):
    with FakeSMTPServer(hang=True) as smtp:
        app = queue_app(smtp.port)
        auth = AuthActions(app.test_client())
        assert auth.login("client@example.com").status_code == 302
        started = time.monotonic()
        response = auth.post("/book", booking_form(salon, at(MONDAY, "10:00")))
        took = time.monotonic() - started
        assert response.status_code == 302 and took < 1.0, took  # MAIL_TIMEOUT is 1 s: not waited on
        assert count_appointments(app) == 1
        assert huey.pending_count() == 1  # the delivery job, for a consumer

        with app.app_context():
            _run_queue()  # the consumer: the server takes the connection, never answers
        message = _message(app, "booked")
        assert (message.status, message.attempts) == ("failed", 1)
        assert "timed out" in message.last_error
        assert huey.scheduled_count() == 1

        smtp.hang = False  # the mail server recovers
        with app.app_context():
            assert _run_scheduled() == 1
        received = smtp.wait_for(1, timeout=5)
    assert [m["Subject"] for m in received] == ["Booked: Monday 15 March 2027 at 10:00"]
    assert received[0]["To"] == "client@example.com"
    assert _message(app, "booked").status == "sent"


def _consumer(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "wsgi.huey", "-w", "1", "-k", "thread", "-q"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _consumer_env(database_url: str, smtp_port: int, **extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("HUEY_", "MAIL_", "REDIS_URL", "DATABASE_URL"))}
    env.update(PORTAL_ENV="testing", DATABASE_URL=database_url, SECRET_KEY=make_config("")["SECRET_KEY"],
               HEALTH_DATA_KEYS=HEALTH_KEYS, PUBLIC_URL="http://portal.test", HUEY_IMMEDIATE="0",
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port), MAIL_USE_TLS="0", **extra)
    return env


def _deliver_through_a_real_consumer(app, env: dict, smtp: FakeSMTPServer) -> None:
    with app.test_request_context():
        assert _queue(key=uuid.uuid4().hex)
        db.session.commit()  # queues the job in the shared queue; nothing runs here
    assert smtp.received == []
    process = _consumer(env)
    try:
        received = smtp.wait_for(1, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)  # a clean stop, as Ctrl-C
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert [m["Subject"] for m in received] == ["Hello"], output
    assert "Hello Claire," in received[0].get_body(("plain",)).get_content()
    assert _message(app).status == "sent"


def test_a_real_consumer_delivers_from_the_sqlite_queue(queue_app, users, database_url, tmp_path):
    with FakeSMTPServer() as smtp:
        app = queue_app(smtp.port)
        env = _consumer_env(database_url, smtp.port, HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
        _deliver_through_a_real_consumer(app, env, smtp)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (it is on the PostgreSQL CI run)")
def test_a_real_consumer_delivers_from_the_redis_queue(queue_app, users, database_url):
    name = f"portal-test-{uuid.uuid4().hex[:8]}"  # a queue of its own on a shared Redis
    redis_url = os.environ["REDIS_URL"]
    with FakeSMTPServer() as smtp:
        app = queue_app(smtp.port, HUEY_REDIS_URL=redis_url, HUEY_NAME=name)
        assert jobs.backend() == "redis"
        env = _consumer_env(database_url, smtp.port, HUEY_REDIS_URL=redis_url, HUEY_NAME=name)
        _deliver_through_a_real_consumer(app, env, smtp)


# --- readiness -------------------------------------------------------------------------------------


def test_readyz_checks_the_sqlite_queue(queue_app, tmp_path):
    app = queue_app(25)
    assert app.test_client().get("/readyz").get_json()["job_queue"] == "ok"
    huey.storage.close()
    for path in tmp_path.glob("huey.db*"):
        path.unlink()
    (tmp_path / "huey.db").mkdir()  # a file that cannot be opened any more
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["job_queue"] == "failed"


def test_readyz_fails_when_the_redis_queue_is_unreachable(queue_app):
    app = queue_app(25, HUEY_REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["job_queue"] == "failed"


def test_the_cli_shows_the_queue_and_the_undelivered(app, users, monkeypatch):
    app.config.update(OUTBOX_MAX_ATTEMPTS=1)
    monkeypatch.setattr(tasks, "send_mail", lambda *a, **k: (_ for _ in ()).throw(OSError("no route")))
    with app.test_request_context():
        assert _queue()
        db.session.commit()
    runner = app.test_cli_runner()
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0
    assert "email: queued 0, sending 0, sent 0, failed 0, dead 1" in status.output
    assert "queue: immediate, 0 jobs waiting, 0 scheduled" in status.output
    undelivered = runner.invoke(args=["outbox", "undelivered"])
    assert "dead\t1 tries\tclaire@example.com\tHello\tOSError: no route" in undelivered.output


def test_account_emails_are_written_even_when_the_server_never_closes_the_response(app, users, monkeypatch):
    """Werkzeug's development server skips close() when the client reset the connection: the
    after-response write then happens from a fallback timer, once."""
    from portal.accounts.emails import send_password_reset, Addressee

    monkeypatch.setattr(tasks, "AFTER_RESPONSE_FALLBACK_SECONDS", 0.05)
    with app.test_request_context():
        send_password_reset(Addressee(users["client"].id, "client@example.com", "Claire"), "token")
        response = app.make_response("ok")
        tasks.queue_after_response(response)  # the hook; the response is never closed
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with app.app_context():
            if outbox():
                break
        time.sleep(0.02)
    with app.app_context():
        assert [m["Subject"] for m in outbox()] == ["Reset your Mesmerising Beauty password"]
        response.close()  # a late close finds the work done: nothing twice
        time.sleep(0.1)
        assert len(outbox()) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
