"""Register, confirm, log in and out, remember me, change and reset a password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.mail import outbox
from tests.conftest import PASSWORD

NEW_PASSWORD = "quiet-harbour-lantern-77"


def link_in(message, path_fragment: str) -> str:
    """The site path of the link in an email (links use PUBLIC_URL)."""
    body = message.get_content()
    match = re.search(r"http://portal\.test(\S*" + re.escape(path_fragment) + r"\S*)", body)
    assert match, f"no {path_fragment} link in: {body}"
    return match.group(1)


def register(auth, email="new@example.com", password=NEW_PASSWORD, name="Nina Bell"):
    return auth.post("/account/register", {"name": name, "email": email, "password": password, "confirm": password})


def test_register_confirm_then_login(app, client, auth):
    response = register(auth, email="  New@Example.com ")
    assert response.status_code == 302 and response.location.endswith("/account/check-email")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert user.role == "client" and user.email_confirmed_at is None
        assert user.password_hash.startswith("$argon2id$")
        assert NEW_PASSWORD not in user.password_hash
        [message] = outbox()
    assert message["To"] == "new@example.com"

    # Unconfirmed: the right password does not log in, and a fresh link is sent.
    response = auth.login("new@example.com", NEW_PASSWORD)
    assert response.status_code == 200
    assert "confirm your email address first" in response.get_data(as_text=True)
    with app.app_context():
        assert len(outbox()) == 2

    confirm_path = link_in(message, "/account/confirm/")
    assert client.get(confirm_path).status_code == 200  # a button, not an action on GET
    response = auth.post(confirm_path)
    assert response.status_code == 302 and response.location.endswith("/account/login")

    response = auth.login("new@example.com", NEW_PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert "Nina" in client.get("/dashboard").get_data(as_text=True)


def test_register_with_existing_email_looks_the_same(app, auth, users):
    fresh = register(auth, email="someone-new@example.com")
    taken = register(auth, email="client@example.com")
    assert (fresh.status_code, fresh.location) == (taken.status_code, taken.location)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "client@example.com")).name == "Claire Robson"
        messages = outbox()
    assert messages[-1]["To"] == "client@example.com"
    assert "already have one" in messages[-1].get_content()


@pytest.mark.parametrize("password, problem", [
    ("short1", "at least 8 characters"),
    ("password", "common"),
    ("12345678", "common"),
    ("qwertyuiop", "common"),
    ("x" * 257, "at most 256"),
])
def test_weak_passwords_are_refused_with_a_reason(app, auth, password, problem):
    response = register(auth, password=password)
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_long_passphrase_is_welcome(app, auth):
    passphrase = "the heron waits by the quayside while the tide turns slowly " * 3
    assert register(auth, password=passphrase).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.com")) is not None


def test_register_keeps_what_was_typed_on_error(auth):
    response = auth.post("/account/register", {"name": "Nina Bell", "email": "nina@example.com",
                                               "password": NEW_PASSWORD, "confirm": "different-words-here"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The two passwords do not match." in html
    assert 'value="Nina Bell"' in html and 'value="nina@example.com"' in html
    assert 'aria-invalid="true"' in html


def test_login_failure_is_the_same_for_unknown_email(auth, users):
    wrong_password = auth.login("client@example.com", "not-the-password").get_data(as_text=True)
    unknown_email = auth.login("nobody@example.com", "not-the-password").get_data(as_text=True)
    message = "That email and password do not match an account."
    assert message in wrong_password and message in unknown_email


@pytest.mark.parametrize("role, landing", [("client", "/dashboard"), ("therapist", "/therapist"), ("admin", "/admin")])
def test_each_role_lands_on_its_dashboard(client, auth, users, role, landing):
    response = auth.login(f"{role}@example.com")
    assert response.status_code == 302 and response.location.endswith(landing)
    assert client.get(landing).status_code == 200


def test_logout_needs_a_post_and_ends_the_session(client, auth, users):
    auth.login()
    assert client.get("/account/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_remember_me_sets_a_long_lived_httponly_cookie(client, auth, users):
    auth.login(remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_remember_me_is_off_unless_asked(client, auth, users):
    auth.login()
    assert client.get_cookie("remember_token") is None


def test_change_password_keeps_this_device_and_logs_out_others(app, users):
    this_device, other_device = app.test_client(), app.test_client()
    from tests.conftest import AuthActions
    this, other = AuthActions(this_device), AuthActions(other_device)
    this.login()
    other.login()

    refused = this.post("/account/password", {"current_password": "wrong-guess-here", "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert "That is not your current password." in refused.get_data(as_text=True)

    done = this.post("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert this_device.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302  # logged out elsewhere
    this.logout()
    assert this.login(password=PASSWORD).status_code == 200
    assert this.login(password=NEW_PASSWORD).status_code == 302


def test_reset_password_through_the_emailed_link(app, client, auth, users):
    response = auth.post("/account/forgot-password", {"email": "client@example.com"})
    assert response.status_code == 302 and response.location.endswith("/account/check-email")
    with app.app_context():
        [message] = outbox()
    reset_path = link_in(message, "/account/reset-password/")

    assert client.get(reset_path).status_code == 200
    response = auth.post(reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/account/login")

    # Single use: the same link no longer works, even to look at.
    assert client.get(reset_path).status_code == 400
    assert auth.post(reset_path, {"password": "another-fresh-passphrase-1", "confirm": "another-fresh-passphrase-1"}
                     ).status_code == 400
    assert auth.login(password=PASSWORD).status_code == 200
    assert auth.login(password=NEW_PASSWORD).status_code == 302


def test_forgot_password_answers_the_same_for_unknown_email(app, auth, users):
    known = auth.post("/account/forgot-password", {"email": "client@example.com"})
    unknown = auth.post("/account/forgot-password", {"email": "nobody@example.com"})
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    with app.app_context():
        assert [m["To"] for m in outbox()] == ["client@example.com"]


def test_reset_link_expires(app, client, auth, users):
    auth.post("/account/forgot-password", {"email": "client@example.com"})
    with app.app_context():
        reset_path = link_in(outbox()[0], "/account/reset-password/")
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(reset_path).status_code == 400


def test_tampered_reset_link_is_refused(client, users):
    response = client.get("/account/reset-password/eyJ1aWQiOjF9.forged.signature")
    assert response.status_code == 400
    assert "no longer works" in response.get_data(as_text=True)


def test_reset_also_confirms_an_unconfirmed_address(app, auth, make_user):
    make_user("pending@example.com", confirmed=False)
    auth.post("/account/forgot-password", {"email": "pending@example.com"})
    with app.app_context():
        reset_path = link_in(outbox()[0], "/account/reset-password/")
    auth.post(reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert auth.login("pending@example.com", NEW_PASSWORD).status_code == 302


def test_account_page_shows_who_you_are(client, auth, users):
    auth.login()
    html = client.get("/account/").get_data(as_text=True)
    assert "Claire Robson" in html and "client@example.com" in html
