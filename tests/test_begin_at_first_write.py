"""On PostgreSQL a transaction begins with its first write, not its first read
(portal.extensions.begin_at_first_write): a page that only reads sends no BEGIN and no ROLLBACK,
and whatever writes or locks still runs, with everything after it, in one transaction."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.audit.services import RecordingRead, Viewing, record_health_access
from portal.extensions import db, plain_read


@pytest.mark.parametrize("statement", [
    "SELECT users.id FROM users WHERE users.id = %(id)s",
    "  select 1",
    "SELECT (SELECT catalogue_version.stamp FROM catalogue_version) AS stamp, users.name FROM users",
    "SELECT forecast.id FROM forecast",  # "FOR" starting a word is no lock
])
def test_plain_reads(statement):
    assert plain_read(statement)


def test_a_statement_text_is_searched_once(postgres, client, auth, users):
    """The same texts come back on every page: each is searched once per process, then remembered."""
    auth.login()
    client.get("/dashboard")
    plain_read.cache_clear()
    client.get("/dashboard")
    searched = plain_read.cache_info().misses
    client.get("/dashboard")
    assert searched >= 3 and plain_read.cache_info().misses == searched
    assert plain_read.cache_info().hits >= searched


@pytest.mark.parametrize("statement", [
    "INSERT INTO users (email) VALUES (%(email)s) RETURNING users.id",
    "UPDATE login_sessions SET last_seen_at=%(now)s WHERE login_sessions.id = %(id)s",
    "DELETE FROM users",
    "SAVEPOINT sa_savepoint_1",
    "WITH moved AS (UPDATE users SET name = 'x' RETURNING id) SELECT id FROM moved",
    "SELECT users.id FROM users WHERE users.id = %(id)s FOR UPDATE",
    "SELECT users.id FROM users FOR NO KEY UPDATE",
    "SELECT users.id FROM users FOR KEY SHARE",
    "SELECT appointments.id FROM appointments FOR UPDATE OF appointments",
    "SELECT users.id FROM users\nFOR SHARE",
    "SELECT pg_advisory_xact_lock(42)",
    "SELECT nextval('users_id_seq')",
    "CREATE TABLE t (id int)",
])
def test_statements_that_need_the_transaction(statement):
    assert not plain_read(statement)


@pytest.fixture
def postgres(app):
    with app.app_context():
        if db.engine.dialect.driver != "psycopg":
            pytest.skip("the transaction begins late on PostgreSQL (psycopg) only")
    return app


@contextmanager
def protocol(app, tmp_path):
    """The messages the app's new connections send to PostgreSQL meanwhile (libpq's trace)."""
    from psycopg import pq

    path = tmp_path / "trace.txt"
    lines: list[str] = []
    with app.app_context():
        engine = db.engine
    with open(path, "wb") as trace:
        def tracing(dbapi_connection, record):
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

        event.listen(engine, "connect", tracing)  # the tests' engines pool nothing: every use connects
        try:
            yield lines
        finally:
            event.remove(engine, "connect", tracing)
    lines.extend(line for line in path.read_text(errors="replace").splitlines() if line.startswith("F\t"))


def _commands(lines: list[str]) -> list[str]:
    return [line.split('"')[1] for line in lines if "\tQuery\t" in line]


def test_a_page_that_only_reads_sends_no_begin_and_no_rollback(postgres, auth, users, tmp_path):
    assert auth.login().status_code == 302
    with protocol(postgres, tmp_path) as lines:
        assert auth.client.get("/account/ping").status_code == 204
    assert any(line.endswith("\tSync") for line in lines)  # the login's statement was traced
    assert _commands(lines) == []


def test_a_request_that_writes_begins_and_commits_once(postgres, auth, users, tmp_path):
    assert auth.login().status_code == 302
    with protocol(postgres, tmp_path) as lines:
        # The logout form read first (a GET: nothing), then its POST revokes the login session.
        assert auth.logout().status_code == 302
    assert _commands(lines) == ["BEGIN", "COMMIT"]


def test_a_write_and_every_statement_after_it_share_one_transaction(postgres, users):
    from psycopg.pq import TransactionStatus

    with postgres.app_context():
        raw = db.session.connection().connection.dbapi_connection
        assert db.session.scalar(select(func.count(User.id))) == 3
        assert raw.pgconn.transaction_status == TransactionStatus.IDLE  # the read needed none
        db.session.add(User(email="new@example.com", name="New Client", role="client", password_hash="x"))
        db.session.flush()
        assert raw.pgconn.transaction_status == TransactionStatus.INTRANS
        assert db.session.scalar(select(func.count(User.id))) == 4  # sees its own write
        db.session.rollback()
        assert db.session.scalar(select(func.count(User.id))) == 3  # and nothing of it was kept


def test_a_locking_read_holds_its_lock_until_the_end(postgres, users):
    from psycopg.pq import TransactionStatus

    with postgres.app_context():
        db.session.execute(select(User.id).where(User.email == "client@example.com").with_for_update())
        raw = db.session.connection().connection.dbapi_connection
        assert raw.pgconn.transaction_status == TransactionStatus.INTRANS
        db.session.rollback()


def _accesses(app) -> int:
    """Access records as another connection sees them: what is committed."""
    with app.app_context(), db.engine.connect() as other:
        return other.scalar(select(func.count(HealthAccess.id)))


def test_a_write_marked_to_run_alone_commits_as_it_runs(postgres, users):
    from psycopg.pq import TransactionStatus

    with postgres.app_context():
        raw = db.session.connection().connection.dbapi_connection
        viewer = db.session.get(User, users["therapist"].id)
        record_health_access(viewer, users["client"].id, "alone", alone=True)
        assert raw.pgconn.transaction_status == TransactionStatus.IDLE  # no transaction was opened
        assert _accesses(postgres) == 1  # already committed, before any commit of the session
        db.session.add(User(email="new@example.com", name="New Client", role="client", password_hash="x"))
        db.session.flush()  # a later write still opens a transaction
        assert raw.pgconn.transaction_status == TransactionStatus.INTRANS
        db.session.rollback()
        assert _accesses(postgres) == 1 and db.session.scalar(select(func.count(User.id))) == 3


def test_a_write_marked_to_run_alone_joins_a_transaction_already_open(postgres, users):
    with postgres.app_context():
        db.session.add(User(email="new@example.com", name="New Client", role="client", password_hash="x"))
        db.session.flush()
        record_health_access(db.session.get(User, users["therapist"].id), users["client"].id, "inside", alone=True)
        assert _accesses(postgres) == 0  # not committed on its own: part of the open transaction
        db.session.rollback()
    assert _accesses(postgres) == 0


def test_a_connection_asking_for_autocommit_begins_no_transaction_for_a_write(postgres):
    """SQLAlchemy's AUTOCOMMIT isolation level is kept for statements that are not plain reads
    too: a VACUUM (what `flask demo scale` runs) fails inside a transaction."""
    from sqlalchemy import text

    with postgres.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM health_access_log"))


_USERS_BY_EMAIL = select(User.email).order_by(User.email)


@pytest.mark.parametrize("alone", [True, False])
def test_a_recording_read_gives_the_reads_rows_and_records_the_view(app, users, alone):
    """On either database: the rows are the read's own, one access record is written with the
    viewer and what was seen; `alone` on PostgreSQL it is committed as the read completes,
    otherwise it is the caller's to commit or roll back."""
    read = RecordingRead(_USERS_BY_EMAIL)
    with app.app_context():
        viewer = db.session.get(User, users["therapist"].id)
        rows = read.execute({}, users["client"].id, Viewing(viewer, "a test read", alone)).scalars().all()
        assert rows == db.session.scalars(_USERS_BY_EMAIL).all() and len(rows) == 3
        seen = db.session.execute(select(HealthAccess.client_id, HealthAccess.viewer_id, HealthAccess.what)).all()
        assert seen == [(users["client"].id, users["therapist"].id, "a test read")]
        committed_alone = alone and db.engine.dialect.driver == "psycopg"
        db.session.rollback()
    assert _accesses(app) == (1 if committed_alone else 0)


def test_a_recording_read_that_finds_nothing_still_records_the_view(app, users):
    read = RecordingRead(_USERS_BY_EMAIL.where(User.id == -1))
    with app.app_context():
        viewer = db.session.get(User, users["admin"].id)
        assert read.execute({}, users["client"].id, Viewing(viewer, "nothing found")).all() == []
        db.session.commit()
    with app.app_context():
        assert db.session.execute(select(HealthAccess.viewer_id, HealthAccess.what)).all() == [
            (users["admin"].id, "nothing found")]


def test_the_brief_logs_its_view_without_begin_or_commit(postgres, auth, users, small_salon, tmp_path):
    from datetime import timedelta

    from portal import clock
    from tests.factories import make_appointment

    appointment = make_appointment(postgres, small_salon, users["client"].id, clock.now() + timedelta(hours=1))
    assert auth.login("therapist@example.com").status_code == 302
    with protocol(postgres, tmp_path) as lines:
        assert auth.client.get(f"/therapist/appointments/{appointment}/brief").status_code == 200
    assert _commands(lines) == []  # the access record committed by itself, no round trips around it
    # It rides with the profile's read (audit.services.RecordingRead): WITH health_access_recorded
    # AS (INSERT INTO health_access_log ...) SELECT ..., one statement, not an INSERT of its own.
    assert any("WITH health_access_recorded AS" in line for line in lines)
    assert not any("\"INSERT INTO health_access_log" in line for line in lines)
    assert _accesses(postgres) == 1
