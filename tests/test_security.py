"""The security baseline: CSRF, headers, cookies, session renewal, redirects, rate limits,
error pages and what the logs say."""

from __future__ import annotations

import logging
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

    for name, value in {"PORTAL_ENV": "production", "SECRET_KEY": "p" * 48, "PUBLIC_URL": "https://portal.example",
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


def test_one_account_is_protected_across_addresses(app, users):
    """Guessing from many IP addresses still hits the per-email limit."""
    from tests.conftest import AuthActions
    for attempt in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{attempt + 1}"
        assert AuthActions(client).login(password="wrong-password-guess").status_code == 200
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert AuthActions(fresh).login(password="wrong-password-guess").status_code == 429


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
