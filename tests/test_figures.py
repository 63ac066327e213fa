"""The owner's figures on /admin (issue 10, item 7): each on a crafted data set with known
answers, the empty salon (no division by zero), and a fixed number of SQL statements."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from portal import clock
from portal.booking.models import CANCELLED
from portal.dashboard.figures import FRESH_FOR, MIN_PAIN_SESSIONS, REBOOK_DAYS, WEEKS, Rate, owner_figures
from portal.extensions import db
from portal.feedback.models import AppointmentFeedback
from portal.salon.models import Service
from tests.factories import make_appointment

UTC = timezone.utc
# Wednesday 10 March 2027, noon (GMT, so UTC is the salon's time): this week is Monday 8 March
# to Sunday 14 March, and the twelve weeks start on Monday 21 December 2026.
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
FIRST_MONDAY = date(2026, 12, 21)


def at(day: date, hh_mm: str) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=UTC)


@pytest.fixture
def clients(make_user, users):
    return [users["client"].id] + [make_user(f"c{n}@example.com", "client", f"Client {n}").id for n in range(2, 5)]


def figures(app):
    with app.app_context():
        return owner_figures(24, now=NOW)


def test_rebook_days_is_the_longest_interval_guidance_suggests():
    from portal.guidance.rules import BASELINE_INTERVAL_DAYS, FREQUENCY
    assert REBOOK_DAYS == BASELINE_INTERVAL_DAYS == max(rule.days for rule in FREQUENCY.values()) == 28


def test_rates_never_divide_by_zero():
    assert Rate(0, 0).percent is None
    assert (Rate(1, 3).percent, Rate(2, 3).percent, Rate(7, 7).percent) == (33, 67, 100)


def test_an_empty_salon_has_zero_bookings_and_no_rates(app, small_salon, count_queries):
    with app.app_context(), count_queries() as counted:
        empty = owner_figures(24, now=NOW)
    assert counted.count == 3
    assert [w.monday for w in empty.weeks] == [FIRST_MONDAY + timedelta(weeks=n) for n in range(WEEKS)]
    assert [w.bookings for w in empty.weeks] == [0] * WEEKS and empty.total_bookings == 0
    assert empty.rebooking == empty.no_shows == empty.late_cancellations == Rate(0, 0)
    assert empty.no_shows.percent is None and empty.pain == []
    assert [bar.height for bar in empty.bars()] == [0] * WEEKS


def test_bookings_per_week_no_shows_and_late_cancellations(app, small_salon, clients, count_queries):
    c1, c2 = clients[:2]
    add = lambda client, start, **fields: make_appointment(app, small_salon, client, start, **fields)  # noqa: E731
    this_monday = date(2027, 3, 8)
    add(c1, at(this_monday, "10:00"))  # started
    add(c2, at(this_monday, "11:00"), no_show=True)  # started, a no-show
    add(c1, at(date(2027, 3, 12), "10:00"))  # later this week: booked, not started
    add(c2, at(date(2027, 3, 14), "23:30"))  # Sunday night: still this week, not started
    # Cancelled 23 hours before: late. Cancelled exactly 24 hours before: not late (allowed online).
    add(c2, at(date(2027, 3, 11), "10:00"), status=CANCELLED, cancelled_at=at(date(2027, 3, 10), "11:00"))
    add(c1, at(date(2027, 3, 2), "10:00"), status=CANCELLED, cancelled_at=at(date(2027, 3, 1), "10:00"))
    add(c2, at(date(2027, 3, 3), "10:00"))  # last week, started
    add(c1, at(FIRST_MONDAY, "00:00"))  # the first moment of the first week
    add(c1, at(FIRST_MONDAY, "00:00") - timedelta(minutes=1))  # before the weeks shown
    add(c1, at(date(2027, 3, 15), "00:00"))  # next week: not shown
    with app.app_context(), count_queries() as counted:
        found = owner_figures(24, now=NOW)
    assert counted.count == 3
    assert [w.bookings for w in found.weeks] == [1] + [0] * 9 + [1, 4]
    assert found.total_bookings == 6
    # Started and not cancelled: this Monday's two, last week's one, the first week's one.
    assert found.no_shows == Rate(1, 4) and found.no_shows.percent == 25
    # Every appointment in the weeks shown, cancelled or not: eight; one cancelled inside 24 hours.
    assert found.late_cancellations == Rate(1, 8) and found.late_cancellations.percent == 12
    bars = found.bars()
    assert bars[-1].height == 120 and bars[0].height == 30 and bars[1].height == 0


def test_the_weeks_follow_the_salons_midnight_across_the_clock_change(app, small_salon, clients):
    # 30 March 2027 is in BST: Monday 29 March 00:30 local is 23:30 UTC on Sunday 28 March.
    now = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)
    make_appointment(app, small_salon, clients[0], datetime(2027, 3, 28, 23, 30, tzinfo=UTC))
    with app.app_context():
        found = owner_figures(24, now=now)
    assert found.weeks[-1].monday == date(2027, 3, 29) and found.weeks[-1].bookings == 1
    assert found.weeks[-2].bookings == 0


def test_rebooking_rate_counts_a_booking_within_the_interval(app, small_salon, clients, count_queries):
    c1, c2, c3, c4 = clients
    add = lambda client, start, **fields: make_appointment(app, small_salon, client, start, **fields)  # noqa: E731
    # The massages counted: completed from 18 November 2026 noon to 10 February 2027 noon.
    add(c1, at(date(2027, 1, 5), "10:00"))  # followed exactly 28 days later: counted as rebooked
    add(c1, at(date(2027, 2, 2), "10:00"))  # the follow-up itself, too recent for a later one: not rebooked
    add(c2, at(date(2027, 1, 6), "10:00"))  # followed only by a cancelled booking, then 28 days + 1 minute later
    add(c2, at(date(2027, 1, 8), "10:00"), status=CANCELLED, cancelled_at=at(date(2027, 1, 7), "09:00"))
    add(c2, at(date(2027, 2, 3), "10:01"))  # not within the window's end (10 Feb noon)? It is: a visit, not rebooked
    add(c3, at(date(2026, 12, 1), "10:00"))  # followed by a future booking (still counts: booked again)...
    add(c3, at(date(2026, 12, 20), "10:00"), no_show=True)  # ...a no-show is a booking, but not a visit counted
    add(c4, at(date(2026, 11, 18), "11:00"))  # before the massages counted
    add(c4, at(date(2027, 2, 10), "13:00"))  # after them (still inside its own 28 days)
    with app.app_context(), count_queries() as counted:
        found = owner_figures(24, now=NOW)
    assert counted.count == 3
    assert (found.rebooking_from, found.rebooking_to) == (date(2026, 11, 18), date(2027, 2, 10))
    # Visits: c1 5 Jan (yes), c1 2 Feb (no), c2 6 Jan (no), c2 3 Feb (no), c3 1 Dec (yes).
    assert found.rebooking == Rate(2, 5) and found.rebooking.percent == 40


def _feedback(app, appointment_id, client_id, **scores):
    with app.app_context():
        db.session.add(AppointmentFeedback(appointment_id=appointment_id, client_id=client_id, **scores))
        db.session.commit()


def test_average_change_in_pain_per_service(app, small_salon, clients, count_queries):
    with app.app_context():
        full = Service(slug="full-body", name="Full Body Massage", price_pence=5000, minutes=60,
                       body_areas="neck,shoulders,upper_back,lower_back")
        db.session.add(full)
        db.session.commit()
        full_id = full.id
    c1, c2 = clients[:2]
    back = [make_appointment(app, small_salon, c1, at(date(2027, 2, day), "10:00")) for day in (1, 2, 3)]
    _feedback(app, back[0], c1, neck_before=6, neck_after=2, lower_back_before=5, lower_back_after=5)  # -4, 0
    _feedback(app, back[1], c1, neck_before=4, shoulders_before=3, shoulders_after=1)  # neck unpaired; -2
    _feedback(app, back[2], c1, upper_back_before=2, upper_back_after=4)  # +2
    # Full body: two sessions with pairs (fewer than three: not shown) and one with no pair at all.
    full_salon = replace(small_salon, service_id=full_id)
    full_sessions = [make_appointment(app, full_salon, c2, at(date(2027, 2, day), "14:00")) for day in (1, 2, 3)]
    _feedback(app, full_sessions[0], c2, neck_before=8, neck_after=1)
    _feedback(app, full_sessions[1], c2, neck_before=7, neck_after=2)
    _feedback(app, full_sessions[2], c2, neck_before=7)
    # Before the weeks shown: left out.
    old = make_appointment(app, small_salon, c1, at(date(2026, 12, 1), "10:00"))
    _feedback(app, old, c1, neck_before=9, neck_after=0)
    with app.app_context(), count_queries() as counted:
        found = owner_figures(24, now=NOW)
    assert counted.count == 3
    back_row, full_row = found.pain  # in name order
    assert (back_row.service, back_row.sessions, back_row.pairs, back_row.total_change) == (
        "Back, Neck & Shoulder Massage", 3, 4, -4)
    assert back_row.average == -1.0
    assert (full_row.service, full_row.sessions, full_row.pairs, full_row.total_change) == ("Full Body Massage", 2, 2, -12)
    assert full_row.sessions < MIN_PAIN_SESSIONS and full_row.average is None


def test_the_admin_page_shows_the_figures_first_with_their_definitions(app, client, auth, small_salon, clients,
                                                                      count_queries, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    auth.login("admin@example.com")
    empty = client.get("/admin")
    html = empty.get_data(as_text=True)
    assert empty.status_code == 200
    assert html.index('id="figures"') < html.index("schedule")  # at the top
    assert "Rebooking rate" in html and "within 4 weeks after it" in html and "the longest interval our guidance suggests" in html
    assert re.search(r'id="figure-no-shows">\s*<dt>No-show rate</dt>\s*<dd><strong>— <span class="muted small">\(0 of 0\)', html)
    assert "No pain scores before and after a session in those weeks yet." in html
    assert '<svg class="figures-chart"' in html and 'role="img"' in html and "<desc id=\"bookings-chart-desc\">" in html
    assert "Counted at 12:00; counted again every 5 minutes." in html
    # Kept for FRESH_FOR: the next view within it counts nothing again (three statements fewer).
    with app.app_context(), count_queries() as kept:
        client.get("/admin")
    for day in range(1, 28):
        make_appointment(app, small_salon, clients[day % 4], at(date(2027, 2, day), "10:00"), no_show=day % 9 == 0)
    assert "(0 of 0)" in client.get("/admin").get_data(as_text=True)  # still the figures counted at 12:00
    later = NOW + FRESH_FOR
    monkeypatch.setattr(clock, "now", lambda: later)
    # Counted again, with rows, in the same number of statements: nothing is loaded row by row.
    with app.app_context(), count_queries() as before:
        client.get(f"/admin?day={later.date().isoformat()}")
    monkeypatch.setattr(clock, "now", lambda: later + FRESH_FOR)
    with app.app_context(), count_queries() as after:
        page = client.get("/admin").get_data(as_text=True)
    reads = [sum(s.startswith("SELECT") for s in c.statements) for c in (kept, before, after)]  # not the login's touch
    assert reads[2] == reads[1] == reads[0] + 3
    assert "Counted at 12:10;" in page
    assert re.search(r"<dt>No-show rate</dt>\s*<dd><strong>11% <span class=\"muted small\">\(3 of 27\)", page)
    assert "Week beginning 1 February: 7" in page
