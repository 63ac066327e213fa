"""Account journeys in a real browser: register and confirm, log in and out, change and reset a
password. Every page a journey visits is checked with axe; screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import re
import time

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from portal.demo import LOCATIONS, SERVICES
from portal.extensions import db
from portal.mail import outbox
from portal.salon.models import Location, Service
from tests.browser.steps import log_out
from tests.conftest import PASSWORD

NEW_PASSWORD = "quiet-harbour-lantern-77"
PHONE = {"width": 390, "height": 844}


def emailed_link(app, live_server: str, to: str, path_fragment: str) -> str:
    """The link in the latest email to `to`; it must point at the live server (PUBLIC_URL).

    Account emails go out when the response has closed, which can be a moment after the
    browser shows the next page: wait for the message (up to 15 seconds: the first request of a
    run on PostgreSQL can be slow) instead of racing it.
    """
    link = re.compile(re.escape(live_server) + r"(" + re.escape(path_fragment) + r"\S+)")
    deadline = time.monotonic() + 15
    while True:
        with app.app_context():
            bodies = [m.get_body(("plain",)).get_content() for m in outbox() if m["To"] == to]
        found = [match for body in bodies if (match := link.search(body))]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert found, f"no {live_server}{path_fragment}... link in an email to {to}:\n{bodies[-1:] }"
    return found[-1].group(0)


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def seed_salon(app) -> None:
    with app.app_context():
        locations = [Location(**spec) for spec in LOCATIONS]
        db.session.add_all(locations + [Service(**spec, locations=locations) for spec in SERVICES])
        db.session.commit()


def test_register_confirm_log_in_out_and_back_in(app, live_server, page, a11y):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create account").click()
    expect(heading(page, "Create your account")).to_be_visible()
    a11y(page, "register")

    page.get_by_label("Your name").fill("Nina Bell")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type it again").fill("not-the-same-words-9")
    page.get_by_role("button", name="Create my account").click()
    confirm = page.get_by_label("Type it again")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description(re.compile("The two passwords do not match."))
    expect(page.get_by_label("Your name")).to_have_value("Nina Bell")
    a11y(page, "register-error")

    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    confirm.fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(heading(page, "Check your email")).to_be_visible()
    a11y(page, "check-email")

    page.goto(emailed_link(app, live_server, "nina@example.com", "/account/confirm/"))
    expect(heading(page, "Confirm your email address")).to_be_visible()
    a11y(page, "confirm-email")
    page.get_by_role("button", name="Confirm my email").click()
    # Confirmed in the browser that registered: logged in straight away (other browsers: log in).
    expect(page).to_have_url(f"{live_server}/dashboard")
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    expect(heading(page, "Hello, Nina")).to_be_visible()
    a11y(page, "dashboard")

    log_out(page)
    expect(page).to_have_url(f"{live_server}/")
    a11y(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    expect(page).to_have_url(f"{live_server}/account/login")
    a11y(page, "login")
    log_in(page, "nina@example.com", NEW_PASSWORD)
    expect(heading(page, "Hello, Nina")).to_be_visible()


def test_change_password_then_only_the_new_one_works(live_server, page, a11y, users):
    page.goto("/account/login")
    log_in(page, "client@example.com", PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(heading(page, "Your account")).to_be_visible()
    expect(page.get_by_text("client@example.com")).to_be_visible()
    a11y(page, "account")

    page.get_by_role("link", name="Change password").click()
    expect(heading(page, "Change your password")).to_be_visible()
    a11y(page, "change-password")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the new password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server}/account/")
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed.")
    a11y(page)

    log_out(page)
    page.goto("/account/login")
    log_in(page, "client@example.com", PASSWORD)
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(
        re.compile("That email and password do not match an account."))
    a11y(page, "login-refused")

    log_in(page, "client@example.com", NEW_PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()


def test_keep_me_logged_in_then_log_out_and_log_out_everywhere(browser, live_server, page, a11y, users):
    """Logging out really ends "Keep me logged in"; "Log out everywhere" ends another browser's."""
    page.goto("/account/login")
    page.get_by_label("Keep me logged in on this device").check()
    log_in(page, "client@example.com", PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()
    assert "remember_token" in {c["name"] for c in page.context.cookies()}
    log_out(page)
    assert "remember_token" not in {c["name"] for c in page.context.cookies()}
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/account/login\?next="))

    log_in(page, "client@example.com", PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()
    phone = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/London",
                                viewport=PHONE, user_agent=(
                                    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                                    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"))
    try:
        other = phone.new_page()
        other.goto("/account/login")
        other.get_by_label("Keep me logged in on this device").check()
        log_in(other, "client@example.com", PASSWORD)
        expect(heading(other, "Hello, Claire")).to_be_visible()

        page.goto("/account/")
        sessions = page.get_by_role("table")
        expect(sessions).to_contain_text("Safari on iPhone")
        expect(sessions).to_contain_text("(this device)")
        a11y(page, "account-sessions")
        page.get_by_role("button", name="Log out everywhere").click()
        expect(heading(page, "Welcome back")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("logged out on every device")

        other.goto("/dashboard")
        expect(other).to_have_url(re.compile(r"/account/login\?next="))
    finally:
        phone.close()


def test_forgotten_password_reset_through_the_emailed_link(app, live_server, page, a11y, users):
    page.goto("/account/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(heading(page, "Forgotten your password?")).to_be_visible()
    a11y(page, "forgot-password")
    page.get_by_label("Email").fill("client@example.com")
    page.get_by_role("button", name="Send me a reset link").click()
    expect(heading(page, "Check your email")).to_be_visible()
    expect(page.get_by_text("a link to choose a new password")).to_be_visible()
    a11y(page)

    page.goto(emailed_link(app, live_server, "client@example.com", "/account/reset-password/"))
    expect(heading(page, "Choose a new password")).to_be_visible()
    a11y(page, "reset-password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Type it again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page).to_have_url(f"{live_server}/account/login")
    expect(page.get_by_role("status")).to_contain_text("Your new password is set.")
    a11y(page)

    log_in(page, "client@example.com", NEW_PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()


def test_home_and_not_found_pages_pass_axe(app, page, a11y, page_problems):
    seed_salon(app)
    page.goto("/")
    expect(heading(page, "Back care that fits your life")).to_be_visible()
    expect(page.get_by_role("heading", name="Full Body Massage")).to_be_visible()
    a11y(page, "home")

    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(heading(page, "We could not find that page")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
    a11y(page, "not-found")
    page_problems.expect(r"404")  # the page itself; nothing else may have failed


def test_pages_fit_a_phone_screen(app, page, a11y):
    seed_salon(app)
    page.set_viewport_size(PHONE)
    for path, name in [("/account/login", "login-phone"), ("/account/register", "register-phone"),
                       ("/", "home-phone")]:
        page.goto(path)
        a11y(page, name)
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{path} scrolls sideways on a phone: {scroll_width} > {inner_width}"


def test_the_browser_checks_catch_real_problems(page, a11y, page_problems):
    """The guards above are not vacuous: markup axe rates critical fails the a11y check, and a
    tampered htmx fails its SRI check, is blocked and is reported."""
    page.goto("/account/login")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"data:,\">')")
    with pytest.raises(AssertionError, match="image-alt"):
        a11y(page)

    def tampered(route):
        original = route.fetch()
        # The body comes decoded: send it plain, so only the tampering (not the encoding) fails.
        headers = {name: value for name, value in original.headers.items()
                   if name.lower() not in ("content-encoding", "content-length")}
        route.fulfill(status=original.status, headers=headers, body=original.text() + "\n/* tampered */")

    # The content-hashed name (portal/static_assets.py): htmx-<version>.min.<hash>.js.
    page.route("**/static/vendor/htmx-*.js", tampered)  # routing also bypasses the HTTP cache
    page.goto("/account/register")
    assert page.evaluate("typeof htmx") == "undefined"
    page_problems.expect(r"integrity")


def test_account_page_fits_a_small_phone(browser, live_server, page, a11y, users):
    """At 320 px the account page's details and its list of logins stay on the screen: the
    email address wraps, each login becomes one block, and its Log out button is reachable."""
    other = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/London")
    try:
        second = other.new_page()
        second.goto("/account/login")
        log_in(second, "client@example.com", PASSWORD)
        expect(heading(second, "Hello, Claire")).to_be_visible()
    finally:
        other.close()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/account/login")
    log_in(page, "client@example.com", PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()
    page.goto("/account/")
    a11y(page, "account-small-phone")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"/account/ scrolls sideways at 320 px: {scroll_width} > {inner_width}"
    log_out_other = page.get_by_role("button", name=re.compile(r"^Log out Chrome"))
    log_out_other.scroll_into_view_if_needed()
    box = log_out_other.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= inner_width, f"Log out button off screen: {box}"


def test_account_page_title_is_just_its_name(page, users):
    """The tab (a phone's tab switcher, a screen reader's first words) reads "Your account", not
    the email-choices form's markup and its CSRF token."""
    page.goto("/account/login")
    log_in(page, "client@example.com", PASSWORD)
    expect(heading(page, "Hello, Claire")).to_be_visible()
    page.goto("/account/")
    expect(page).to_have_title("Your account · Mesmerising Beauty")
    expect(page.get_by_role("heading", name="Emails we send you")).to_have_count(1)
