"""The front door: each public page from the catalogue, the visitor-to-booking round trip,
JSON-LD, robots and sitemap, caching and cookies, the rate limit, the admin's salon form."""

from __future__ import annotations

import json
import re
import time as timer
from datetime import datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.audit.models import AdminChange
from portal.booking.models import Appointment
from portal.extensions import db
from portal.guidance import rules
from portal.mail import outbox
from portal.public import page_cache
from portal.salon.models import Location, Service, Therapist
from portal.salon.opening import Shift, opening_ranges, opening_week
from tests.booking_support import MONDAY, add_appointment, at, chosen_on_page, page_text
from tests.conftest import AuthActions
from tests.routes import MATRIX

PUBLIC_PAGES = ("/", "/salons", "/our-therapists", "/is-massage-right-for-me", "/free-times")
NEW_PASSWORD = "quiet-harbour-lantern-77"


def _json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def _by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


# --- opening hours: the pure rule --------------------------------------------------------------


def test_opening_hours_merge_overlapping_shifts_and_keep_gaps():
    t = time.fromisoformat
    shifts = [Shift(1, 0, t("09:00"), t("13:00")), Shift(1, 0, t("12:00"), t("17:00")),  # overlap
              Shift(1, 1, t("09:00"), t("12:00")), Shift(1, 1, t("14:00"), t("18:00")),  # a gap
              Shift(1, 2, t("09:00"), t("17:00")), Shift(2, 5, t("10:00"), t("16:00"))]
    week = opening_week(shifts, 1)
    assert week[0].spells == ((t("09:00"), t("17:00")),)
    assert week[1].spells == ((t("09:00"), t("12:00")), (t("14:00"), t("18:00")))
    assert not week[5].is_open  # the other salon's Saturday
    assert opening_ranges(week) == [("Monday", "09:00-17:00"), ("Tuesday", "09:00-12:00, 14:00-18:00"),
                                    ("Wednesday", "09:00-17:00"), ("Thursday to Sunday", "Closed")]


# --- pages from the catalogue ------------------------------------------------------------------


def test_home_page_shows_the_catalogue_and_follows_a_price_change(app, client, salon):
    text = page_text(client.get("/"))
    for name, price, minutes in (("Back, Neck & Shoulder Massage", "£35", 45), ("Full Body Massage", "£50", 60),
                                 ("Indian Head Massage (includes upper back)", "£30", 45)):
        assert name in text and price in text and f"{minutes} minutes" in text
    assert "Hot Stone" not in text  # inactive
    # Who each massage suits comes from the rule that suggests one to a client.
    assert "Suits you if: works at a desk; chronic back pain" in text
    assert "physically active" in text
    assert "See free times" in text and "Create an account" in text
    assert "Newcastle City Centre" in text and "Gosforth" in text
    with app.app_context():
        db.session.get(Service, salon.back).price_pence = 3750
        db.session.commit()
    text = page_text(client.get("/"))
    assert "£37.50" in text and "£35" not in text


def test_logged_in_people_still_go_to_their_home(client, auth, users):
    auth.login("therapist@example.com")
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/therapist"


def _salon_sections(text: str) -> tuple[str, str]:
    sections = {part.split('"', 1)[0]: part for part in text.split('<h2 id="salon-')[1:]}
    return sections["city-centre"], sections["gosforth"]


def test_salons_page_hours_come_from_the_therapists_hours(app, client, salon):
    city, gosforth = _salon_sections(page_text(client.get("/salons")))
    assert re.search(r"<dt>Monday to Saturday</dt><dd>09:00-17:00</dd>\s*<dt>Sunday</dt><dd>Closed</dd>", city)
    assert re.search(r"<dt>Monday to Friday</dt><dd>09:00-17:00</dd>\s*<dt>Saturday and Sunday</dt>"
                     r"<dd>10:00-16:00</dd>", gosforth)
    assert "0191 498 0123" in city and "Grey Street" in city
    assert 'href="https://www.openstreetmap.org/search?query=' in city
    # Daniel (the only one at City Centre on Saturdays) leaves: City Centre closes on Saturdays.
    with app.app_context():
        db.session.get(Therapist, salon.daniel).active = False
        db.session.commit()
    city, _ = _salon_sections(page_text(client.get("/salons")))
    assert re.search(r"<dt>Monday to Friday</dt><dd>09:00-17:00</dd>\s*<dt>Saturday and Sunday</dt><dd>Closed</dd>",
                     city)


def test_therapists_page(app, client, salon):
    with app.app_context():
        db.session.get(Therapist, salon.amelia).bio = "Fifteen years of back care."
        db.session.get(Therapist, salon.sofia).active = False
        db.session.commit()
    text = page_text(client.get("/our-therapists"))
    amelia = text.split("Amelia Hart")[1].split("</li>")[0]
    assert "Fifteen years of back care." in amelia
    assert "Gosforth and Newcastle City Centre" in amelia and "Pregnancy massage" in amelia
    assert "Full Body Massage" in amelia
    daniel = text.split("Daniel Okafor")[1].split("</li>")[0]
    assert "Pregnancy massage" not in daniel and "Newcastle City Centre" in daniel
    assert "Sofia Reyes" not in text  # no longer working here


def test_is_massage_right_for_me_has_every_condition_at_its_level(client, salon):
    text = page_text(client.get("/is-massage-right-for-me"))
    assert rules.DISCLAIMER in text and "not medical advice" in text
    sections = re.split(r"<h2 id=\"level-\d\">", text)[1:]
    headings = [section.split("</h2>")[0] for section in sections]
    assert headings == [level.heading for level in rules.LEVELS_STRICTEST_FIRST]
    for rule in rules.CONDITIONS.values():
        [section] = [s for s in sections if s.startswith(rule.level.heading + "</h2>")]
        assert f"<h3>{rule.label}</h3>" in section and rule.reason in section
    for label in ("Acute back injury", "Skin infection", "Severe osteoporosis", "Active cancer in the back area",
                  "Blood clotting disorder", "cardiovascular", "Pregnancy", "Recovering from a back injury"):
        assert label in text
    assert "only therapists trained in pregnancy massage" in text


# --- free times for visitors -------------------------------------------------------------------


def _times(html: str) -> list[str]:
    return re.findall(r'class="button button-secondary button-small" href="[^"]+"\s+aria-label="[^"]*">(\d\d:\d\d)</a>',
                      html)


def test_visitors_see_free_times_without_names_or_counts(app, client, salon, users, booking_clock):
    url = f"/free-times?service={salon.back}&location={salon.city}&day={MONDAY.isoformat()}"
    before = client.get(url).get_data(as_text=True)
    assert "10:00" in _times(before) and len(_times(before)) > 10
    # One of the two City Centre therapists busy at 10:00: still free, and the page is the same.
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    assert _times(client.get(url).get_data(as_text=True)) == _times(before)
    # Both busy: 10:00 is no longer offered.
    add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.full, at(MONDAY, "10:00"))
    after = client.get(url).get_data(as_text=True)
    assert "10:00" not in _times(after)
    for name in ("Amelia", "Daniel", "Sofia", "Claire", "Robson"):
        assert name not in after
    assert "csrf" not in after.lower() and "<form method=\"post\"" not in after


def test_htmx_swaps_only_the_list(client, salon, booking_clock):
    response = client.get(f"/free-times?service={salon.full}&location={salon.gosforth}&day={MONDAY.isoformat()}",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<h2 id=\"slots-heading\">") and "<html" not in html
    assert "HX-Request" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]


def test_unreadable_choices_fall_back(client, salon, booking_clock):
    response = client.get("/free-times?service=abc&location=99999999999999&day=9999-12-31")
    assert response.status_code == 200
    assert "Free times on" in response.get_data(as_text=True)


def test_free_times_are_rate_limited_per_ip(app, client, salon, booking_clock):
    """Every request that works times out counts; a copy from the page cache (the same question
    again, nothing booked since) costs nothing and does not."""
    app.config["PUBLIC_FREE_TIMES_RATE_LIMIT"] = "3 per minute"
    days = ("2027-03-15", "2027-03-16", "2027-03-17", "2027-03-18")
    for day in days[:3]:
        assert client.get(f"/free-times?day={day}").status_code == 200
        assert client.get(f"/free-times?day={day}").status_code == 200  # the cached copy: not counted
    refused = client.get(f"/free-times?day={days[3]}")
    assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
    assert "Set-Cookie" not in refused.headers
    assert refused.headers["Cache-Control"] == "no-store"
    assert client.get(f"/free-times?day={days[3]}", headers={"HX-Request": "true"}).status_code == 429
    other_ip = app.test_client()
    assert other_ip.get(f"/free-times?day={days[3]}", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200
    assert client.get("/salons").status_code == 200  # only the free times are limited
    # A booking empties the cache: the same question is worked out (and counted) again.
    app.config["PUBLIC_FREE_TIMES_RATE_LIMIT"] = "100 per minute"
    assert client.get(f"/free-times?day={days[0]}").status_code == 200


def _first_choice(client, salon) -> tuple[str, str, str]:
    """A visitor opens the free times and picks the first: (login link, next, chosen time)."""
    html = client.get(f"/free-times?service={salon.back}&location={salon.city}&day={MONDAY.isoformat()}"
                      ).get_data(as_text=True)
    link = re.search(r'href="(/account/login\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
    target = parse_qs(urlsplit(link).query)["next"][0]
    chosen = parse_qs(urlsplit(target).query)["at"][0]
    return link, target, chosen


def _chosen_on_booking_page(html: str, chosen: str) -> bool:
    # Exactly one time is marked chosen, and it is the one chosen.
    marked = chosen_on_page(html)
    return marked == [datetime.fromisoformat(chosen)] and 'id="chosen-time"' in html


def test_visitor_picks_a_time_logs_in_and_lands_on_it(client, auth, users, salon, booking_clock):
    link, target, chosen = _first_choice(client, salon)
    login_page = page_text(client.get(link))
    assert "Log in to book the time you chose" in login_page
    assert "/account/register?next=" in login_page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    response = client.post(link, data={"email": "client@example.com", "password": "calm-lavender-pillow-42",
                                       "csrf_token": token})
    assert response.status_code == 302 and response.location == target
    page = client.get(target)
    assert page.status_code == 200 and _chosen_on_booking_page(page.get_data(as_text=True), chosen)
    assert "choose it below to see the summary and confirm" in page_text(page)


def test_visitor_picks_a_time_registers_confirms_and_lands_on_it(app, client, salon, booking_clock):
    """The whole round trip: a time, a new account, the emailed link, back on that time, and
    booking it books that time."""
    link, target, chosen = _first_choice(client, salon)
    register_link = re.search(r'href="(/account/register\?next=[^"]+)"', client.get(link).get_data(as_text=True)
                              ).group(1).replace("&amp;", "&")
    register_page = client.get(register_link).get_data(as_text=True)
    assert "we bring you back to the time you chose" in register_page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', register_page).group(1)
    response = client.post(register_link, data={"name": "Nina Bell", "email": "nina@example.com",
                                                "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/account/check-email")
    with app.app_context():
        [message] = outbox()
    body = message.get_body(("plain",)).get_content()
    confirm_path = re.search(r"http://portal\.test(/account/confirm/\S+)", body).group(1)
    confirm_page = client.get(confirm_path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirm_page).group(1)
    response = client.post(confirm_path, data={"csrf_token": token})
    assert response.status_code == 302 and response.location == target
    page = client.get(target)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _chosen_on_booking_page(html, chosen)
    # Booking it books exactly that time.
    form = {name: value for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)}
    response = client.post("/book", data={**form, "starts_at": chosen, "screening_confirmed": "y"})
    assert response.status_code == 302
    with app.app_context():
        [booked] = db.session.scalars(select(Appointment)).all()
        assert booked.starts_at == datetime.fromisoformat(chosen) and booked.location_id == salon.city


def test_next_from_elsewhere_is_ignored(client, salon):
    page = client.get("/account/register?next=https://evil.example/").get_data(as_text=True)
    assert "evil.example" not in page


# --- found and shared --------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_each_public_page_has_title_description_and_open_graph(client, salon, booking_clock, path):
    html = client.get(path).get_data(as_text=True)
    title = re.search(r"<title>([^<]+)</title>", html).group(1)
    assert title.endswith("· Mesmerising Beauty") and len(title) > 25
    description = re.search(r'<meta name="description" content="([^"]+)">', html).group(1)
    assert "client portal" not in description and len(description) > 50
    for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
        assert f'<meta property="{prop}" content="' in html
    og_url = re.search(r'<meta property="og:url" content="([^"]+)">', html).group(1)
    assert og_url == "http://portal.test" + path


def test_json_ld_per_salon_with_hours_and_prices(app, client, salon):
    for path in ("/", "/salons"):
        businesses = _by_name(_json_ld(client.get(path).get_data(as_text=True)))
        assert set(businesses) == {"Mesmerising Beauty Newcastle City Centre", "Mesmerising Beauty Gosforth"}
        city = businesses["Mesmerising Beauty Newcastle City Centre"]
        assert city["@context"] == "https://schema.org" and city["@type"] == "HealthAndBeautyBusiness"
        assert city["address"]["streetAddress"] == "Grey Street, Newcastle upon Tyne NE1"
        assert city["address"]["addressCountry"] == "GB" and city["telephone"] == "0191 498 0123"
        hours = {(h["dayOfWeek"].rsplit("/", 1)[1], h["opens"], h["closes"]) for h in city["openingHoursSpecification"]}
        assert hours == {(day, "09:00", "17:00") for day in
                         ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")}
        gosforth = businesses["Mesmerising Beauty Gosforth"]
        weekend = {(h["dayOfWeek"].rsplit("/", 1)[1], h["opens"], h["closes"])
                   for h in gosforth["openingHoursSpecification"]} - {
            (day, "09:00", "17:00") for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")}
        assert weekend == {("Saturday", "10:00", "16:00"), ("Sunday", "10:00", "16:00")}
        offers = {o["itemOffered"]["name"]: (o["price"], o["priceCurrency"]) for o in city["makesOffer"]}
        assert offers == {"Back, Neck & Shoulder Massage": ("35.00", "GBP"), "Full Body Massage": ("50.00", "GBP"),
                          "Indian Head Massage (includes upper back)": ("30.00", "GBP")}
        assert "sameAs" not in city
    with app.app_context():
        db.session.get(Service, salon.full).price_pence = 5250
        db.session.get(Location, salon.city).booksy_url = "https://booksy.com/en-gb/12345_mesmerising"
        db.session.commit()
    city = _by_name(_json_ld(client.get("/salons").get_data(as_text=True)))["Mesmerising Beauty Newcastle City Centre"]
    assert {o["itemOffered"]["name"]: o["price"] for o in city["makesOffer"]}["Full Body Massage"] == "52.50"
    assert city["sameAs"] == ["https://booksy.com/en-gb/12345_mesmerising"]


def test_json_ld_cannot_be_broken_out_of(app, client, salon):
    with app.app_context():
        db.session.get(Service, salon.back).description = "</script><script>alert(1)</script>"
        db.session.commit()
    html = client.get("/salons").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    offers = {o["itemOffered"]["name"]: o["itemOffered"]["description"] for o in _json_ld(html)[0]["makesOffer"]}
    assert offers["Back, Neck & Shoulder Massage"] == "</script><script>alert(1)</script>"


def _disallowed(robots: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in robots.splitlines() if line.startswith("Disallow:")]


def test_robots_and_sitemap_keep_every_logged_in_page_out(app, client, salon):
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    blocked = _disallowed(robots.get_data(as_text=True))
    assert "Sitemap: http://portal.test/sitemap.xml" in robots.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    listed = [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap.get_data(as_text=True))]
    assert sorted(listed) == sorted(PUBLIC_PAGES)
    for path in PUBLIC_PAGES:
        assert not any(path.startswith(prefix) for prefix in blocked), path
    # Every other address (logged-in pages, health pages, account forms, probes) is disallowed
    # and not listed, a route added tomorrow included: checked against the app's own URL map.
    public = {"dashboard.home", "public.salons", "public.therapists", "public.massage_right", "public.free_times",
              "public.sitemap", "public.robots", "static"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        assert any(path.startswith(prefix) for prefix in blocked), f"{rule.endpoint} {path} not in robots.txt"
        assert path not in listed
        checked += 1
    assert checked == len(MATRIX) - len(public) + 1  # every other endpoint of the matrix
    for health in ("/profile", "/pain", "/profile/export", "/dashboard", "/therapist", "/admin"):
        assert any(health.startswith(prefix) for prefix in blocked), health


# --- cookies, caching, speed -------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES + ("/robots.txt", "/sitemap.xml"))
def test_public_pages_set_no_cookie_and_are_cacheable(app, client, salon, booking_clock, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("session") is None
    cache = response.cache_control
    assert cache.public and cache.max_age == 300 and not cache.no_store and not cache.private
    assert "Cookie" in response.headers["Vary"]
    assert "X-Robots-Tag" not in response.headers
    assert "csrf" not in response.get_data(as_text=True).lower()


def test_a_page_that_shows_a_flash_is_not_cached(client, auth, users):
    auth.login("client@example.com")
    response = client.post("/account/logout", data={"csrf_token": auth.csrf_token()}, follow_redirects=True)
    assert "You have logged out" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", ("client", "therapist", "admin"))
def test_logged_in_pages_are_never_cached_nor_indexed(client, auth, users, salon, role):
    auth.login(f"{role}@example.com")
    seen = 0
    for endpoint, (method, path, expected) in MATRIX.items():
        if method != "GET" or callable(path) or expected[role] != 200:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow", path
        seen += 1
    assert seen >= 8


def test_forms_for_visitors_are_not_cached_nor_indexed(client):
    for path in ("/account/login", "/account/register", "/account/forgot-password"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("path, most", [("/", 3), ("/salons", 3), ("/our-therapists", 4),
                                        ("/is-massage-right-for-me", 1), ("/sitemap.xml", 0), ("/robots.txt", 0)])
def test_public_pages_run_few_statements(app, client, salon, count_queries, path, most):
    client.get(path)  # warm up
    page_cache.forget_everything()  # count what rendering the page costs, not the cached copy
    with app.app_context(), count_queries() as counted:
        assert client.get(path).status_code == 200
    assert counted.count <= most, counted.statements
    with app.app_context(), count_queries() as again:
        assert client.get(path).status_code == 200
    assert again.count == 0  # then served from memory


def test_free_times_statements_do_not_grow_with_bookings(app, client, salon, users, booking_clock, count_queries):
    url = f"/free-times?service={salon.back}&location={salon.city}&day={MONDAY.isoformat()}"
    with app.app_context(), count_queries() as empty:
        client.get(url)
    assert empty.count > 0
    for label in ("10:00", "11:00", "12:00", "13:00", "14:00"):
        add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, label))
    with app.app_context(), count_queries() as busy:
        client.get(url)
    assert busy.count == empty.count <= 12


def _throughput(client, path: str, seconds: float = 0.2) -> float:
    """Requests per second of this process's own CPU time: other work on a shared machine
    does not count against either side."""
    done, start = 0, timer.process_time()
    while timer.process_time() - start < seconds:
        assert client.get(path).status_code == 200
        done += 1
    return done / (timer.process_time() - start)


def test_public_pages_are_fast_against_a_trivial_route(app, client, salon, booking_clock):
    """The issue's bar: each public page at least 0.6 of a trivial route's throughput (/healthz:
    no database, no template), in the same run, on this process's CPU time. Rounds alternate
    between the two and the best of each counts. Measured with the salon seeded, the free-times
    page on a day with free times; served from the page cache, as visitors mostly are."""
    app.config["PUBLIC_FREE_TIMES_RATE_LIMIT"] = "100000 per minute"  # measure, don't refuse
    for path in PUBLIC_PAGES:
        client.get(path)
    for path in PUBLIC_PAGES:
        trivial = page = 0.0
        for _ in range(4):
            trivial = max(trivial, _throughput(client, "/healthz"))
            page = max(page, _throughput(client, path))
        assert page >= 0.6 * trivial, f"{path}: {page:.0f}/s against {trivial:.0f}/s"


# --- the admin edits a salon's details ---------------------------------------------------------


def test_admin_edits_a_salons_details_and_listings_recorded(app, client, auth, users, salon):
    auth.login("admin@example.com")
    url = f"/admin/locations/{salon.gosforth}"
    form = {"address": "12 High Street, Gosforth, Newcastle upon Tyne NE3 1HB", "phone": "0191 498 0999",
            "treatwell_url": "https://www.treatwell.co.uk/place/mesmerising-beauty-gosforth/",
            "fresha_url": "", "booksy_url": "", "version": "1"}
    response = auth.post(url, form)
    assert response.status_code == 302 and response.location == "/admin"
    with app.app_context():
        gosforth = db.session.get(Location, salon.gosforth)
        assert gosforth.phone == "0191 498 0999" and gosforth.fresha_url is None
        assert gosforth.treatwell_url == form["treatwell_url"]
        [change] = db.session.scalars(select(AdminChange)).all()
        assert (change.action, change.subject_type, change.subject_id, change.actor_id) == (
            "updated", "location", salon.gosforth, users["admin"].id)
        assert change.changes["phone"] == ["0191 498 0456", "0191 498 0999"]
        assert change.changes["treatwell_url"] == [None, form["treatwell_url"]]
        assert "fresha_url" not in change.changes
    auth.logout()
    for path in ("/", "/salons"):
        html = client.get(path).get_data(as_text=True)
        assert f'href="{form["treatwell_url"]}"' in html
        assert "Fresha" not in html and "Booksy" not in html  # hidden when empty


@pytest.mark.parametrize("field, value, message", [
    ("treatwell_url", "http://www.treatwell.co.uk/place/x", "starting https://"),
    ("fresha_url", "https://www.fresha.com.evil.example/a/x", "not a fresha.com address"),
    ("booksy_url", "javascript:alert(1)", "starting https://"),
    ("booksy_url", "https://booksy.com/" + "x" * 600, "too long"),
    ("phone", "call us", "Please enter a phone number"),
    ("address", "", "Please enter the salon's address"),
])
def test_admin_form_refuses_bad_input_and_keeps_the_rest(app, auth, users, salon, field, value, message):
    auth.login("admin@example.com")
    form = {"address": "Grey Street, Newcastle upon Tyne NE1", "phone": "0191 498 0123",
            "treatwell_url": "https://www.treatwell.co.uk/place/city/", "fresha_url": "", "booksy_url": "",
            "version": "1", field: value}
    response = auth.post(f"/admin/locations/{salon.city}", form)
    text = page_text(response)
    assert response.status_code == 422 and message in text
    if field != "treatwell_url":
        assert 'value="https://www.treatwell.co.uk/place/city/"' in text  # nothing lost
    with app.app_context():
        assert db.session.get(Location, salon.city).treatwell_url is None
        assert db.session.scalars(select(AdminChange)).all() == []


def test_two_admins_editing_a_salon_at_once_the_later_is_told_and_loses_nothing(app, auth, users, salon, make_user):
    make_user("owner@example.com", "admin", "Olive Owner")
    other = AuthActions(app.test_client())
    url = f"/admin/locations/{salon.gosforth}"
    auth.login("admin@example.com")
    other.login("owner@example.com")
    # Both open the form (version 1); the owner saves a new phone first.
    for admin in (auth, other):
        assert 'name="version" type="hidden" value="1"' in page_text(admin.client.get(url))
    mine = {"address": "Gosforth High Street, Newcastle upon Tyne NE3", "phone": "0191 498 0456",
            "treatwell_url": "", "fresha_url": "", "booksy_url": "", "version": "1"}
    assert other.post(url, {**mine, "address": "Gosforth, Newcastle upon Tyne NE3 1HB",
                            "phone": "0191 498 0999"}).status_code == 302
    # The admin's older form does not overwrite it unseen: told, shown what is saved, nothing lost.
    response = auth.post(url, {**mine, "address": "14 High Street, Gosforth NE3"})
    text = page_text(response)
    assert response.status_code == 409 and "Someone else saved Gosforth's details" in text
    assert 'value="14 High Street, Gosforth NE3"' in text and "0191 498 0999" in text  # typed; saved now
    assert 'name="version" type="hidden" value="2"' in text
    with app.app_context():
        gosforth = db.session.get(Location, salon.gosforth)
        assert (gosforth.address, gosforth.phone, gosforth.version) == (
            "Gosforth, Newcastle upon Tyne NE3 1HB", "0191 498 0999", 2)
        assert len(db.session.scalars(select(AdminChange)).all()) == 1
    # Saving again, having seen theirs, keeps the admin's values.
    assert auth.post(url, {**mine, "address": "14 High Street, Gosforth NE3", "version": "2"}).status_code == 302
    with app.app_context():
        assert db.session.get(Location, salon.gosforth).address == "14 High Street, Gosforth NE3"


def test_no_such_salon_is_404(auth, users, salon):
    auth.login("admin@example.com")
    assert auth.client.get("/admin/locations/999999").status_code == 404


def test_a_visitors_error_page_sets_no_cookie(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
