"""The booking page reads the diaries of the day it shows, of those working there that day, and
the fortnight after it only when it looks for the next free day, a step at a time (the next day,
the three after, the rest: at a chain that fortnight is dozens of therapists' thousands of
appointments): the same free times as reading it all at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.booking import offer, queries, slots
from portal.booking.models import TimeOff
from portal.extensions import db
from portal.salon import catalogue_cache
from portal.salon.models import Service, Therapist, WorkingHours
from tests.booking_support import MONDAY, add_appointment, at

SATURDAY, SUNDAY = MONDAY - timedelta(days=2), MONDAY - timedelta(days=1)


@pytest.fixture
def reads(monkeypatch):
    """Each read of the diaries: (therapist ids, start, end)."""
    seen = []
    real = queries.busy_by_therapist

    def spy(ids, start, end, **kwargs):
        seen.append((set(ids), start, end))
        return real(ids, start, end, **kwargs)
    monkeypatch.setattr(queries, "busy_by_therapist", spy)
    return seen


def _offer(app, users, salon, day, location):
    with app.test_request_context():
        return offer.booking_offer(users["client"].id, salon.back, location, None, day)


def test_a_day_with_free_times_reads_that_day_of_those_working_here(app, users, salon, booking_clock, reads):
    shown = _offer(app, users, salon, MONDAY, salon.city)
    assert shown.times and shown.next_free_day is None
    assert len(reads) == 1
    ids, start, end = reads[0]
    assert ids == {salon.amelia, salon.daniel}  # Sofia works at Gosforth only
    assert end - start <= timedelta(days=1, hours=1)  # the day and the cleaning buffer either side

    # On Saturday only Daniel is at City Centre (Amelia is at Gosforth): only his diary is read.
    reads.clear()
    assert _offer(app, users, salon, SATURDAY, salon.city).times
    assert [ids for ids, _, _ in reads] == [{salon.daniel}]


def test_a_day_with_nothing_free_reads_the_next_day_first(app, users, salon, booking_clock, reads):
    # No one works at City Centre on a Sunday: nothing to read for it, then the search reads ahead,
    # the Monday alone, where it finds a time.
    shown = _offer(app, users, salon, SUNDAY, salon.city)
    assert shown.times == [] and shown.next_free_day == MONDAY
    assert len(reads) == 1
    ids, start, end = reads[0]
    assert ids == {salon.amelia, salon.daniel}
    assert start <= at(MONDAY, "00:00") and at(MONDAY + timedelta(days=1), "00:00") <= end
    assert end - start <= timedelta(days=1, hours=1)  # the day and the cleaning buffer either side


def test_the_search_reads_the_next_day_then_the_three_after_then_the_rest(app, users, salon, booking_clock, reads):
    """Daniel booked all Monday and away Tuesday to Thursday: from his Sunday (he does not work
    Sundays, nothing to read) the search reads Monday, then Tuesday to Thursday, then the rest of
    the fortnight, where his Friday is free: three reads, never one per day."""
    for label in ("09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"):
        add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, at(MONDAY, label))
    friday = MONDAY + timedelta(days=4)
    with app.app_context():
        db.session.add(TimeOff(therapist_id=salon.daniel, starts_at=at(MONDAY + timedelta(days=1), "00:00"),
                               ends_at=at(friday, "00:00")))
        db.session.commit()
    with app.test_request_context():
        shown = offer.booking_offer(users["client"].id, salon.back, salon.city, salon.daniel, SUNDAY)
        buffer = slots.policy().buffer
    assert shown.times == [] and shown.next_free_day == friday
    assert [(ids, start + buffer, end - buffer) for ids, start, end in reads] == [
        ({salon.daniel}, at(MONDAY, "00:00"), at(MONDAY + timedelta(days=1), "00:00")),
        ({salon.daniel}, at(MONDAY + timedelta(days=1), "00:00"), at(friday, "00:00")),
        ({salon.daniel}, at(friday, "00:00"), at(SUNDAY + timedelta(days=slots.NEXT_FREE_DAY_SEARCH_DAYS + 1), "00:00")),
    ]


def test_reading_ahead_later_gives_the_times_reading_it_all_at_once_gives(app, users, salon, booking_clock):
    add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, at(MONDAY, "10:00"))
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "16:00"))
    with app.app_context():
        # Away from Monday evening to Wednesday noon: read by both reads (it spans their seam).
        db.session.add(TimeOff(therapist_id=salon.daniel, starts_at=at(MONDAY, "16:30"),
                               ends_at=at(MONDAY + timedelta(days=2), "12:00")))
        db.session.commit()
    days = [MONDAY + timedelta(days=n) for n in range(14)]
    with app.test_request_context():
        therapists = [db.session.get(Therapist, t) for t in (salon.amelia, salon.daniel)]
        service = db.session.get(Service, salon.back)
        eager = slots.Diaries(therapists, salon.city, service, days[0], days[-1])
        lazy = slots.Diaries(therapists, salon.city, service, days[0], days[0], look_ahead_to=days[-1])
        assert lazy.times(MONDAY) == eager.times(MONDAY)
        assert lazy.times(MONDAY)  # something was free, and the rest not yet read
        assert all(lazy.times_of(t, day) == eager.times_of(t, day) for day in days for t in therapists)
        # The time off was read twice (once with each read), and is in Daniel's diary once.
        away = [b for b in lazy._busy[salon.daniel] if b.away]
        assert len(away) == 1
        assert lazy.times_of(therapists[1], MONDAY + timedelta(days=1)) == []  # away all Tuesday


def test_weekly_hours_are_worked_out_once_per_catalogue_copy_and_afresh_for_other_rows(app, salon):
    with app.test_request_context():
        assert slots.shifts_by_therapist([db.session.get(Therapist, salon.daniel)])  # a row of its own: worked out
        copy = catalogue_cache.active_therapists()
        first, again = slots.shifts_by_therapist(copy), slots.shifts_by_therapist(copy)
        assert all(first[t.id] is again[t.id] for t in copy)  # the copy's, worked out once
        assert first[salon.daniel] == queries.shifts_of(next(t for t in copy if t.id == salon.daniel))
        # A row of this session, changed in it: its own hours, not the copy's.
        daniel = db.session.get(Therapist, salon.daniel)
        daniel.working_hours = daniel.working_hours[:1] + [WorkingHours(
            weekday=6, location_id=salon.gosforth, starts_at=daniel.working_hours[0].starts_at,
            ends_at=daniel.working_hours[0].ends_at)]
        mine = slots.shifts_by_therapist([daniel])[salon.daniel]
        assert len(mine) == 2 and mine[1].weekday == 6 and len(first[salon.daniel]) == 6


def test_a_full_day_costs_a_read_for_each_step_of_the_search(app, client, users, salon, logged_in, count_queries):
    """Daniel's Saturday booked end to end: the page reads that day, then the next day (his
    Sunday off: no diary to read, no statement), then the three after it, finds his Monday, and
    stays within the booking page's eight statements (issue 14)."""
    for label in ("09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"):
        add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, at(SATURDAY, label))
    path = f"/book?service={salon.back}&location={salon.city}&therapist={salon.daniel}&day={SATURDAY.isoformat()}"
    assert client.get(path).status_code == 200  # the catalogue copy loaded
    with app.app_context(), count_queries() as counted:
        page = client.get(path).get_data(as_text=True)
    assert "the next day with free times" in page and f"day={MONDAY.isoformat()}" in page
    diaries = [s for s in counted.statements if "therapist_time_off" in s]
    assert len(diaries) == 2 and counted.count == 4  # the login, the profile, the day, Monday to Wednesday


def test_in_the_evening_todays_diaries_are_not_read(app, client, users, salon, logged_in, booking_clock, count_queries,
                                                     reads):
    """At 18:00 City Centre's hours are over for the day (and the notice runs past them anyway):
    the page reads no diary for today, opens on tomorrow from one read, and costs 3 statements."""
    booking_clock.now = at(MONDAY, "18:00")
    path = f"/book?service={salon.back}&location={salon.city}&therapist=any"
    assert client.get(path).status_code == 200  # the catalogue copy loaded
    reads.clear()
    with app.app_context(), count_queries() as counted:
        page = client.get(path).get_data(as_text=True)
    assert "Free times on Tuesday 16 March" in page
    assert counted.count == 3 and len(reads) == 1
    ids, start, _ = reads[0]
    assert ids == {salon.amelia, salon.daniel} and start >= at(MONDAY + timedelta(days=1), "00:00") - timedelta(hours=1)
    # At 14:00 the notice ends at 16:00, before the hours do: today's diaries are read.
    booking_clock.now = at(MONDAY, "14:00")
    reads.clear()
    assert "Free times on Monday 15 March" in client.get(path).get_data(as_text=True)
    assert reads[0][1] < at(MONDAY, "00:00")


def test_days_no_one_can_start_on_are_not_worked_out(app, users, salon, booking_clock, monkeypatch):
    """On Tuesday at 18:00 the notice runs past everyone's hours, and no day before the notice's
    has a time: the free times are not worked out for Monday and Tuesday (a chain's booking page
    asked it of every therapist each evening), and Wednesday's are as `free_times` gives them."""
    worked_out = []
    real = slots.availability.free_slots

    def spy(**kwargs):
        worked_out.append(kwargs["day"])
        return real(**kwargs)
    monkeypatch.setattr(slots.availability, "free_slots", spy)
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    booking_clock.now = at(tuesday, "18:00")
    with app.test_request_context():
        therapists = [db.session.get(Therapist, t) for t in (salon.amelia, salon.daniel)]
        service = db.session.get(Service, salon.back)
        diaries = slots.Diaries(therapists, salon.city, service, MONDAY, wednesday)
        assert diaries.times(MONDAY) == [] and diaries.times(tuesday) == []  # both work here both days
        assert worked_out == []
        assert diaries.times(wednesday) == slots.free_times(therapists, salon.city, service, wednesday)
        assert diaries.times(wednesday) and set(worked_out) == {wednesday}
        # At 14:00 the notice ends before the hours do: Tuesday is worked out, and has times.
        booking_clock.now = at(tuesday, "14:00")
        worked_out.clear()
        assert slots.Diaries(therapists, salon.city, service, tuesday, tuesday).times(tuesday)
        assert set(worked_out) == {tuesday}
