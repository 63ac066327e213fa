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
