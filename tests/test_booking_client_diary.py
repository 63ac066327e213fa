"""One client, one place at a time: no two of their appointments overlap (whoever the therapist,
whichever the salon), and only MAX_UPCOMING_APPOINTMENTS of them may be upcoming at once; also
when the bookings race from several tabs."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from portal.booking import availability, queries
from portal.booking.availability import Busy
from portal.booking.models import Appointment
from portal.config import load_settings
from portal.extensions import db
from tests.booking_support import (
    MONDAY,
    NOW,
    add_appointment,
    at,
    booking_form,
    count_appointments,
    page_text,
    seed_salon,
)
from tests.racing import logged_in_clients, race

TUESDAY = MONDAY + timedelta(days=1)


# --- the pure rule ---------------------------------------------------------------------------


def test_the_rule_refuses_overlap_allows_touching_and_counts_only_new_bookings():
    own = [Busy(at(MONDAY, "10:00"), at(MONDAY, "10:45"))]
    overlapping = (at(MONDAY, "10:30"), at(MONDAY, "11:15"))
    touching = (at(MONDAY, "10:45"), at(MONDAY, "11:30"))
    assert availability.client_refusal(*overlapping, own, upcoming=1, limit=6, adds_one=True) == availability.CLIENT_BUSY
    assert availability.client_refusal(*touching, own, upcoming=1, limit=6, adds_one=True) is None
    assert availability.client_refusal(*touching, own, upcoming=6, limit=6, adds_one=True) == availability.CLIENT_LIMIT
    # A move keeps the count: a client at the limit can still move one.
    assert availability.client_refusal(*touching, own, upcoming=6, limit=6, adds_one=False) is None


def test_the_limit_is_a_setting_with_a_default_of_six(tmp_path):
    assert load_settings({"PORTAL_ENV": "testing"}, str(tmp_path))["MAX_UPCOMING_APPOINTMENTS"] == 6
    settings = load_settings({"PORTAL_ENV": "testing", "MAX_UPCOMING_APPOINTMENTS": "3"}, str(tmp_path))
    assert settings["MAX_UPCOMING_APPOINTMENTS"] == 3


# --- booking and moving ------------------------------------------------------------------------


def test_booking_another_therapist_at_an_overlapping_time_is_refused(app, client, logged_in, users, salon):
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:30"), therapist="daniel"))
    assert response.status_code == 409
    assert "You already have a Back, Neck & Shoulder Massage booked then" in page_text(response)
    assert count_appointments(app) == 1


def test_booking_the_other_salon_at_an_overlapping_time_is_refused(app, client, logged_in, users, salon):
    # Saturday: Amelia at Gosforth from 10:00, Daniel at the City Centre.
    saturday = MONDAY + timedelta(days=5)
    add_appointment(app, users["client"].id, salon.amelia, salon.gosforth, salon.back, at(saturday, "11:00"))
    response = logged_in.post("/book", booking_form(salon, at(saturday, "10:30"), therapist="daniel"))
    assert response.status_code == 409 and count_appointments(app) == 1


def test_booking_right_after_ones_own_appointment_is_fine(app, client, logged_in, users, salon):
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:45"), therapist="daniel"))
    assert response.status_code == 302 and count_appointments(app) == 2


def test_moving_onto_ones_own_other_appointment_is_refused(app, client, logged_in, users, salon):
    first = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, at(MONDAY, "14:00"))
    response = logged_in.post(f"/appointments/{first}/move", {"starts_at": at(MONDAY, "14:15").isoformat()})
    assert response.status_code == 409 and "You already have a Back, Neck & Shoulder Massage booked then" in page_text(response)


def test_upcoming_bookings_are_capped_with_a_clear_message(app, client, logged_in, users, salon):
    app.config["MAX_UPCOMING_APPOINTMENTS"] = 2
    client_id = users["client"].id
    monday = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(TUESDAY, "10:00"))
    # Past and cancelled ones don't count.
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=7))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "14:00")))
    assert response.status_code == 409
    assert "You already have 2 upcoming appointments, the most we take online at once" in page_text(response)
    assert count_appointments(app) == 3
    # Cancelling one makes room again.
    assert logged_in.post(f"/appointments/{monday}/cancel").status_code == 302
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "14:00"))).status_code == 302


def test_at_the_limit_an_appointment_can_still_be_moved(app, client, logged_in, users, salon):
    app.config["MAX_UPCOMING_APPOINTMENTS"] = 1
    booked = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": at(MONDAY, "15:00").isoformat()})
    assert response.status_code == 302


# --- racing tabs ---------------------------------------------------------------------------------


def test_one_client_booking_two_therapists_at_once_from_many_tabs_gets_one(race_app, users):
    salon = seed_salon(race_app, users)
    tabs = 8
    clients = logged_in_clients(race_app, ["client@example.com"] * tabs)
    # Different forms (own keys), different therapists, the same hour: all free for the salon.
    forms = [booking_form(salon, at(MONDAY, "10:00"), therapist=("amelia", "daniel")[n % 2]) for n in range(tabs)]

    statuses = Counter(r.status_code for r in race(clients, forms))

    assert statuses == {302: 1, 409: tabs - 1}, statuses
    assert count_appointments(race_app) == 1


def test_many_tabs_cannot_book_past_the_limit(race_app, users):
    race_app.config["MAX_UPCOMING_APPOINTMENTS"] = 3
    salon = seed_salon(race_app, users)
    tabs = 8
    clients = logged_in_clients(race_app, ["client@example.com"] * tabs)
    forms = [booking_form(salon, at(MONDAY + timedelta(days=n % 4), "10:00") + timedelta(hours=n // 4))
             for n in range(tabs)]

    statuses = Counter(r.status_code for r in race(clients, forms))

    assert statuses == {302: 3, 409: tabs - 3}, statuses
    assert count_appointments(race_app) == 3


def test_an_appointment_under_way_still_blocks_its_time_but_is_not_upcoming(app, users, salon, booking_clock):
    """The two reads differ only in which edge must be ahead: the start (upcoming) or the end."""
    client_id = users["client"].id
    under_way = add_appointment(app, client_id, salon.daniel, salon.city, salon.back, NOW - timedelta(minutes=30))
    monday = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=7))  # over
    with app.app_context():
        assert [a.id for a in queries.upcoming(client_id)] == [monday]
        assert [a.id for a in queries.booked_not_ended(client_id)] == [under_way, monday]
        db.session.get(Appointment, monday).status = "cancelled"
        db.session.commit()
        assert queries.upcoming(client_id) == []
        assert [a.id for a in queries.booked_not_ended(client_id)] == [under_way]
