"""The security baseline: CSRF, headers, cookies, session renewal, redirects, rate limits,
error pages and what the logs say."""

from __future__ import annotations

import logging
import secrets
import time

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from portal import create_app
from portal.access import public
from portal.accounts.models import User
from portal.extensions import db, limiter
from portal.htmx import render_page
from tests.conftest import PASSWORD


def test_form_post_without_csrf_token_is_refused_and_changes_nothing(app, client):
    response = client.post("/account/register", data={
        "name": "Eve", "email": "eve@example.com", "password": "quiet-harbour-lantern-77",
        "confirm": "quiet-harbour-lantern-77"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_logout_without_csrf_token_does_not_log_out(client, auth, users):
    auth.login()
    assert client.post("/account/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_htmx_request_sends_csrf_token_in_header(client, auth, users):
    """The base template puts the token in hx-headers; a header-only POST is accepted."""
    auth.login()
    token = auth.csrf_token()
    refused = client.post("/account/logout", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post("/account/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_security_headers_on_every_response(client):
    for path in ("/", "/account/login", "/no-such-page", "/static/css/site.css"):
        response = client.get(path)
        response.close()
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # only in production
        assert headers["X-Request-ID"]


def test_no_inline_script_in_pages(client):
    html = client.get("/account/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html.lower()


def test_logged_in_pages_are_never_cached(client, auth, users):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login()
    for path in ("/dashboard", "/account/"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, auth, users):
    response = auth.login()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing runs on http


def test_production_cookies_are_secure_and_hsts_is_sent(monkeypatch):
    """The real production settings, from the environment as a deployment sets them."""
    from portal.encryption import new_key_entry

    for name, value in {"PORTAL_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "PUBLIC_URL": "https://portal.example",
                        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/never-opened",
                        "HEALTH_DATA_KEYS": new_key_entry("prod")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    response = create_app().test_client().get("/account/login")  # the login page needs no database
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_is_renewed_at_login(client, auth, users):
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(str(users["client"].id) + ":")


@pytest.mark.parametrize("target", [
    "https://evil.example/steal", "//evil.example/x", "/\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "/%0d%0aSet-Cookie:x", "evil.example",
])
def test_next_never_leaves_the_site(auth, users, target):
    response = auth.client.post(f"/account/login?next={target}", data={
        "email": "client@example.com", "password": PASSWORD, "csrf_token": auth.csrf_token()})
    assert response.status_code == 302
    assert response.location == "/dashboard"


def test_next_to_a_path_on_this_site_is_followed(client, auth, users):
    response = client.get("/account/password")
    assert response.status_code == 302 and "next=%2Faccount%2Fpassword" in response.location
    response = auth.client.post("/account/login?next=/account/password", data={
        "email": "client@example.com", "password": PASSWORD, "csrf_token": auth.csrf_token()})
    assert response.location == "/account/password"


def test_repeated_failed_logins_get_429(auth, users):
    for _ in range(5):
        assert auth.login(password="wrong-password-guess").status_code == 200
    response = auth.login(password="wrong-password-guess")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Even the right password waits: the guesser cannot tell it was right.
    assert auth.login(password=PASSWORD).status_code == 429


def test_successful_logins_do_not_use_up_the_allowance(auth, users):
    for _ in range(8):
        assert auth.login().status_code == 302
        auth.logout()


def _client_from(app, address: str):
    from tests.conftest import AuthActions
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def test_owner_still_logs_in_from_another_ip_after_five_wrong_passwords(app, users):
    """Failures count per IP address and email: a stranger cannot lock the owner out."""
    stranger = _client_from(app, "203.0.113.7")
    for _ in range(5):
        assert stranger.login(password="wrong-password-guess").status_code == 200
    assert stranger.login(password="wrong-password-guess").status_code == 429
    assert stranger.login(password=PASSWORD).status_code == 429  # that IP still waits
    owner = _client_from(app, "198.51.100.20")
    assert owner.login(password=PASSWORD).status_code == 302


def test_guesses_on_one_account_from_many_addresses_are_slowed_not_refused(app, users, monkeypatch):
    """Past ten failures on an address, from anywhere, each attempt on it waits longer first."""
    from portal.accounts import throttle
    waits = []
    monkeypatch.setattr(throttle, "sleep", waits.append)
    for attempt in range(10):
        assert _client_from(app, f"10.0.0.{attempt + 1}").login(password="wrong-password-guess").status_code == 200
    assert waits == []
    assert _client_from(app, "10.0.1.1").login(password="wrong-password-guess").status_code == 200
    assert _client_from(app, "10.0.1.2").login(password="wrong-password-guess").status_code == 200
    assert waits == [1.0, 2.0]
    # The owner waits too (so a fast answer cannot give a right guess away), but gets in.
    assert _client_from(app, "198.51.100.20").login(password=PASSWORD).status_code == 302
    assert waits == [1.0, 2.0, 4.0]
    # Another address is not slowed by guesses on this one.
    assert _client_from(app, "10.0.1.3").login("therapist@example.com").status_code == 302
    assert waits == [1.0, 2.0, 4.0]


def test_wait_grows_then_stops_growing():
    from portal.accounts.throttle import wait_seconds
    assert [wait_seconds(n) for n in (0, 9, 10, 11, 12, 13, 50)] == [0, 0, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_one_ip_guessing_many_accounts_hits_the_per_ip_limit(app_config, users):
    app = create_app({**app_config, "LOGIN_IP_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        limiter.reset()
    guesser = _client_from(app, "203.0.113.9")
    for email in ("client@example.com", "therapist@example.com", "admin@example.com"):
        assert guesser.login(email, "wrong-password-guess").status_code == 200
    assert guesser.login("someone@example.com", "wrong-password-guess").status_code == 429
    assert _client_from(app, "198.51.100.20").login().status_code == 302


def test_lockout_is_not_permanent(app_config, users):
    app = create_app({**app_config, "LOGIN_RATE_LIMIT": "2 per 2 second"})
    with app.app_context():
        limiter.reset()
    from tests.conftest import AuthActions
    auth = AuthActions(app.test_client())
    auth.login(password="wrong-password-guess")
    auth.login(password="wrong-password-guess")
    assert auth.login(password="wrong-password-guess").status_code == 429
    time.sleep(2.2)
    assert auth.login().status_code == 302


def test_a_refused_attempt_uses_up_no_longer_window(app_config, users):
    """An attempt refused by one limit is given back to every other: waiting out the short window
    lets the guesser in again exactly as far as the long one allows."""
    app = create_app({**app_config, "LOGIN_RATE_LIMIT": "2 per 2 second; 3 per hour"})
    with app.app_context():
        limiter.reset()
    from tests.conftest import AuthActions
    auth = AuthActions(app.test_client())
    assert [auth.login(password="wrong-password-guess").status_code for _ in range(4)] == [200, 200, 429, 429]
    time.sleep(2.2)
    assert auth.login(password="wrong-password-guess").status_code == 200  # the hour's third
    assert auth.login(password="wrong-password-guess").status_code == 429  # the hour's limit


def test_a_login_given_back_after_its_window_ended_leaves_no_credit(app, users):
    """A successful login gives its count back; if the window ended meanwhile, the next window
    must not start below zero (an extra guess)."""
    from limits import parse

    from portal.accounts import throttle
    item = parse("5 per minute")
    with app.test_request_context():
        who = (app.config["RATELIMIT_KEY_PREFIX"], "login:test-window")
        limiter.reset()
        throttle._give_back([(item, who)])
        assert limiter.storage.get(item.key_for(*who)) == 0
        assert limiter.limiter.get_window_stats(item, *who).remaining == 5


def test_error_pages_are_the_portals_own(client, auth, users):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "We could not find that page" in missing.get_data(as_text=True)
    assert "Mesmerising Beauty" in missing.get_data(as_text=True)
    auth.login()
    forbidden = client.get("/admin")
    assert forbidden.status_code == 403
    assert "That page is not yours to see" in forbidden.get_data(as_text=True)


def test_server_error_page_shows_no_stack_trace(app_config, caplog):
    app = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})
    boom = Blueprint("boom", __name__)

    @boom.route("/boom")
    @public
    def explode():
        raise RuntimeError("secret internals")

    app.register_blueprint(boom)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "secret internals" not in html and "Traceback" not in html
    assert "please quote reference" in html


def test_logs_record_logins_failures_and_refusals_without_secrets(client, auth, users, caplog):
    with caplog.at_level(logging.INFO, logger="portal"):
        auth.login(password="wrong-password-guess")
        auth.login()
        client.get("/admin", headers={"X-Request-ID": "req-abc12345"})
    messages = [(r.getMessage(), r.request_id) for r in caplog.records if r.name.startswith("portal")]
    text = "\n".join(m for m, _ in messages)
    assert "login failed" in text
    assert f"login ok user_id={users['client'].id}" in text
    assert ("access refused endpoint=dashboard.admin role=client user_id=%s" % users["client"].id) in text
    assert any(m.startswith("access refused") and rid == "req-abc12345" for m, rid in messages)
    assert all(rid and rid != "-" for _, rid in messages)
    assert PASSWORD not in text and "wrong-password-guess" not in text
    assert "client@example.com" not in text


def test_render_page_gives_a_fragment_to_htmx_and_says_vary(app):
    with app.test_request_context("/", headers={"HX-Request": "true"}):
        fragment = render_page("errors/error.html", "content", status=200, title="T", advice="A")
    with app.test_request_context("/", headers={"HX-Request": "true", "HX-Boosted": "true"}):
        boosted = render_page("errors/error.html", "content", status=200, title="T", advice="A")
    with app.test_request_context("/"):
        page = render_page("errors/error.html", "content", status=200, title="T", advice="A")
    assert "<html" not in fragment.get_data(as_text=True) and "<h1>T</h1>" in fragment.get_data(as_text=True)
    assert "<html" in boosted.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)
    for response in (fragment, boosted, page):
        assert "HX-Request" in response.headers["Vary"]
