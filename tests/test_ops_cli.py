"""Operations commands (issue 14, item 6): the first admin, SQLite backup and restore, and the
health-data retention job. Each runs through click's runner, as an operator would."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, text

from portal import clock, create_app
from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.config import load_settings
from portal.db_file import head_revision
from portal.feedback.models import PainCheckIn
from portal.profile.models import HealthProfile, ProfileRevision
from portal.retention import retention_cutoff
from portal.extensions import db
from tests.conftest import make_config
from tests.factories import make_appointment

ADMIN_PASSWORD = "quiet-harbour-lantern-97"


def _users(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["users", *args], **kwargs)


def _user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


# --- flask users create-admin -------------------------------------------------------------


def test_create_admin_asks_twice_and_makes_a_confirmed_admin_who_can_log_in(app, auth):
    result = _users(app, "create-admin", "--email", " Owner@Example.com ", "--name", "Morag Fenwick",
                    input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert ADMIN_PASSWORD not in result.output  # the prompt hides what is typed
    admin = _user(app, "owner@example.com")
    assert admin is not None and admin.role == "admin" and admin.email_confirmed_at is not None
    assert auth.login("owner@example.com", ADMIN_PASSWORD).status_code == 302
    assert auth.client.get("/admin").status_code == 200  # the admin's own dashboard


def test_create_admin_reads_the_password_from_an_environment_variable(app, monkeypatch):
    monkeypatch.setenv("FIRST_ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = _users(app, "create-admin", "--email", "owner@example.com", "--name", "Morag Fenwick",
                    "--password-env", "FIRST_ADMIN_PASSWORD")
    assert result.exit_code == 0, result.output
    assert _user(app, "owner@example.com").role == "admin"


def test_create_admin_with_an_unset_password_variable_creates_nobody(app, monkeypatch):
    monkeypatch.delenv("FIRST_ADMIN_PASSWORD", raising=False)
    result = _users(app, "create-admin", "--email", "owner@example.com", "--name", "Morag Fenwick",
                    "--password-env", "FIRST_ADMIN_PASSWORD")
    assert result.exit_code != 0 and "FIRST_ADMIN_PASSWORD" in result.output
    assert _user(app, "owner@example.com") is None


def test_create_admin_refuses_a_password_the_policy_refuses(app):
    result = _users(app, "create-admin", "--email", "owner@example.com", "--name", "Morag Fenwick",
                    input="password1\npassword1\n")
    assert result.exit_code != 0 and "Password refused" in result.output
    assert _user(app, "owner@example.com") is None


def test_create_admin_refuses_two_different_passwords(app):
    result = _users(app, "create-admin", "--email", "owner@example.com", "--name", "Morag Fenwick",
                    input=f"{ADMIN_PASSWORD}\nsomething-else-entirely-55\n")
    assert result.exit_code != 0
    assert _user(app, "owner@example.com") is None


def test_create_admin_refuses_an_address_that_already_has_an_account(app, users):
    result = _users(app, "create-admin", "--email", "CLIENT@example.com", "--name", "Someone Else",
                    input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code != 0 and "already has an account" in result.output
    client = _user(app, "client@example.com")
    assert client.role == "client" and client.name == "Claire Robson"


def test_create_admin_works_in_production(app):
    app.config["PORTAL_ENV"] = "production"  # the conftest app fixture restores the config
    result = _users(app, "create-admin", "--email", "owner@example.com", "--name", "Morag Fenwick",
                    input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert _user(app, "owner@example.com").role == "admin"


# --- flask db-file backup / restore -------------------------------------------------------


@pytest.fixture
def file_app(tmp_path, password_hash):
    """An app on its own SQLite file (whatever TEST_DATABASE_URL says): stamped at the head
    revision, with one client, as `flask db upgrade` would leave a real install."""
    app = create_app(make_config("sqlite:///" + str(tmp_path / "live.db")))
    with app.app_context():
        db.create_all()
        head = head_revision(app.extensions["migrate"].directory)
        db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        db.session.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
        db.session.add(User(email="kept@example.com", name="Kept Client", role="client", password_hash=password_hash))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _db_file(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["db-file", *args], **kwargs)


def _emails(app) -> set[str]:
    with app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        db.session.remove()
        return emails


def test_backup_then_restore_brings_the_data_back(file_app, tmp_path, password_hash):
    copy = tmp_path / "backup.db"
    with file_app.app_context():
        db.session.scalar(select(User))  # the portal holds a connection while the backup runs
        result = _db_file(file_app, "backup", str(copy))
    assert result.exit_code == 0, result.output
    with file_app.app_context():
        db.session.execute(delete(User).where(User.email == "kept@example.com"))
        db.session.add(User(email="later@example.com", name="Later", role="client", password_hash=password_hash))
        db.session.commit()
    assert _emails(file_app) == {"later@example.com"}

    result = _db_file(file_app, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    assert _emails(file_app) == {"kept@example.com"}


def test_restore_asks_first_and_no_leaves_the_database_alone(file_app, tmp_path):
    copy = tmp_path / "backup.db"
    assert _db_file(file_app, "backup", str(copy)).exit_code == 0
    with file_app.app_context():
        db.session.execute(delete(User))
        db.session.commit()
    result = _db_file(file_app, "restore", str(copy), input="n\n")
    assert result.exit_code != 0 and "replaces everything" in result.output
    assert _emails(file_app) == set()


def test_backup_refuses_to_overwrite_a_file(file_app, tmp_path):
    existing = tmp_path / "backup.db"
    existing.write_bytes(b"precious")
    result = _db_file(file_app, "backup", str(existing))
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_bytes() == b"precious"


@pytest.mark.parametrize(("content", "reason"), [(b"not a database at all", "is not an SQLite database"),
                                                 (None, "is not a portal database")])
def test_restore_refuses_a_file_that_is_not_one_of_our_databases(file_app, tmp_path, content, reason):
    stranger = tmp_path / "stranger.db"
    if content is None:  # an SQLite database, but not the portal's: no alembic_version
        connection = sqlite3.connect(stranger)
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.commit()
        connection.close()
    else:
        stranger.write_bytes(content)
    result = _db_file(file_app, "restore", str(stranger), "--yes")
    assert result.exit_code != 0 and reason in result.output
    assert _emails(file_app) == {"kept@example.com"}


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_refuse_postgresql_and_point_at_pg_dump(tmp_path, command):
    app = create_app(make_config("postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"))
    extra = ["--yes"] if command == "restore" else []
    result = app.test_cli_runner().invoke(args=["db-file", command, str(tmp_path / "x.db"), *extra])
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "x.db").exists()


# --- flask health forget-inactive ---------------------------------------------------------


def _with_health_data(app, user_id: int, *, last_login_days_ago: int | None, joined_days_ago: int = 1000) -> None:
    """A health profile and a pain check-in for the client; account made and last login long ago."""
    from portal.feedback.services import record_checkin
    from portal.profile.content import ProfileContent
    from portal.profile.services import save_profile

    with app.app_context():
        client = db.session.get(User, user_id)
        save_profile(client, ProfileContent(), consent_given=True)
        record_checkin(client, {"neck": 6}, consent_given=True)
        client.created_at = clock.now() - timedelta(days=joined_days_ago)
        client.last_login_at = (None if last_login_days_ago is None
                                else clock.now() - timedelta(days=last_login_days_ago))
        db.session.commit()


def _health_rows(app, user_id: int) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(HealthProfile).where(HealthProfile.client_id == user_id)),
            db.session.scalar(select(func.count()).select_from(ProfileRevision).join(HealthProfile)
                              .where(HealthProfile.client_id == user_id)),
            db.session.scalar(select(func.count()).select_from(PainCheckIn).where(PainCheckIn.client_id == user_id)),
        )


def _forget(app, *args):
    return app.test_cli_runner().invoke(args=["health", "forget-inactive", *args])


@pytest.fixture
def quiet_and_busy(app, make_user, small_salon):
    """Three clients with health data: `quiet` has done nothing for three years (but had a visit
    then), `logged_in` logged in last month, `booked` has an appointment next week."""
    quiet = make_user("quiet@example.com", name="Quiet Client")
    logged_in = make_user("recent@example.com", name="Recent Login")
    booked = make_user("booked@example.com", name="Booked Client")
    _with_health_data(app, quiet.id, last_login_days_ago=3 * 365)
    _with_health_data(app, logged_in.id, last_login_days_ago=30)
    _with_health_data(app, booked.id, last_login_days_ago=None)
    old_visit = make_appointment(app, small_salon, quiet.id, clock.now().replace(microsecond=0) - timedelta(days=3 * 365))
    make_appointment(app, small_salon, booked.id, clock.now().replace(microsecond=0) + timedelta(days=7))
    return {"quiet": quiet.id, "logged_in": logged_in.id, "booked": booked.id, "old_visit": old_visit}


def test_forget_inactive_removes_only_the_quiet_clients_health_data(app, quiet_and_busy, caplog):
    caplog.set_level(logging.INFO)
    result = _forget(app)
    assert result.exit_code == 0, result.output
    assert "Removed the health data of 1 client(s)" in result.output
    assert "1 health profile(s), 1 pain check-in(s)" in result.output
    assert _health_rows(app, quiet_and_busy["quiet"]) == (0, 0, 0)
    assert _health_rows(app, quiet_and_busy["logged_in"]) == (1, 1, 1)
    assert _health_rows(app, quiet_and_busy["booked"]) == (1, 1, 1)
    with app.app_context():  # the account and the appointment are the salon's records: they stay
        assert db.session.get(User, quiet_and_busy["quiet"]) is not None
        assert db.session.get(Appointment, quiet_and_busy["old_visit"]) is not None
    assert "neck" not in caplog.text and "quiet@example.com" not in caplog.text


def test_forget_inactive_dry_run_counts_and_changes_nothing(app, quiet_and_busy):
    result = _forget(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would remove the health data of 1 client(s)" in result.output
    for client in ("quiet", "logged_in", "booked"):
        assert _health_rows(app, quiet_and_busy[client]) == (1, 1, 1)


def test_forget_inactive_follows_the_retention_setting(app, quiet_and_busy):
    app.config["HEALTH_DATA_RETENTION_DAYS"] = 20  # the last month's login is now too old too
    result = _forget(app)
    assert result.exit_code == 0, result.output
    assert _health_rows(app, quiet_and_busy["logged_in"]) == (0, 0, 0)
    assert _health_rows(app, quiet_and_busy["booked"]) == (1, 1, 1)  # the appointment is still ahead


def test_retention_defaults_to_two_years(tmp_path):
    assert load_settings({"PORTAL_ENV": "testing"}, str(tmp_path))["HEALTH_DATA_RETENTION_DAYS"] == 730
    assert load_settings({"PORTAL_ENV": "testing", "HEALTH_DATA_RETENTION_DAYS": "365"}, str(tmp_path)
                         )["HEALTH_DATA_RETENTION_DAYS"] == 365


def test_retention_cutoff_is_that_many_days_back_and_refuses_zero():
    now = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
    assert retention_cutoff(now, 730) == datetime(2024, 11, 25, 12, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        retention_cutoff(now, 0)


def test_a_remembered_device_in_use_keeps_the_health_data(app, quiet_and_busy):
    """Remember-me logs a client in without a fresh login: recent use of a login session counts."""
    from portal.accounts.models import LoginSession

    with app.app_context():
        db.session.add(LoginSession(user_id=quiet_and_busy["quiet"], token_hash="0" * 64, device="Firefox on Linux",
                                    created_at=clock.now() - timedelta(days=3 * 365), last_seen_at=clock.now()))
        db.session.commit()
    result = _forget(app)
    assert result.exit_code == 0 and "of 0 client(s)" in result.output, result.output
    assert _health_rows(app, quiet_and_busy["quiet"]) == (1, 1, 1)
