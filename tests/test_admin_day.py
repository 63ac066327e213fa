"""The admin's day on /admin at chain scale (issue 14): one salon at a time, chosen by a switch
and remembered, grouped by therapist; the week as counts per day and salon, so the page does
not grow with the chain (one aggregate, not every appointment of every salon)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.booking_support import NOW, add_appointment, at, page_text

TODAY = NOW.date()  # Monday 8 March 2027


@pytest.fixture
def chain_diary(app, users, salon, make_user):
    """Today: three at the city centre (Amelia twice, Daniel once), one at Gosforth (Daniel);
    Thursday: two at Gosforth."""
    priya = make_user("priya@example.com", "client", "Priya Shah").id
    gina = make_user("gina@example.com", "client", "Gina Gosforth").id
    claire = users["client"].id
    for who, therapist, where, day, hh_mm in (
            (claire, salon.amelia, salon.city, TODAY, "14:00"), (priya, salon.amelia, salon.city, TODAY, "09:00"),
            (priya, salon.daniel, salon.city, TODAY, "11:00"), (gina, salon.daniel, salon.gosforth, TODAY, "16:00"),
            (gina, salon.amelia, salon.gosforth, TODAY + timedelta(days=3), "10:00"),
            (claire, salon.daniel, salon.gosforth, TODAY + timedelta(days=3), "12:00")):
        add_appointment(app, who, therapist, where, salon.back, at(day, hh_mm))
    return salon


def _text(client, query: str = "") -> str:
    """The page's words, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(client.get(f"/admin{query}"))).split())


def _day(client, query: str = "") -> str:
    return _text(client, query).split("Week of")[0]


def test_the_day_shows_one_salon_by_therapist_the_busiest_first(client, auth, booking_clock, chain_diary):
    auth.login("admin@example.com")
    html = client.get("/admin").get_data(as_text=True)
    day = _day(client)
    assert "Today, Monday 8 March at Newcastle City Centre" in day
    assert "Gina Gosforth" not in day  # Gosforth's booking is not listed
    # Grouped by therapist (by name), each group headed with their count, times in order within it.
    assert re.search(r"Amelia Hart \(2\).*09:00.*14:00.*Daniel Okafor \(1\).*11:00", day, re.S)
    assert html.count('scope="rowgroup"') == 2
    # The switch names every salon with the day's count; the one shown is marked current.
    assert re.search(r'aria-current="true">Newcastle City Centre</a> <span class="muted small">\(3\)', html)
    assert re.search(r'>Gosforth</a> <span class="muted small">\(1\)', html)


def test_the_salon_chosen_is_shown_and_remembered(client, auth, booking_clock, chain_diary):
    auth.login("admin@example.com")
    day = _day(client, f"?salon={chain_diary.gosforth}")
    assert "at Gosforth" in day and "Gina Gosforth" in day and "Priya Shah" not in day
    thursday = (TODAY + timedelta(days=3)).isoformat()
    assert "Thursday 11 March at Gosforth" in _day(client, f"?day={thursday}")  # remembered
    assert "at Gosforth" in _day(client)  # even on a day the city centre is busier
    assert "at Gosforth" in _day(client, "?salon=999999")  # unknown: ignored, the remembered one stays
    assert "at Newcastle City Centre" in _day(client, f"?salon={chain_diary.city}")
    assert "at Newcastle City Centre" in _day(client, f"?day={thursday}")


def test_the_week_counts_each_salons_day(client, auth, booking_clock, chain_diary):
    auth.login("admin@example.com")
    week = _text(client).split("Week of")[1]
    assert "Day Gosforth Newcastle City Centre" in week  # a column per salon, by name
    assert "Mon 8 Mar 1 at Gosforth 3 at Newcastle City Centre" in week
    assert "Thu 11 Mar 2 at Gosforth None" in week
    assert "Tue 9 Mar None None" in week
    assert "Priya Shah" not in week  # counts, not every appointment


def test_the_therapists_listed_are_those_with_hours_at_the_salon_shown(client, auth, booking_clock, chain_diary):
    auth.login("admin@example.com")
    for salon_id, name, listed in ((chain_diary.gosforth, "Gosforth", {"Amelia Hart", "Sofia Reyes"}),
                                   (chain_diary.city, "Newcastle City Centre", {"Amelia Hart", "Daniel Okafor"})):
        html = page_text(client.get(f"/admin?salon={salon_id}"))
        section = html[html.index('id="admin-therapists"'):html.index('id="admin-email"')]
        assert f"Therapists at {name}</h2>" in section
        rows = re.findall(r'<td>([^<]+)</td>\s*<td data-label="Works at">([^<]+)</td>', section)
        assert {therapist for therapist, _ in rows} == listed
        assert all(name in works_at.split(", ") for _, works_at in rows)


def test_everyones_time_off_that_day_shows_whichever_salon_is_shown(app, client, auth, booking_clock, chain_diary):
    from portal.booking.models import TimeOff
    from portal.extensions import db
    with app.app_context():
        db.session.add(TimeOff(therapist_id=chain_diary.daniel, starts_at=at(TODAY, "12:00"),
                               ends_at=at(TODAY, "13:00"), reason="dentist"))
        db.session.add(TimeOff(therapist_id=chain_diary.amelia, starts_at=at(TODAY + timedelta(days=1), "09:00"),
                               ends_at=at(TODAY + timedelta(days=1), "17:00"), reason="training"))
        db.session.commit()
    auth.login("admin@example.com")
    for salon_id in (chain_diary.city, chain_diary.gosforth):
        day = _day(client, f"?salon={salon_id}")
        assert "Away Mon 8 Mar 12:00 to Mon 8 Mar 13:00: Daniel Okafor (dentist)" in day
        assert "training" not in day  # tomorrow's
    assert "Amelia Hart (training)" in _day(client, f"?day={(TODAY + timedelta(days=1)).isoformat()}")


# A busy day (more than salon_day.WHOLE_DAY appointments at the salon) is shown by the hour. The
# diary above has three at the city centre today (09:00 Priya, 11:00 Daniel's, 14:00 Claire):
# with the bar at two, that is a busy day.

def _busy(monkeypatch):
    from portal.dashboard import salon_day
    monkeypatch.setattr(salon_day, "WHOLE_DAY", 2)


def _hours(html: str) -> list[tuple[str, str]]:
    """(hour, count) per hour link, in order."""
    return re.findall(r'<a id="hour-\d+" href="[^"]+"[^>]*>(\d\d:00)</a> <span class="muted small">\((\d+)\)', html)


def test_a_day_up_to_the_bar_is_listed_whole_with_no_hours(client, auth, booking_clock, chain_diary):
    auth.login("admin@example.com")
    html = client.get("/admin?hour=14").get_data(as_text=True)  # an hour asked for: still the whole day
    assert 'id="hour-' not in html
    day = _day(client, "?hour=14")
    assert all(name in day for name in ("Priya Shah", "Claire Robson", "Daniel Okafor"))


def test_a_busy_day_opens_on_the_hour_under_way_and_each_hour_is_a_link(client, auth, booking_clock, chain_diary,
                                                                        monkeypatch):
    _busy(monkeypatch)
    auth.login("admin@example.com")
    html = client.get("/admin").get_data(as_text=True)
    assert _hours(html) == [("09:00", "1"), ("11:00", "1"), ("14:00", "1")]
    assert re.search(r'hour=9"[^>]* aria-current="true">09:00', html)
    assert 'scope="rowgroup"' not in html  # by time, the therapist in a column
    day = _day(client)
    assert "Priya Shah" in day and "Claire Robson" not in day
    assert "3 appointments, by the hour they start" in day
    # Each hour is a plain link (no JavaScript needed) and an htmx swap of the day's list.
    hours = html[html.index('aria-labelledby="day-hours-heading"'):html.index("</ul>", html.index('id="hour-9"'))]
    assert 'hx-target="#day-list" hx-swap="outerHTML" hx-push-url="true"' in hours  # inherited by each link
    link = re.search(r'<a id="hour-14" href="([^"]+)" hx-get="([^"]+)"', hours)
    assert link and link.group(1) == link.group(2)
    afternoon = page_text(client.get(link.group(1).replace("&amp;", "&")))
    assert re.search(r"14:00–14:45 Amelia Hart Back, Neck & Shoulder Massage Claire Robson",
                     " ".join(re.sub(r"<[^>]+>", " ", afternoon).split()))
    assert re.search(r'hour=14"[^>]* aria-current="true">14:00', afternoon)


def test_every_appointment_of_a_busy_day_is_one_click_away(client, auth, booking_clock, chain_diary, monkeypatch):
    _busy(monkeypatch)
    auth.login("admin@example.com")
    html = client.get(f"/admin?salon={chain_diary.city}").get_data(as_text=True)
    seen = set()
    for url in re.findall(r'<a id="hour-\d+" href="([^"]+)"', html):
        seen.update(re.findall(r"/therapist/appointments/(\d+)/brief\"", client.get(url.replace("&amp;", "&"))
                               .get_data(as_text=True)))
    with client.application.app_context():
        from sqlalchemy import select

        from portal.booking.models import Appointment
        from portal.extensions import db
        from tests.booking_support import at as at_
        expected = set(map(str, db.session.scalars(select(Appointment.id).where(
            Appointment.location_id == chain_diary.city, Appointment.starts_at >= at_(TODAY, "00:00"),
            Appointment.starts_at < at_(TODAY + timedelta(days=1), "00:00")))))
    assert seen == expected and len(seen) == 3


def test_a_busy_days_hour_is_the_next_booked_one_the_last_once_over_the_first_on_another_day(
        client, auth, booking_clock, chain_diary, monkeypatch):
    _busy(monkeypatch)
    auth.login("admin@example.com")
    booking_clock.now = at(TODAY, "10:30")  # nothing starts at 10: the next booked hour
    assert re.search(r'aria-current="true">11:00', client.get("/admin").get_data(as_text=True))
    booking_clock.now = at(TODAY, "14:59")
    assert re.search(r'aria-current="true">14:00', client.get("/admin").get_data(as_text=True))
    booking_clock.now = at(TODAY, "20:00")  # the day is over: its last booked hour
    assert re.search(r'aria-current="true">14:00', client.get("/admin").get_data(as_text=True))
    booking_clock.now = at(TODAY - timedelta(days=1), "20:00")  # tomorrow, seen the day before: its first
    assert re.search(r'aria-current="true">09:00',
                     client.get(f"/admin?day={TODAY.isoformat()}").get_data(as_text=True))


@pytest.mark.parametrize("asked", ["25", "-1", "noon", "99999999999999999999"])
def test_an_hour_that_cannot_be_is_ignored(client, auth, booking_clock, chain_diary, monkeypatch, asked):
    _busy(monkeypatch)
    auth.login("admin@example.com")
    response = client.get(f"/admin?hour={asked}")
    assert response.status_code == 200
    assert re.search(r'aria-current="true">09:00', response.get_data(as_text=True))


def test_an_hour_with_nothing_starting_says_so(client, auth, booking_clock, chain_diary, monkeypatch):
    _busy(monkeypatch)
    auth.login("admin@example.com")
    day = _day(client, "?hour=12")
    assert "No appointments start 12:00 to 13:00." in day
    assert "09:00 (1) 11:00 (1) 14:00 (1)" in day  # the booked hours still listed


def test_bookings_held_for_a_health_check_are_listed_whichever_hour_is_shown(app, client, auth, booking_clock,
                                                                             chain_diary, monkeypatch):
    from sqlalchemy import update

    from portal.booking.models import Appointment
    from portal.extensions import db
    with app.app_context():
        db.session.execute(update(Appointment).where(Appointment.starts_at == at(TODAY, "14:00"))
                           .values(health_hold="pregnancy"))
        db.session.commit()
    _busy(monkeypatch)
    auth.login("admin@example.com")
    html = page_text(client.get("/admin"))  # opens on 09:00
    day = _day(client)
    assert "Needs attention: 1 held for a health check" in day
    assert "14:00–14:45 Claire Robson, Back, Neck & Shoulder Massage with Amelia Hart Health check needed" in day
    attention = html[html.index('id="attention-heading"'):html.index('id="day-list"')]
    assert re.search(r'href="/therapist/appointments/\d+/brief#brief-\d+" hx-get="/therapist/appointments/\d+/brief"',
                     attention)
    assert re.search(r"14:00</a> <span class=\"muted small\">\(1\)</span> <span class=\"badge badge-not-now\">"
                     r"Health check needed: 1", html)
    assert "Needs attention" not in _day(client, f"?salon={chain_diary.gosforth}")  # Gosforth has none held


def test_an_hours_swap_sends_the_days_list_only(client, auth, booking_clock, chain_diary, monkeypatch):
    _busy(monkeypatch)
    auth.login("admin@example.com")
    page = client.get("/admin?hour=11")
    swap = client.get("/admin?hour=11", headers={"HX-Request": "true"})
    assert swap.status_code == 200 and "HX-Request" in swap.headers["Vary"]
    part = swap.get_data(as_text=True)
    assert part.lstrip().startswith('<div id="day-list">') and "<html" not in part and "<nav" not in part
    assert "11:00–11:45" in part and "09:00–" not in part and "Claire Robson" not in part
    # Its counts read the day alone: the day's total and each hour's, at the busiest salon.
    assert "3 appointments, by the hour they start" in part
    assert _hours(part) == [("09:00", "1"), ("11:00", "1"), ("14:00", "1")]
    assert re.search(r'hour=11"[^>]* aria-current="true">11:00', part)
    assert "The salon's numbers" not in part
    assert len(swap.data) <= 0.2 * len(page.data), (len(swap.data), len(page.data))
    # A boosted navigation or a history restore wants the whole page.
    restore = client.get("/admin?hour=11", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_the_therapists_listed_follow_a_catalogue_change(app, client, auth, booking_clock, chain_diary):
    from portal.extensions import db
    from portal.salon.models import Therapist
    auth.login("admin@example.com")
    html = page_text(client.get(f"/admin?salon={chain_diary.city}"))
    assert "<td>Daniel Okafor</td>" in html
    with app.app_context():
        db.session.get(Therapist, chain_diary.daniel).active = False
        db.session.commit()
    html = page_text(client.get(f"/admin?salon={chain_diary.city}"))
    assert "<td>Daniel Okafor</td>" not in html and "<td>Amelia Hart</td>" in html


def test_a_busy_day_costs_the_statements_of_a_quiet_one(app, client, auth, booking_clock, chain_diary, monkeypatch,
                                                        count_queries):
    auth.login("admin@example.com")
    counts = []
    for busy in (False, True):
        if busy:
            _busy(monkeypatch)
        for headers in ({}, {"HX-Request": "true"}):
            client.get("/admin", headers=headers)  # the catalogue cached
            with app.app_context(), count_queries() as counted:
                html = client.get("/admin", headers=headers).get_data(as_text=True)
            assert ('id="hour-9"' in html) == busy
            counts.append(counted.count)
    assert counts == [3, 3, 3, 3]  # the login, the week's counts (and the day's per hour), the day's rows


@pytest.mark.parametrize("day, hours_long", [("2027-03-28", 23), ("2026-10-25", 25), ("2027-03-08", 24)])
def test_a_days_hours_follow_the_clock_changes(day, hours_long):
    """The 25 bounds of a day's hours on the salon's clock: in order, spanning the day's real
    length (23 hours when the clocks go forward, 25 when they go back), every opening hour one hour."""
    from datetime import date, timezone

    from portal.dashboard.salon_day import _hour_bounds
    from portal.formatting import clock_time

    # As instants (aware times on one zone subtract and compare by the wall clock).
    bounds = [moment.astimezone(timezone.utc) for moment in _hour_bounds(date.fromisoformat(day))]
    assert len(bounds) == 25 and bounds == sorted(bounds)
    assert bounds[-1] - bounds[0] == timedelta(hours=hours_long)
    assert all(bounds[h + 1] - bounds[h] == timedelta(hours=1) for h in range(6, 24))
    assert [clock_time(bounds[h]) for h in (9, 13, 20)] == ["09:00", "13:00", "20:00"]


def test_the_week_counts_are_read_from_the_starts_index_alone(app, chain_diary):
    """The week's counts read nothing of an appointment but what ix_appointments_starts_at holds
    (start, status, salon, health hold): an index-only scan on PostgreSQL (the planner told not
    to prefer the table, which it does for a few rows), a covering index on SQLite. Without
    those columns in the index each appointment of the week costs a heap page."""
    from datetime import datetime

    from portal.dashboard.salon_day import _week_statement
    from portal.extensions import db

    moment = datetime(2027, 3, 8)
    values = {**{f"b{n}": moment for n in range(8)}, **{f"h{n}": moment for n in range(25)}}
    with app.app_context():
        connection = db.session.connection()
        compiled = _week_statement().compile(dialect=connection.dialect)
        values.update((name, value) for name, value in compiled.params.items() if name not in values)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {compiled}", values).scalars().all()
            expected = "Index Only Scan using ix_appointments_starts_at on appointments"
        else:
            plan = [row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup))]
            expected = "USING COVERING INDEX ix_appointments_starts_at"
        db.session.rollback()
    assert any(expected in line for line in plan), plan
