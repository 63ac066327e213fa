"""Fixtures: an app (reset per test) on SQLite (or PostgreSQL when TEST_DATABASE_URL is set),
users for each role, an AuthActions helper that logs in through the real form, and the booking
tests' salon and clock (helpers in tests/booking_support.py)."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal import clock, jobs
from portal.encryption import new_key_entry
from portal.extensions import db, limiter
from tests.booking_support import NOW, Clock, Salon, seed_salon
from tests.databases import create_database, drop_database

PASSWORD = "calm-lavender-pillow-42"
RUN_ID = uuid.uuid4().hex[:8]
HEALTH_KEYS = new_key_entry("test1")
RACERS = 24  # clients racing for one time in the race tests (tests/racing.py)  # one key for every app of the run: they share a database

_CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture(autouse=True)
def _shared_limiter_defaults():
    """The limiter is one object for every app of the run, and it keeps the first default limits
    an app's config gives it (RATELIMIT_DEFAULT): put back what it had after each test, so a test
    that sets them cannot rate-limit every later one."""
    saved = list(limiter.limit_manager._default_limits)
    yield
    limiter.limit_manager.set_default_limits(saved)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal.db")
        return
    url = create_database(base)
    try:
        yield url
    finally:
        drop_database(url)


def make_config(database_url: str, **overrides) -> dict:
    config = {
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-1234567890",
        "HEALTH_DATA_KEYS": HEALTH_KEYS,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_URL": "http://portal.test",
        "RATELIMIT_KEY_PREFIX": f"portal-test-{RUN_ID}",
        "LOGIN_RATE_LIMIT": "5 per minute",
        # Mail lands in portal.mail.outbox() whatever the environment says; a test that wants
        # SMTP names its own server.
        "MAIL_SERVER": None,
        # Jobs run at once, in the test's process (portal/jobs.py), whatever the environment says.
        "HUEY_IMMEDIATE": True,
        "HUEY_REDIS_URL": None,
        # Tests build many apps on one database: pooled connections of an app that is merely
        # garbage-collected would be closed late (psycopg warns); without a pool none linger.
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(make_config(database_url))
    with app.app_context():
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app_config(database_url, _schema):
    return make_config(database_url)


class ClosingClient(FlaskClient):
    """Reads and closes every response before returning it, as a server does once it has sent
    it, so work deferred to response.call_on_close (emails after the response) has happened.
    Pass buffered=False to look at a response before it is closed."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture(scope="session")
def _built_apps():
    """Apps already built this run, with the config each was built from."""
    built: list[tuple[dict, Flask]] = []
    yield built
    for _, app in built:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(app_config, _built_apps):
    """The app for `app_config`, built once per run and reset after every test.

    Building an app compiles every URL rule, which was the largest part of a test's set-up;
    so one app is kept per distinct config and, after each test, its config goes back to what
    it was built with, what the test left in app.extensions (captured mail, the parsed
    keyring) goes, the rate-limit counts and every table are emptied.
    """
    app = next((app for config, app in _built_apps if config == app_config), None)
    if app is None:
        app = create_app(app_config)
        app.test_client_class = ClosingClient
        _built_apps.append((dict(app_config), app))
    config, extensions = dict(app.config), set(app.extensions)
    with app.app_context():
        limiter.reset()
    jobs.configure(app)  # the one queue points at this app (a test may have built another)
    yield app
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()
        db.session.remove()
        limiter.reset()
    app.config.clear()
    app.config.update(config)
    for name in set(app.extensions) - extensions:
        del app.extensions[name]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash(database_url):
    """One argon2 hash for the whole run, at the test app's cheap cost (PASSWORD_HASH_COST), so
    log-ins verify it quickly and do not rehash it."""
    with create_app(make_config(database_url)).app_context():
        return hash_password(PASSWORD)


@pytest.fixture
def make_user(app, password_hash):
    def make(email: str, role: str = "client", name: str = "Test Person", confirmed: bool = True) -> User:
        with app.app_context():
            user = User(email=email, name=name, role=role, password_hash=password_hash,
                        email_confirmed_at=clock.now() if confirmed else None)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user
    return make


@pytest.fixture
def small_salon(app, users):
    """One salon, one service, the therapist@example.com therapist and one other (tests.factories)."""
    from tests.factories import make_salon

    return make_salon(app, users["therapist"].id)


# --- booking: the salon of tests/booking_support.py and a clock the test sets -------------


@pytest.fixture
def booking_clock(monkeypatch) -> Clock:
    frozen = Clock(NOW)
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def salon(app, users) -> Salon:
    return seed_salon(app, users)


@pytest.fixture
def logged_in(auth, users, salon, booking_clock):
    """The client logged in, with the salon seeded and the clock at NOW."""
    assert auth.login("client@example.com").status_code == 302
    return auth


@pytest.fixture
def consented(app, users) -> None:
    """The client keeps a consented (empty) health profile, so booking asks no screening tick."""
    from portal.profile.content import ProfileContent
    from portal.profile.services import save_profile

    with app.app_context():
        save_profile(db.session.get(User, users["client"].id), ProfileContent(), consent_given=True)
        db.session.commit()


@pytest.fixture
def race_app(app_config, users, booking_clock):
    """The app with a connection for every racer, so none waits for the pool instead of the race."""
    options = {"pool_pre_ping": True, "pool_size": RACERS + 4, "max_overflow": 0, "pool_timeout": 60}
    racing = create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options})
    yield racing
    with racing.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def users(make_user):
    return {
        "client": make_user("client@example.com", "client", "Claire Robson"),
        "therapist": make_user("therapist@example.com", "therapist", "Amelia Hart"),
        "admin": make_user("admin@example.com", "admin", "Morag Fenwick"),
    }


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token in hx-headers"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def csrf_token(self) -> str:
        response = self.client.get("/account/")
        if response.status_code != 200:
            response = self.client.get("/account/login")
        return csrf_token_from(response.get_data(as_text=True))

    def login(self, email: str = "client@example.com", password: str = PASSWORD, **extra):
        token = self.csrf_token()
        return self.client.post("/account/login", data={"email": email, "password": password,
                                                        "csrf_token": token, **extra})

    def logout(self):
        return self.client.post("/account/logout", data={"csrf_token": self.csrf_token()})

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST a form the way a browser does: with the page's CSRF token."""
        return self.client.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def count_queries():
    """`with app.app_context(), count_queries() as counted:` ... `counted.count` statements ran."""
    @contextmanager
    def counting():
        counted = SimpleNamespace(count=0, statements=[])

        def before_execute(conn, cursor, statement, parameters, context, executemany):
            counted.count += 1
            counted.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before_execute)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", before_execute)
    return counting
