"""Register, confirm, log in and out, remember me, change and reset a password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.mail import outbox
from tests.conftest import PASSWORD, AuthActions

NEW_PASSWORD = "quiet-harbour-lantern-77"


def link_in(message, path_fragment: str) -> str:
    """The site path of the link in an email (links use PUBLIC_URL)."""
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"http://portal\.test(\S*" + re.escape(path_fragment) + r"\S*)", body)
    assert match, f"no {path_fragment} link in: {body}"
    return match.group(1)


def register(auth, email="new@example.com", password=NEW_PASSWORD, name="Nina Bell"):
    return auth.post("/account/register", {"name": name, "email": email, "password": password, "confirm": password})


def test_register_confirm_then_login(app, client, auth):
    """Confirmed in another browser (no registration nonce there): confirm, then the password."""
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
    other_browser = app.test_client()
    other = AuthActions(other_browser)
    assert other_browser.get(confirm_path).status_code == 200  # a button, not an action on GET
    response = other.post(confirm_path)
    assert response.status_code == 302 and response.location.endswith("/account/login")
    assert other_browser.get("/dashboard").status_code != 200  # confirmed, not logged in

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
    assert "already have one" in messages[-1].get_body(("plain",)).get_content()


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


# --- Sessions that really end (issue item 6) ---

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


def device(app, user_agent: str | None = None):
    from tests.conftest import AuthActions
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client, AuthActions(client)


def test_logout_deletes_the_remember_cookie_and_a_saved_copy_no_longer_logs_in(app, client, auth, users):
    auth.login(remember="y")
    saved = client.get_cookie("remember_token").value
    auth.logout()
    assert client.get_cookie("remember_token") is None  # the browser is told to delete it
    assert client.get("/dashboard").status_code == 302

    fresh, _ = device(app)
    fresh.set_cookie("remember_token", saved)
    response = fresh.get("/dashboard")
    assert response.status_code == 302 and response.location.startswith("/account/login")


def test_remember_cookie_alone_logs_in_until_logout(app, client, auth, users):
    """The copy test above only means something if the cookie works before logout."""
    auth.login(remember="y")
    fresh, _ = device(app)
    fresh.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert fresh.get("/dashboard").status_code == 200


def test_session_cookie_copied_before_logout_does_not_work_after_it(app, client, auth, users):
    auth.login()
    copied = client.get_cookie("session").value
    thief, _ = device(app)
    thief.set_cookie("session", copied)
    assert thief.get("/dashboard").status_code == 200
    auth.logout()
    assert thief.get("/dashboard").status_code == 302


def test_log_out_everywhere_ends_every_device_this_one_included(app, users):
    phone, phone_auth = device(app, SAFARI_IPHONE)
    laptop, laptop_auth = device(app, FIREFOX_WINDOWS)
    phone_auth.login(remember="y")
    laptop_auth.login()
    remembered = phone.get_cookie("remember_token").value

    response = laptop_auth.post("/account/sessions/end-all")
    assert response.status_code == 302 and response.location.endswith("/account/login")
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 302
    again, _ = device(app)
    again.set_cookie("remember_token", remembered)
    assert again.get("/dashboard").status_code == 302


def test_account_page_lists_logins_and_ends_one_other_device(app, users, make_user):
    phone, phone_auth = device(app, SAFARI_IPHONE)
    laptop, laptop_auth = device(app, FIREFOX_WINDOWS)
    phone_auth.login()
    laptop_auth.login()
    html = laptop.get("/account/").get_data(as_text=True)
    assert "Firefox on Windows <strong>(this device)</strong>" in html
    assert "Safari on iPhone" in html
    [phone_path] = re.findall(r'action="(/account/sessions/\d+/end)"', html)  # not offered for this one

    # Nobody else can end it.
    make_user("other@example.com")
    stranger, stranger_auth = device(app)
    stranger_auth.login("other@example.com")
    assert stranger_auth.post(phone_path).status_code == 404
    assert phone.get("/dashboard").status_code == 200

    assert laptop_auth.post(phone_path).status_code == 302
    html = laptop.get("/account/").get_data(as_text=True)
    assert "Safari on iPhone" not in html and "That device has been logged out." in html
    assert phone.get("/dashboard").status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    # Ended already, or ids no row can have (beyond 32 and 64 bits): not found, nothing ends.
    for path in (phone_path, "/account/sessions/2147483648/end", "/account/sessions/99999999999999999999/end"):
        assert laptop_auth.post(path).status_code == 404
    assert laptop.get("/dashboard").status_code == 200

    # Ending this device's own login (by its id) is logging out.
    from portal.accounts.models import LoginSession
    with app.app_context():
        own_id = db.session.scalar(select(LoginSession.id).where(LoginSession.revoked_at.is_(None),
                                                                 LoginSession.device == "Firefox on Windows"))
    assert laptop_auth.post(f"/account/sessions/{own_id}/end").status_code == 302
    assert laptop.get("/dashboard").status_code == 302


def test_password_change_ends_other_logins_and_their_remember_cookies(app, users):
    this, this_auth = device(app)
    other, other_auth = device(app)
    other_auth.login(remember="y")
    remembered = other.get_cookie("remember_token").value
    this_auth.login(remember="y")
    old_session = this.get_cookie("session").value
    assert this_auth.post("/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD}).status_code == 302
    assert this.get("/dashboard").status_code == 200
    assert this.get_cookie("remember_token") is not None  # still remembered, with a new login
    again, _ = device(app)
    again.set_cookie("remember_token", remembered)
    assert again.get("/dashboard").status_code == 302
    # This device's session before the change is a new one after it: an old copy does not work.
    copy, _ = device(app)
    copy.set_cookie("session", old_session)
    assert copy.get("/dashboard").status_code == 302


def test_login_sessions_store_only_a_hash_of_the_token(app, client, auth, users):
    from portal.accounts.models import LoginSession
    auth.login()
    with client.session_transaction() as session:
        token = session["_user_id"].partition(":")[2]
    with app.app_context():
        [login] = db.session.scalars(select(LoginSession)).all()
    assert len(token) >= 40 and token not in login.token_hash and login.revoked_at is None


def test_a_login_unused_for_a_month_is_refused(app, client, auth, users):
    from datetime import timedelta

    from portal.accounts.models import LoginSession
    from portal import clock
    auth.login(remember="y")
    with app.app_context():
        login = db.session.scalars(select(LoginSession)).one()
        login.last_seen_at = clock.now() - timedelta(days=31)
        db.session.commit()
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize("agent, label", [
    (FIREFOX_WINDOWS, "Firefox on Windows"),
    (SAFARI_IPHONE, "Safari on iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Mac"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
    ("curl/8.5.0", "Unknown device"),
    (None, "Unknown device"),
])
def test_device_label(agent, label):
    from portal.accounts.devices import device_label
    assert device_label(agent) == label


# --- Registration and reset say nothing by timing; emails limited per address (item 7) ---

def test_registration_does_the_same_work_for_a_taken_address(app, users, monkeypatch):
    from portal.accounts import passwords
    hashed = []
    real_hash = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda pw: hashed.append(pw) or real_hash(pw))
    for email in ("someone-new@example.com", "client@example.com"):
        client, auth = device(app)
        token = auth.csrf_token()
        response = client.post("/account/register", buffered=False, data={
            "name": "Nina Bell", "email": email, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
            "csrf_token": token})
        assert response.status_code == 302
        assert hashed == [NEW_PASSWORD]  # hashed whether or not the address has an account
        with app.app_context():
            assert [m["To"] for m in outbox()] == []  # nothing sent while the request runs
        response.close()  # the server has sent the response
        with app.app_context():
            assert [m["To"] for m in outbox()] == [email]
            outbox().clear()
        hashed.clear()


def test_password_reset_costs_the_same_for_unknown_addresses(app, users, count_queries):
    statements, sent = {}, []
    for email in ("client@example.com", "nobody@example.com"):
        client, auth = device(app)
        token = auth.csrf_token()
        with app.app_context(), count_queries() as counted:
            response = client.post("/account/forgot-password", buffered=False,
                                   data={"email": email, "csrf_token": token})
        assert response.status_code == 302
        statements[email] = counted.statements
        with app.app_context():
            assert [m["To"] for m in outbox()] == []  # nothing sent while the request runs
        response.close()  # the server has sent the response
        with app.app_context():
            sent += [m["To"] for m in outbox()]
            outbox().clear()
    assert sent == ["client@example.com"]
    assert statements["client@example.com"] == statements["nobody@example.com"]


def test_account_emails_are_limited_per_address_across_ip_addresses(app, users):
    """Three an hour per address by default (ACCOUNT_MAIL_RATE_LIMIT), registration and reset together."""
    def from_ip(address):
        client, auth = device(app)
        client.environ_base["REMOTE_ADDR"] = address
        return auth

    assert from_ip("10.0.0.1").post("/account/forgot-password", {"email": "client@example.com"}).status_code == 302
    assert register(from_ip("10.0.0.2"), email="Client@Example.com").status_code == 302
    assert from_ip("10.0.0.3").post("/account/forgot-password", {"email": "client@example.com"}).status_code == 302
    refused = from_ip("10.0.0.4").post("/account/forgot-password", {"email": "client@example.com"})
    assert refused.status_code == 429
    assert register(from_ip("10.0.0.5"), email="client@example.com").status_code == 429
    with app.app_context():
        assert len(outbox()) == 3
    # Other addresses are not held up by it.
    assert from_ip("10.0.0.6").post("/account/forgot-password", {"email": "therapist@example.com"}).status_code == 302


def test_forms_with_errors_do_not_use_up_an_address_allowance(app, auth, users):
    for _ in range(4):
        assert auth.post("/account/register", {"name": "Nina", "email": "client@example.com",
                                               "password": NEW_PASSWORD, "confirm": "mismatch-words"}).status_code == 200
    assert auth.post("/account/forgot-password", {"email": "client@example.com"}).status_code == 302


def test_resetting_a_password_on_a_logged_in_browser_ends_that_login_too(app, client, auth, users, make_user):
    make_user("other@example.com")
    auth.login("other@example.com")
    copied = client.get_cookie("session").value
    auth.post("/account/forgot-password", {"email": "client@example.com"})
    with app.app_context():
        reset_path = link_in(outbox()[0], "/account/reset-password/")
    assert auth.post(reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    thief, _ = device(app)
    thief.set_cookie("session", copied)
    assert thief.get("/dashboard").status_code == 302


def test_confirming_in_the_registering_browser_logs_in(app, client, auth):
    register(auth)
    with app.app_context():
        [message] = outbox()
    confirm_path = link_in(message, "/account/confirm/")
    response = auth.post(confirm_path)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert "Nina" in client.get("/dashboard").get_data(as_text=True)

    # The link does not log in again once used: logged out, it only says "please log in".
    auth.logout()
    response = auth.post(confirm_path)
    assert response.status_code == 302 and response.location.endswith("/account/login")
    assert client.get("/dashboard").status_code != 200


def test_confirming_in_another_browser_only_confirms(app, client, auth):
    register(auth)
    with app.app_context():
        [message] = outbox()
    confirm_path = link_in(message, "/account/confirm/")
    other_browser = app.test_client()
    # Another browser that registered something else has a nonce of its own: still no log in.
    register(AuthActions(other_browser), email="someone-else@example.com")
    response = AuthActions(other_browser).post(confirm_path)
    assert response.status_code == 302 and response.location.endswith("/account/login")
    assert other_browser.get("/dashboard").status_code != 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert user.email_confirmed_at is not None
    # The registering browser, too late: already confirmed elsewhere, so it logs in with the password.
    response = auth.post(confirm_path)
    assert response.location.endswith("/account/login")
    assert client.get("/dashboard").status_code != 200


@pytest.mark.parametrize("user_id", ["²:token", "99999999999999999999:token", "0:token", ":token", "1:"])
def test_a_malformed_login_id_logs_nobody_in(app, user_id):
    """The id comes from a signed cookie, but whatever it holds must never reach the database as
    a bad integer: odd digits and ids beyond the column's range just mean "not logged in"."""
    from portal.accounts.services import load_user

    with app.app_context():
        assert load_user(user_id) is None
