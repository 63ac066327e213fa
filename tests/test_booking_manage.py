"""Managing appointments: the list, moving and cancelling outside the cancellation window,
calling the salon inside it, other clients' appointments, and the emails that go out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.booking.models import Appointment
from portal.extensions import db
from portal.mail import outbox
from tests.booking_support import (
    offered_times,
    MONDAY,
    NOW,
    add_appointment,
    at,
    booking_form,
    count_appointments,
    held,
    page_text,
)

HTMX = {"HX-Request": "true"}
PHONES = ("0191 498 0123", "0191 498 0456")



@pytest.fixture
def booked(app, users, salon):
    """The client's appointment: Monday 15 March 2027, 10:00, a week after the clock's now."""
    return add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))


@pytest.fixture
def someone_elses(app, make_user, salon):
    other = make_user("other@example.com", "client", "Olivia Other")
    return add_appointment(app, other.id, salon.amelia, salon.city, salon.back, at(MONDAY, "14:00"))



def appointment(app, appointment_id: int) -> Appointment:
    with app.app_context():
        row = db.session.get(Appointment, appointment_id)
        db.session.expunge(row)
        return row


def mails(app):
    with app.app_context():
        return list(outbox())


# --- the list and one appointment -------------------------------------------------------------


def test_appointments_lists_upcoming_and_past(app, client, logged_in, users, salon, booked):
    past = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.full, NOW - timedelta(days=20))
    page = page_text(client.get("/appointments"))
    upcoming, history = page.split("Past and cancelled")
    assert f"/appointments/{booked}" in upcoming and "Monday 15 March, 10:00" in upcoming
    assert f"/appointments/{past}/rebook" in history and "Full Body Massage" in history
    # Each appointment's links are url_for's own (the page builds them from one url_for per kind).
    with app.test_request_context():
        links = {url_for("booking.appointment", appointment_id=booked), url_for("booking.move", appointment_id=booked),
                 url_for("booking.appointment_ics", appointment_id=booked),
                 url_for("booking.appointment", appointment_id=booked) + "#cancel"}
        again = {url_for("booking.appointment", appointment_id=past), url_for("booking.rebook_offer", appointment_id=past)}
    assert links <= set(re.findall(r'href="([^"]+)"', upcoming))
    assert again <= set(re.findall(r'href="([^"]+)"', history))


def test_an_appointment_page_offers_calendar_move_and_cancel(client, logged_in, booked):
    page = page_text(client.get(f"/appointments/{booked}"))
    assert f"/appointments/{booked}/calendar.ics" in page
    # Cancelling asks "are you sure?" first (tests/test_booking_confirm.py).
    assert f"/appointments/{booked}/move" in page and f'href="/appointments/{booked}/cancel?sequence=0"' in page


@pytest.mark.parametrize("suffix", ["", "/calendar.ics", "/move", "/rebook"])
def test_someone_elses_appointment_is_not_found(client, logged_in, someone_elses, suffix):
    assert client.get(f"/appointments/{someone_elses}{suffix}").status_code == 404


def test_an_appointment_that_does_not_exist_is_not_found(client, logged_in):
    assert client.get("/appointments/999999").status_code == 404


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_frees_the_time_at_once(app, client, auth, logged_in, users, salon, booked):
    assert held(app, booked)
    response = logged_in.post(f"/appointments/{booked}/cancel")
    assert response.status_code == 302 and response.location == "/appointments"
    row = appointment(app, booked)
    assert row.status == "cancelled" and row.cancelled_at == NOW and row.sequence == 1
    assert held(app, booked) == []
    [mail] = mails(app)
    assert mail["Subject"].startswith("Cancelled: Monday 15 March 2027 at 10:00")
    # The time is free again, for anyone.
    html = client.get(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}&day={MONDAY}")
    assert at(MONDAY, "10:00") in offered_times(html.get_data(as_text=True))
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 302


def test_cancelling_twice_is_harmless(app, logged_in, booked):
    logged_in.post(f"/appointments/{booked}/cancel")
    assert logged_in.post(f"/appointments/{booked}/cancel").status_code == 302
    assert len(mails(app)) == 1


def test_cancelling_inside_the_window_says_to_call_the_salon(app, logged_in, booked, booking_clock):
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=23)
    response = logged_in.post(f"/appointments/{booked}/cancel")
    page = page_text(response)
    assert response.status_code == 409
    assert "please call the salon" in page and all(phone in page for phone in PHONES)
    assert appointment(app, booked).status == "booked" and held(app, booked)
    assert mails(app) == []


def test_the_page_inside_the_window_shows_both_salons_numbers_instead_of_buttons(client, logged_in, booked,
                                                                               booking_clock):
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=2)
    page = page_text(client.get(f"/appointments/{booked}"))
    assert "can't be moved or cancelled online" in page and all(phone in page for phone in PHONES)
    assert "/cancel" not in page and "/move" not in page
    listing = page_text(client.get("/appointments"))
    assert "please call the salon" in listing and all(phone in listing for phone in PHONES)


def test_cancelling_someone_elses_appointment_is_not_found(app, logged_in, someone_elses):
    assert logged_in.post(f"/appointments/{someone_elses}/cancel").status_code == 404
    assert appointment(app, someone_elses).status == "booked" and mails(app) == []


def test_a_past_appointment_cannot_be_cancelled(app, logged_in, users, salon):
    past = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=3))
    response = logged_in.post(f"/appointments/{past}/cancel")
    assert response.status_code == 409 and "already started or taken place" in page_text(response)
    assert appointment(app, past).status == "booked"


# --- moving -------------------------------------------------------------------------------------


def test_the_move_page_lists_free_times_and_swaps_them_in_place(client, logged_in, booked):
    full = client.get(f"/appointments/{booked}/move?day={MONDAY}")
    fragment = client.get(f"/appointments/{booked}/move?day={MONDAY + timedelta(days=1)}", headers=HTMX)
    for response in (full, fragment):
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" in full.get_data(as_text=True) and 'hx-trigger="change"' in full.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Free times on Tuesday 16 March" in fragment.get_data(as_text=True)
    # Its own time counts as free for its neighbours: it can move by a quarter hour.
    assert at(MONDAY, "10:00").isoformat() not in full.get_data(as_text=True)
    assert at(MONDAY, "09:45").isoformat() in full.get_data(as_text=True)
    assert at(MONDAY, "10:15").isoformat() in full.get_data(as_text=True)


def test_moving_to_another_free_time(app, client, logged_in, booked):
    new_start = at(MONDAY + timedelta(days=1), "14:00")
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": new_start.isoformat()})
    assert response.status_code == 302 and response.location == f"/appointments/{booked}"
    row = appointment(app, booked)
    assert row.starts_at == new_start and row.ends_at == new_start + timedelta(minutes=45) and row.sequence == 1
    assert held(app, booked)[0] == new_start and len(held(app, booked)) == 4
    [mail] = mails(app)
    assert mail["Subject"] == "Moved to Tuesday 16 March 2027 at 14:00"
    assert "from Monday 15 March 2027 at 10:00" in mail.get_body(("plain",)).get_content()


def test_moving_by_a_quarter_hour_overlaps_itself_without_clashing(app, logged_in, booked):
    assert logged_in.post(f"/appointments/{booked}/move",
                          {"starts_at": at(MONDAY, "10:15").isoformat()}).status_code == 302
    assert held(app, booked)[0] == at(MONDAY, "10:15")


def test_moving_onto_a_taken_time_is_refused(app, logged_in, booked, someone_elses):
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": at(MONDAY, "14:30").isoformat()})
    assert response.status_code == 409 and "that time was just taken" in page_text(response)
    assert appointment(app, booked).starts_at == at(MONDAY, "10:00") and held(app, booked)[0] == at(MONDAY, "10:00")
    assert mails(app) == []


@pytest.mark.parametrize("starts_at, status", [
    (lambda: at(MONDAY, "11:10").isoformat(), 422),  # off the grid
    (lambda: (NOW - timedelta(days=1)).isoformat(), 422),  # in the past
    (lambda: at(MONDAY, "20:00").isoformat(), 422),  # outside her hours
    (lambda: "", 422),
])
def test_moving_to_a_time_that_cannot_be_booked_is_refused(app, logged_in, booked, starts_at, status):
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": starts_at()})
    assert response.status_code == status
    assert appointment(app, booked).starts_at == at(MONDAY, "10:00") and mails(app) == []


def test_moving_inside_the_window_is_refused(app, client, logged_in, booked, booking_clock):
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=20)
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": at(MONDAY, "15:00").isoformat()})
    assert response.status_code == 409 and all(phone in page_text(response) for phone in PHONES)
    assert appointment(app, booked).starts_at == at(MONDAY, "10:00") and mails(app) == []
    assert client.get(f"/appointments/{booked}/move").status_code == 409


def test_the_move_pages_day_inside_the_window_shows_the_refusal_to_htmx(app, client, logged_in, booked,
                                                                       booking_clock):
    """The move page's day box asks htmx for the free times; once the appointment can't be moved
    online any more the answer is its page with the salons' numbers: 200 to htmx (which swaps no
    4xx), in place of the body (not inside #slots) at the appointment's address."""
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=20)
    for ask in (f"/appointments/{booked}/move?day={MONDAY}", f"/appointments/{booked}/cancel?sequence=0"):
        response = client.get(ask, headers=HTMX)
        assert response.status_code == 200, ask
        assert all(phone in page_text(response) for phone in PHONES), ask
        assert response.headers["HX-Retarget"] == "body"
        assert response.headers["HX-Reswap"].startswith("innerHTML")
        assert response.headers["HX-Replace-Url"] == f"/appointments/{booked}"
        plain = client.get(ask)
        assert plain.status_code == 409 and "HX-Retarget" not in plain.headers, ask
    # The cancel question's "No, keep it" fetches the page with htmx too: no problem, no retarget.
    assert "HX-Retarget" not in client.get(f"/appointments/{booked}", headers=HTMX).headers


def test_moving_someone_elses_appointment_is_not_found(app, logged_in, someone_elses):
    response = logged_in.post(f"/appointments/{someone_elses}/move", {"starts_at": at(MONDAY, "15:00").isoformat()})
    assert response.status_code == 404
    assert appointment(app, someone_elses).starts_at == at(MONDAY, "14:00")


def test_a_cancelled_appointment_cannot_be_moved(app, logged_in, booked):
    logged_in.post(f"/appointments/{booked}/cancel")
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": at(MONDAY, "15:00").isoformat()})
    assert response.status_code == 422 and appointment(app, booked).status == "cancelled"


# --- emails --------------------------------------------------------------------------------------


def test_emails_say_what_when_where_and_never_health(app, logged_in, users, salon, monkeypatch):
    from portal.guidance.rules import HealthFacts
    from tests.booking_support import facts_gate

    facts_gate(monkeypatch, HealthFacts(conditions=frozenset({"pregnancy"})))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00")))
    appointment_id = int(re.search(r"\d+$", response.location).group(0))
    logged_in.post(f"/appointments/{appointment_id}/move", {"starts_at": at(MONDAY, "11:00").isoformat()})
    logged_in.post(f"/appointments/{appointment_id}/cancel")
    sent = mails(app)
    assert [m["Subject"].split(":")[0].split(" to ")[0] for m in sent] == ["Booked", "Moved", "Cancelled"]
    for mail in sent:
        body = mail.get_body(("plain",)).get_content()
        assert mail["To"] == "client@example.com"
        assert "Back, Neck & Shoulder Massage" in body and "Amelia Hart" in body and "Newcastle City Centre" in body
        html = mail.get_body(("html",)).get_content()
        assert not re.search(r"pregnan|precaution|condition|health|\bGP\b", body + html, re.IGNORECASE)
    assert f"http://portal.test/appointments/{appointment_id}" in sent[0].get_body(("plain",)).get_content()
    assert "0191 498 0456" in sent[0].get_body(("plain",)).get_content()  # both salons' numbers, to change it late


def test_a_mail_outage_does_not_undo_a_booking(app, logged_in, salon, monkeypatch):
    from portal.outbox import tasks
    from portal.outbox.models import OutboxMessage

    def broken(*args, **kwargs):
        raise OSError("mail server down")
    monkeypatch.setattr(tasks, "send_mail", broken)
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 302
    assert count_appointments(app) == 1
    with app.app_context():  # the confirmation waits for its next try; nothing is lost
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.kind, message.status, message.attempts) == ("booked", "failed", 1)
        assert message.last_error == "OSError: mail server down"


# --- the edge of the window, and changes from other windows ---------------------------------------


def test_exactly_24_hours_before_it_can_still_be_changed_online(app, client, logged_in, booked, booking_clock):
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=24)
    page = page_text(client.get(f"/appointments/{booked}"))
    assert "You can move or cancel it here until 24 hours before it starts" in page
    assert "less than 24 hours" not in page
    assert logged_in.post(f"/appointments/{booked}/cancel").status_code == 302
    assert appointment(app, booked).status == "cancelled"


def test_a_second_before_24_hours_it_cannot(app, client, logged_in, booked, booking_clock):
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=24) + timedelta(seconds=1)
    assert "It starts in less than 24 hours" in page_text(client.get(f"/appointments/{booked}"))
    assert logged_in.post(f"/appointments/{booked}/cancel").status_code == 409


def test_pages_carry_the_version_they_show(client, logged_in, booked):
    assert f"/appointments/{booked}/cancel?sequence=0" in page_text(client.get(f"/appointments/{booked}"))
    assert 'name="sequence" value="0"' in page_text(client.get(f"/appointments/{booked}/cancel?sequence=0"))
    assert 'name="sequence" value="0"' in page_text(client.get(f"/appointments/{booked}/move?day={MONDAY}"))


def test_a_move_from_a_page_drawn_before_another_windows_move_is_refused(app, logged_in, booked):
    assert logged_in.post(f"/appointments/{booked}/move",
                          {"starts_at": at(MONDAY, "14:00").isoformat(), "sequence": "0"}).status_code == 302
    # The other window still shows version 0 and chooses 15:00.
    response = logged_in.post(f"/appointments/{booked}/move",
                              {"starts_at": at(MONDAY, "15:00").isoformat(), "sequence": "0"})
    page = page_text(response)
    assert response.status_code == 409
    assert "This appointment was just changed in another window: here it is now" in page
    assert "Mon 15 Mar" in page or "Monday 15 March" in page
    assert appointment(app, booked).starts_at == at(MONDAY, "14:00") and held(app, booked)[0] == at(MONDAY, "14:00")
    assert len(mails(app)) == 1


def test_a_cancel_from_a_page_drawn_before_a_move_is_refused(app, logged_in, booked):
    logged_in.post(f"/appointments/{booked}/move", {"starts_at": at(MONDAY, "14:00").isoformat(), "sequence": "0"})
    response = logged_in.post(f"/appointments/{booked}/cancel", {"sequence": "0"})
    assert response.status_code == 409 and "just changed in another window" in page_text(response)
    assert appointment(app, booked).status == "booked" and len(mails(app)) == 1


def test_a_double_clicked_move_says_it_moved_both_times(app, client, logged_in, booked):
    form = {"starts_at": at(MONDAY, "14:00").isoformat(), "sequence": "0"}
    first = logged_in.post(f"/appointments/{booked}/move", form)
    second = logged_in.post(f"/appointments/{booked}/move", form)
    assert first.status_code == second.status_code == 302
    assert "Your appointment has moved" in page_text(client.get(second.location))
    assert appointment(app, booked).sequence == 1 and len(mails(app)) == 1
