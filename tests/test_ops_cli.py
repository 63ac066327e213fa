"""Operations commands (issue 14, item 6): the first admin, SQLite backup and restore, and the
health-data retention job. Each runs through click's runner, as an operator would."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db

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
