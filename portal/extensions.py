"""Extensions created once here and bound to the app in create_app."""

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
import functools
import re
import time

from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import Engine

# Named constraints so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Where a session keeps the domain events its current transaction will announce (portal.events).
PENDING_EVENTS = "portal_pending_events"
# Set when the current transaction flushed a write, so the request knows it has work to commit.
HAS_WRITES = "portal_has_writes"
# Writes that must be made whatever becomes of the transaction's other work (portal.events.keep):
# sent by its commit, and still waiting for the next commit after a rollback.
KEPT_WRITES = "portal_kept_writes"


class EventSession(Session):
    """A session that sends the domain events of a transaction once that transaction has
    committed (`portal.events.after_commit` collects them), and forgets them when it rolls back,
    so a booking that rolls back emails nobody.

    Sending happens after `commit()` has returned, not inside SQLAlchemy's after_commit hook:
    listeners may read (an email loads the appointment's salon), which needs a live session.
    A SAVEPOINT (`begin_nested`) releasing is not a commit and sends nothing.

    The writes kept with `portal.events.keep` are sent by `commit()`, just before it commits; a
    rollback leaves them waiting for the next commit (only closing the session drops them).
    """

    def commit(self) -> None:
        for statement, params in self.info.pop(KEPT_WRITES, ()):
            self.execute(statement, params)
        super().commit()
        self.info.pop(HAS_WRITES, None)
        for signal, values in self.info.pop(PENDING_EVENTS, []):
            signal.send(None, **values)

    def rollback(self) -> None:
        self.info.pop(PENDING_EVENTS, None)
        self.info.pop(HAS_WRITES, None)
        super().rollback()

    def close(self) -> None:
        self.info.pop(PENDING_EVENTS, None)
        self.info.pop(HAS_WRITES, None)
        self.info.pop(KEPT_WRITES, None)
        super().close()


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"class_": EventSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# HTML (and any other text answer) gzip- or brotli-compressed when the client accepts it.
compress = Compress()
limiter = Limiter(key_func=get_remote_address)

login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


@event.listens_for(EventSession, "after_flush")
def _remember_writes(session, flush_context) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[HAS_WRITES] = True


@event.listens_for(EventSession, "do_orm_execute")
def _remember_statement_writes(state) -> None:
    # An UPDATE or DELETE statement (e.g. revoking login sessions) changes no object the flush
    # sees, but it is a write the request must commit all the same.
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[HAS_WRITES] = True


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record):
    """SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(conn, name) -> None:
    """pysqlite begins a transaction before an INSERT, UPDATE or DELETE, not before a SAVEPOINT:
    a savepoint opened first would itself be the transaction, and releasing it would commit what
    the caller meant to commit (or roll back) later. Begin the transaction first, as pysqlite
    would have (a deferred BEGIN, like its own)."""
    raw = conn.connection.dbapi_connection
    if type(raw).__module__.startswith("sqlite3") and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN")


# Stamped on a pooled connection when it goes back to the pool (portal.extensions.ping_when_idle).
_RETURNED_AT = "portal_returned_at"
_monotonic = time.monotonic  # tests move it on


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only when it has sat unused for `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` tests it before every use: a round trip to the database on every
    request, /account/ping's one statement included. A connection handed back moments ago is as
    good as the test would say; one that waited longer may have been closed by a database restart
    or by a proxy's idle timeout, and is tested, and replaced (with every connection pooled before
    it) when the test finds it dead, as pre-ping would. A restart within `idle_seconds` of the
    last use is found by the first statement instead: that request fails, and SQLAlchemy then
    replaces the pool's connections, as it does for any lost connection."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:
        record.info[_RETURNED_AT] = _monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection, record, proxy) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or _monotonic() - returned_at < idle_seconds:
            return  # a new connection, or one in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool replaces this connection and every one pooled before it, and retries.
                raise exc.InvalidatePoolError() from error
            raise


# Statements that read and nothing else: a SELECT that locks no rows. Anything else (a write, a
# locking read, a SAVEPOINT, DDL, a SELECT calling a function that may have effects) needs the
# transaction. A false "needs" only costs the BEGIN every statement paid before.
_LOCKING_OR_EFFECTS = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b|\bFOR\s+KEY\s+SHARE\b"
    r"|\b(?:pg_advisory\w*|pg_try_advisory\w*|nextval|setval|set_config|pg_notify|txid_current\w*)\s*\(",
    re.IGNORECASE)


@functools.lru_cache(maxsize=2048)
def plain_read(statement: str) -> bool:
    """A SELECT that takes no row lock and calls nothing with effects.

    Remembered per statement text: SQLAlchemy's compiled cache sends the same few hundred texts
    again and again, and the search over a long SELECT cost about 0.09 ms each time."""
    return statement.lstrip()[:6].upper() == "SELECT" and _LOCKING_OR_EFFECTS.search(statement) is None


# An execution option: this write is atomic by itself and may commit as it runs (begin_at_first_write).
RUNS_ALONE = "portal_runs_alone"


def begin_at_first_write(engine: Engine) -> None:
    """PostgreSQL (psycopg): a transaction's BEGIN is sent with its first write, not its first read.

    psycopg sends BEGIN as a round trip of its own before a transaction's first statement, and
    the pool ends every use with a ROLLBACK (another): a page that only reads paid two round trips
    for a transaction that gave it nothing. At READ COMMITTED, PostgreSQL's level and the
    app's, every statement sees what was committed when it started, inside a transaction or not:
    reads outside one see exactly what they would inside. So a checked-out connection runs in
    psycopg's autocommit mode until the first statement that is not a plain read (`plain_read`):
    that statement and every later one run in one transaction (psycopg sends the BEGIN before it),
    committed once or rolled back as before. A read-only request sends no BEGIN and no ROLLBACK
    (psycopg's commit and rollback send nothing outside a transaction), and, with no ROLLBACK
    clearing it, psycopg's cache of prepared statements lasts beyond one request.

    A write that is whole on its own and must be durable as soon as it returns (the brief's
    access record: one INSERT) may be marked with the execution option `RUNS_ALONE`: sent while
    no transaction is open, it runs in autocommit, committed by PostgreSQL as it completes,
    without a BEGIN and a COMMIT round trip of its own; once a transaction is open it is part of
    it, as any statement. A marked statement does not open a transaction for the ones after it.
    A connection given SQLAlchemy's AUTOCOMMIT isolation level keeps it for every statement.

    Not for an isolation level above READ COMMITTED (reads there share one snapshot, which they
    would lose): the engine must use the server's default."""
    if engine.dialect.driver != "psycopg":
        return
    from psycopg.pq import TransactionStatus

    def _reads_outside_a_transaction(dbapi_connection, *_) -> None:
        # (None: a connection invalidated on its way back, which the pool closes.)
        if dbapi_connection is not None and dbapi_connection.pgconn.transaction_status == TransactionStatus.IDLE:
            dbapi_connection.autocommit = True

    # On its way back to the pool (after the pool's rollback) and, first of all, when handed
    # out (a new connection): so a test of an idle connection (`ping_when_idle`, a checkout
    # listener registered earlier) or the pool's pre-ping begins no transaction either.
    event.listen(engine, "checkin", _reads_outside_a_transaction)
    event.listen(engine, "checkout", _reads_outside_a_transaction, insert=True)

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_before_the_first_write(conn, cursor, statement, parameters, context, executemany) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection.autocommit and not plain_read(statement) and not _runs_alone(context):
            dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement


def _runs_alone(context) -> bool:
    """The statement was marked `RUNS_ALONE`, or its connection asked for SQLAlchemy's AUTOCOMMIT
    isolation level (a VACUUM, which no transaction may hold): either way, no BEGIN before it."""
    options = context.execution_options if context is not None else {}
    return bool(options.get(RUNS_ALONE)) or options.get("isolation_level") == "AUTOCOMMIT"
