"""axe on every page a client, a therapist and an admin reach from their navigation (each page's
<nav> links, followed from their home page), at 390 px and 1280 px: nothing serious or
critical, and no page wider than a phone. The data is a small salon with a past session (with
feedback), an upcoming one, a health profile with goals, and a report share link."""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect  # noqa: F401
except ImportError:  # CI (REQUIRE_BROWSER_TESTS=1) gets the import error, not a skip
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("playwright is not installed; run `make install-test`", allow_module_level=True)

from portal.accounts.models import User
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.report import links as report_links
from tests.booking_support import NOW, add_appointment, at, seed_salon
from tests.browser.steps import log_in, log_out

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HOMES = {"client": "/dashboard", "therapist": "/therapist", "admin": "/admin"}
# Pages a role's dashboard links to in its body rather than its navigation.
FROM_THE_DASHBOARD = {"client": ["/pain", "/report", "/profile", "/profile/privacy"], "therapist": [], "admin": []}
# Not pages: downloads and feeds.
SKIP_ENDINGS = (".pdf", ".csv", ".ics", "/export")
MAX_PAGES = 40


def _fits(page) -> None:
    for _ in range(15):
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] <= widths[1]:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{page.url} is {widths[0]}px wide in a {widths[1]}px window")


def _nav_paths(page) -> list[str]:
    hrefs = page.eval_on_selector_all("nav a[href]", "links => links.map(a => a.href)")
    here = urlsplit(page.url).netloc
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc == here and not parts.path.endswith(SKIP_ENDINGS):
            paths.append(parts.path)  # one page whatever its query (the week switcher's ?day=...)
    return paths


def test_axe_on_every_page_each_role_reaches_from_its_navigation(app, live_server, page, a11y, users,
                                                                 booking_clock):
    salon = seed_salon(app, users)
    client_id = users["client"].id
    past = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(NOW.date() - timedelta(days=7),
                                                                                       "10:00"))
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(NOW.date() + timedelta(days=3), "10:00"))
    with app.app_context():
        client = db.session.get(User, client_id)
        profile_services.save_profile(client, ProfileContent(goals=frozenset({"relax"})), consent_given=True)
        feedback_services.save_feedback(client, past, feedback_services.FeedbackInput(
            pain_before={"lower_back": 6}, pain_after={"lower_back": 3}), now=NOW)
        token = report_links.make_link(client, NOW.date() - timedelta(days=30), NOW.date(), 7)
        db.session.commit()

    checked: dict[str, list[str]] = {}
    for role, home in HOMES.items():
        log_in(page, f"{role}@example.com", lands_on=home)
        queue = [home, *FROM_THE_DASHBOARD[role]]
        seen = set(queue)
        while queue:
            path = queue.pop(0)
            response = page.goto(path)
            assert response.status == 200, f"{role}: {path} answered {response.status}"
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                _fits(page) if size is PHONE else None
                a11y(page)
            for found in _nav_paths(page):
                if found not in seen and len(seen) < MAX_PAGES:
                    seen.add(found)
                    queue.append(found)
        checked[role] = sorted(seen)
        page.set_viewport_size(DESKTOP)
        log_out(page)
    # And the report behind a share link, as the GP sees it (logged out).
    page.goto(f"/shared/report/{token}")
    for opened in (False, True):  # the page with the button, then the report it opens
        if opened:
            page.get_by_role("button", name="Open the report").click()
            page.wait_for_load_state()
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            _fits(page) if size is PHONE else None
            a11y(page)
    # The crawl really went somewhere: each role's own pages are among those checked.
    assert {"/dashboard", "/book", "/appointments", "/guidance", "/account/", "/our-therapists", "/report", "/pain"} <= set(checked["client"])
    assert {"/therapist", "/account/"} <= set(checked["therapist"])
    assert {"/admin", "/admin/services", "/admin/rota", "/admin/clients", "/account/"} <= set(checked["admin"])
