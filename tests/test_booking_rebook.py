"""Rebooking: the dashboard's next massage and "book the same again", proposals around the
guidance's next due date, one click to confirm, and completed_dates for the guidance."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete

from portal.booking import queries
from portal.booking.models import Appointment
from portal.accounts.models import User
from portal.extensions import db
from portal.guidance.rules import HealthFacts
from portal.salon.models import Service, WorkingHours
from portal.timezones import to_local
from tests.booking_support import (
    MONDAY,
    NOW,
    add_appointment,
    at,
    count_appointments,
    facts_gate,
    page_text,
)

HTMX = {"HX-Request": "true"}
TODAY = NOW.date()



@pytest.fixture
def last_time(app, users, salon):
    """Her last massage: 20 days ago (a Tuesday), Full Body with Amelia at the City Centre."""
    return add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.full,
                           at(TODAY - timedelta(days=20), "11:00"))



def proposed(html: str) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in re.findall(r'name="starts_at" value="([^"]+)"', html)]


# --- completed_dates: what the guidance counts -------------------------------------------------


def test_completed_dates_are_past_appointments_not_cancelled_in_local_dates(app, client, logged_in, users, salon):
    client_id = users["client"].id
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(TODAY - timedelta(days=30), "10:00"))
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(TODAY - timedelta(days=2), "09:00"))
    cancelled = add_appointment(app, client_id, salon.amelia, salon.city, salon.back,
                                at(TODAY - timedelta(days=10), "10:00"))
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))  # still to come
    add_appointment(app, client_id, salon.daniel, salon.city, salon.back, NOW - timedelta(minutes=30))  # under way
    with app.app_context():
        db.session.get(Appointment, cancelled).status = "cancelled"
        db.session.commit()
        assert queries.completed_dates(client_id) == [TODAY - timedelta(days=30), TODAY - timedelta(days=2)]


def test_the_guidance_reads_visits_done_and_booked_ahead_at_once(app, client, logged_in, users, salon, count_queries):
    """visits_and_feedback_for_guidance: what completed_dates says, the days still booked ahead
    and the feedback, in one statement; neither a cancelled visit nor a no-show nor one under
    way counts as a visit; the feedback is what history_for_guidance reads."""
    from portal.feedback import services as feedback_services
    from portal.feedback.models import AppointmentFeedback
    client_id = users["client"].id
    done = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(TODAY - timedelta(days=30), "10:00"))
    no_show = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(TODAY - timedelta(days=9), "10:00"))
    cancelled = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "11:00"))
    add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))  # still to come
    add_appointment(app, client_id, salon.daniel, salon.city, salon.back, NOW - timedelta(minutes=30))  # under way
    with app.app_context():
        db.session.get(Appointment, cancelled).status = "cancelled"
        db.session.get(Appointment, no_show).no_show = True
        # Feedback on the visit done and on the one marked a no-show afterwards: both are feedback.
        for appointment_id, neck in ((done, 6), (no_show, 3)):
            db.session.add(AppointmentFeedback(appointment_id=appointment_id, client_id=client_id, neck_before=neck))
        from portal.profile.services import record_consent
        record_consent(db.session.get(User, client_id))
        db.session.commit()
    with app.app_context():
        feedback_services.has_consent(client_id)  # the profile, read by the page before
        with count_queries() as counted:
            visits, ahead, given = feedback_services.visits_and_feedback_for_guidance(client_id)
            assert (visits, ahead) == ([TODAY - timedelta(days=30)], [MONDAY])
            assert queries.completed_dates(client_id) == [TODAY - timedelta(days=30)]  # remembered, not read again
            assert feedback_services.history_for_guidance(client_id) == given  # remembered too
        assert counted.count == 1, counted.statements
        assert [f.pain_before for f in given] == [{"neck": 6}, {"neck": 3}]
        assert given == feedback_services.history_for_guidance.unremembered(client_id)


def test_an_appointment_counts_on_the_salons_date_not_utcs(app, users, salon, booking_clock):
    start = at(date(2027, 7, 1), "00:15")  # 00:15 BST on 1 July is 23:15 UTC on 30 June
    assert start.date() == date(2027, 6, 30)
    booking_clock.now = start + timedelta(days=1)
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, start)
    with app.app_context():
        assert queries.completed_dates(users["client"].id) == [date(2027, 7, 1)]


# --- the dashboard ----------------------------------------------------------------------------


def test_dashboard_shows_the_next_appointment_and_rebooking(app, client, logged_in, users, salon, last_time):
    upcoming = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    page = page_text(client.get("/dashboard"))
    assert "Monday 15 March, 10:00" in page and f"/appointments/{upcoming}/calendar.ics" in page
    assert "Book the same again" in page
    assert f'href="/appointments/{last_time}/rebook"' in page and 'hx-target="#rebook-proposal"' in page
    due = MONDAY + timedelta(days=28)  # one interval after the booking she already has
    assert f"Rebook: see times near {due.day} {due:%B}" in page


def test_dashboard_without_appointments_invites_a_first_booking(client, logged_in):
    page = page_text(client.get("/dashboard"))
    assert "You have no upcoming appointment." in page and 'href="/book"' in page
    assert "Book the same again" not in page


# --- proposals ------------------------------------------------------------------------------------


def test_rebook_proposes_the_same_again_around_the_due_date(app, client, logged_in, last_time, salon, consented):
    due = TODAY - timedelta(days=20) + timedelta(days=28)  # baseline guidance: every 4 weeks
    for headers in ({}, HTMX):
        response = client.get(f"/appointments/{last_time}/rebook", headers=headers)
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
        assert ("<html" in response.get_data(as_text=True)) == (headers == {})
    page = page_text(response)
    assert f"You are next due around <strong>{due.day} {due:%B %Y}</strong>" in page
    assert "Full Body Massage with Amelia Hart at Newcastle City Centre" in page
    times = proposed(page)
    assert len(times) == 6
    days = [to_local(t).date() for t in times]
    assert max(abs((d - due).days) for d in days) <= 2 and days.count(due) == 2  # a choice of days
    # Every proposal is its own GET to the summary (which books on Confirm), with the same
    # massage, therapist and salon; nothing on the offer books in one click.
    forms = re.findall(r'<form method="get" action="/book/confirm".*?</form>', page, re.S)
    assert len(forms) == 6 and 'method="post" action="/book"' not in page
    for form in forms:
        assert f'name="service" value="{salon.full}"' in form and f'name="therapist" value="{salon.amelia}"' in form
        assert f'name="location" value="{salon.city}"' in form and f'name="rebook" value="{last_time}"' in form
    assert len(set(re.findall(r'name="idempotency_key" value="([^"]+)"', page))) == 6


def test_a_proposed_time_books_after_its_summary(app, client, logged_in, users, last_time, salon, consented):
    page = page_text(client.get(f"/appointments/{last_time}/rebook"))
    form = re.search(r'<form method="get" action="/book/confirm".*?</form>', page, re.S).group(0)
    chosen = dict(re.findall(r'name="(service|location|therapist|idempotency_key|starts_at|rebook)"\s+value="([^"]+)"', form))
    summary = page_text(client.get("/book/confirm", query_string=chosen))
    assert "Check and confirm" in summary and count_appointments(app, client_id=users["client"].id) == 1
    confirm = re.search(r'<form method="post" action="/book" id="confirm-form">.*?</form>', summary, re.S).group(0)
    data = dict(re.findall(r'name="(service|location|therapist|idempotency_key|starts_at)" value="([^"]+)"', confirm))
    assert data["idempotency_key"] == chosen["idempotency_key"] and data["starts_at"] == chosen["starts_at"]
    response = logged_in.post("/book", data)
    assert response.status_code == 302
    with app.app_context():
        new = queries.upcoming(users["client"].id)[0]
        assert (new.service_id, new.therapist_id, new.location_id) == (salon.full, salon.amelia, salon.city)
        assert new.starts_at == datetime.fromisoformat(data["starts_at"])


def test_without_guidance_the_proposal_is_four_weeks_out(client, logged_in, app, users, salon):
    # A cancelled booking to rebook from: nothing completed (no guidance), nothing upcoming.
    cancelled = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    with app.app_context():
        db.session.get(Appointment, cancelled).status = "cancelled"
        db.session.commit()
    page = page_text(client.get(f"/appointments/{cancelled}/rebook"))
    due = TODAY + timedelta(days=28)
    assert f"next due around <strong>{due.day} {due:%B %Y}</strong>" in page and "every 4 weeks suits most people" in page


def test_an_upcoming_booking_long_before_the_due_date_still_moves_it(client, logged_in, app, users, salon):
    # Due four weeks from today (no guidance yet); booked in one week, three weeks before that.
    upcoming = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    page = page_text(client.get(f"/appointments/{upcoming}/rebook"))
    due = MONDAY + timedelta(days=28)  # one interval after the booking, not the due date it precedes
    assert f"next due around <strong>{due.day} {due:%B %Y}</strong>" in page and "already booked for 15 March 2027" in page
    assert proposed(page) and all(abs((to_local(t).date() - due).days) <= 7 for t in proposed(page))


def test_already_booked_proposes_the_one_after(app, client, logged_in, users, salon, last_time):
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    page = page_text(client.get(f"/appointments/{last_time}/rebook"))
    due = MONDAY + timedelta(days=28)
    assert f"next due around <strong>{due.day} {due:%B %Y}</strong>" in page and "already booked for 15 March 2027" in page
    assert all(abs((to_local(t).date() - due).days) <= 7 for t in proposed(page))


def test_an_overdue_client_is_offered_the_soonest_times(app, client, logged_in, users, salon):
    long_ago = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                               at(TODAY - timedelta(days=60), "10:00"))
    times = proposed(page_text(client.get(f"/appointments/{long_ago}/rebook")))
    assert times and min(to_local(t).date() for t in times) == TODAY


def test_rebook_when_the_therapist_no_longer_works_there(app, client, logged_in, last_time, salon):
    with app.app_context():
        db.session.execute(delete(WorkingHours).where(WorkingHours.therapist_id == salon.amelia,
                                                      WorkingHours.location_id == salon.city))
        db.session.commit()
    page = page_text(client.get(f"/appointments/{last_time}/rebook"))
    assert "Amelia Hart no longer works at Newcastle City Centre" in page and not proposed(page)
    assert "/book?service=" in page


def test_rebook_a_massage_no_longer_offered(app, client, logged_in, last_time, salon):
    with app.app_context():
        db.session.get(Service, salon.full).active = False
        db.session.commit()
    page = page_text(client.get(f"/appointments/{last_time}/rebook"))
    assert "We no longer offer the Full Body Massage" in page and not proposed(page)


def test_rebook_refused_by_the_health_gate(client, logged_in, last_time, monkeypatch):
    facts_gate(monkeypatch, HealthFacts(conditions=frozenset({"open_wound"})))
    page = page_text(client.get(f"/appointments/{last_time}/rebook"))
    assert "We can't book this massage for you online yet" in page and not proposed(page)


def test_a_past_appointment_offers_book_this_again(client, logged_in, last_time):
    page = page_text(client.get(f"/appointments/{last_time}"))
    assert "Your past appointment" in page and f"/appointments/{last_time}/rebook" in page
    assert "/cancel" not in page


def test_rebook_from_the_appointments_list(app, client, logged_in, last_time):
    assert f"/appointments/{last_time}/rebook" in page_text(client.get("/appointments"))
    assert count_appointments(app) == 1


# --- one next due date everywhere (issue 12, item 10) ---------------------------------------------


def _dashboard_dates(page: str) -> tuple[str, str]:
    guidance = re.search(r"Next due <strong>([^<]+)</strong>([^<]*)", page)
    rebook = re.search(r"Rebook: see times near ([^<]+)</a>", page)
    assert guidance and rebook, page
    return guidance.group(1) + guidance.group(2), rebook.group(1)


def test_the_dashboard_the_guidance_and_the_offer_show_one_due_date(app, client, logged_in, users, salon,
                                                                     last_time, consented):
    # Last massage 20 days ago (every 4 weeks: due in 8 days) and nothing booked: one date, no "after".
    due = TODAY - timedelta(days=20) + timedelta(days=28)
    guidance_says, rebook_says = _dashboard_dates(page_text(client.get("/dashboard")))
    assert guidance_says.startswith(f"{due.day} {due:%B %Y}") and "after your booking" not in guidance_says
    assert rebook_says == f"{due.day} {due:%B}"
    offer = page_text(client.get(f"/appointments/{last_time}/rebook"))
    assert f"next due around <strong>{due.day} {due:%B %Y}</strong>" in offer and "already booked" not in offer


def test_a_booking_moves_the_one_due_date_and_every_page_says_why(app, client, logged_in, users, salon,
                                                                  last_time, consented):
    # Booked for Monday, before she is due: the next one is due an interval after that booking,
    # on the guidance panel, the rebook link, the guidance page and the offer alike.
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    due = MONDAY + timedelta(days=28)
    guidance_says, rebook_says = _dashboard_dates(page_text(client.get("/dashboard")))
    assert guidance_says == f"{due.day} {due:%B %Y}, after your booking on {MONDAY.day} {MONDAY:%B %Y} (every 4 weeks)."
    assert rebook_says == f"{due.day} {due:%B}"
    guidance_page = page_text(client.get("/guidance"))
    assert f"<strong>{due.day} {due:%B %Y}</strong>, after your booking on {MONDAY.day} {MONDAY:%B %Y}" in guidance_page
    offer = page_text(client.get(f"/appointments/{last_time}/rebook"))
    assert f"next due around <strong>{due.day} {due:%B %Y}</strong>" in offer
    assert f"already booked for {MONDAY.day} {MONDAY:%B %Y}" in offer
    assert all(abs((to_local(t).date() - due).days) <= 7 for t in proposed(offer))


def test_a_cancelled_booking_no_longer_moves_the_due_date(app, client, logged_in, users, salon, last_time, consented):
    booked = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    with app.app_context():
        db.session.get(Appointment, booked).status = "cancelled"
        db.session.commit()
    due = TODAY - timedelta(days=20) + timedelta(days=28)
    guidance_says, rebook_says = _dashboard_dates(page_text(client.get("/dashboard")))
    assert guidance_says == f"{due.day} {due:%B %Y}." and rebook_says == f"{due.day} {due:%B}"
