"""No surprises when booking (issue 12, item 9): choosing a time shows a summary and books only
on Confirm (a page without JavaScript, in place with htmx; Back loses nothing), and cancelling
asks "are you sure?" the same way. The booking POST keeps its idempotency key and sequence."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.extensions import db
from portal.mail import outbox
from portal.profile.content import ConditionEntry, ProfileContent
from portal.profile.services import save_profile
from portal.booking.forms import local_start
from portal.timezones import to_local
from tests.booking_support import (AUTUMN_SUNDAY, MONDAY, NOW, SPRING_SUNDAY, add_appointment, at, count_appointments,
                                   offered_times, page_text)

HTMX = {"HX-Request": "true"}


def booking_page(client, salon, therapist="amelia", headers=None) -> str:
    who = "any" if therapist == "any" else getattr(salon, therapist)
    return page_text(client.get(f"/book?service={salon.back}&location={salon.city}&therapist={who}"
                                f"&day={MONDAY.isoformat()}", headers=headers or {}))


def chosen(html: str, start) -> dict:
    """What choosing `start` on a page sends: the GET form's hidden fields (the day among them)
    and the time's button, named by the time on the salon's clock."""
    form = re.search(r'<form action="/book/confirm".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'<input type=hidden name=(\w+) value=([^ >]+)>', form))
    label = to_local(start).strftime("%H:%M")
    assert fields["day"] == to_local(start).date().isoformat()
    assert re.search(rf'<button name=time value={label}>{label}</button>', form)
    return {**fields, "time": label}


def confirm_form(html: str) -> dict:
    form = re.search(r'<form method="post" action="/book" id="confirm-form">.*?</form>', html, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def summary_of(html: str) -> dict:
    block = re.search(r'<dl class="details" id="booking-summary">(.*?)</dl>', html, re.S).group(1)
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", block))


# --- the confirm step -----------------------------------------------------------------------------


def test_choosing_a_time_shows_a_summary_and_books_nothing_until_confirm(app, client, logged_in, users, salon,
                                                                        consented):
    html = booking_page(client, salon)
    # The times are a GET form to the summary (htmx swaps it in place of the times), not a booking.
    assert 'hx-get="/book/confirm" hx-target="#slots" hx-swap="show:#slots:top"' in html and 'method="post" action="/book"' not in html
    start = at(MONDAY, "10:15")
    choice = chosen(html, start)
    response = client.get("/book/confirm?" + urlencode(choice))
    page = page_text(response)
    assert response.status_code == 200 and "<html" in page and "Check and confirm your booking" in page
    assert count_appointments(app) == 0
    with app.app_context():
        assert outbox() == []
    assert summary_of(page) == {
        "Massage": "Back, Neck & Shoulder Massage", "Therapist": "Amelia Hart",
        "Salon": "Newcastle City Centre, " + summary_of(page)["Salon"].split(", ", 1)[1],
        "When": "Monday 15 March 2027, 10:15 to 11:00", "Length": "45 minutes", "Price": "£35",
    }
    assert "move or cancel it online until 24 hours before it starts" in page
    assert "precaution-note" not in page  # nothing in her profile calls for one
    # Confirm sends the same choices and the key drawn on the booking page: sent twice, one booking.
    sent = confirm_form(page)
    assert (sent["service"], sent["location"], sent["therapist"], sent["starts_at"], sent["idempotency_key"]) == (
        choice["service"], choice["location"], str(salon.amelia), start.isoformat(), choice["idempotency_key"])
    first = logged_in.post("/book", sent)
    again = logged_in.post("/book", sent)
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert count_appointments(app, client_id=users["client"].id) == 1
    assert "You had already booked this" in page_text(client.get(again.location))


def test_with_htmx_the_summary_replaces_the_times_and_back_brings_them_back(app, client, logged_in, salon, consented):
    start = at(MONDAY, "11:00")
    choice = chosen(booking_page(client, salon, headers=HTMX), start)
    response = client.get("/book?" + "", headers=HTMX)  # warm: any htmx GET is a fragment
    fragment = page_text(client.get("/book/confirm?" + urlencode(choice), headers=HTMX))
    assert "<html" not in fragment and "<h1" not in fragment and response.status_code == 200
    # It names the region the times named, so #slots keeps its label.
    assert '<h2 id="slots-heading">Check and confirm: Back, Neck & Shoulder Massage</h2>' in fragment
    assert 'id="confirm-form"' in fragment and "Monday 15 March 2027, 11:00" in fragment
    back = re.search(r'<a class="button button-secondary" href="([^"]+)" hx-get="([^"]+)" hx-target="#slots">'
                     r"Back to the free times</a>", fragment)
    assert back and back.group(1) == back.group(2)
    # Back loses nothing: the same massage, salon, therapist and day, with that time still free.
    assert parse_qs(urlsplit(back.group(1)).query) == {
        "service": [str(salon.back)], "location": [str(salon.city)], "therapist": [str(salon.amelia)],
        "day": [MONDAY.isoformat()]}
    times = page_text(client.get(back.group(1), headers=HTMX))
    assert "Free times on Monday 15 March" in times and start in offered_times(times) and "<html" not in times
    assert count_appointments(app) == 0


def test_any_suitable_therapist_is_named_in_the_summary_and_back_keeps_any(app, client, logged_in, users, salon,
                                                                         consented):
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    choice = chosen(booking_page(client, salon, "any"), at(MONDAY, "10:00"))
    assert choice["therapist"] == "any"
    page = page_text(client.get("/book/confirm?" + urlencode(choice)))
    assert summary_of(page)["Therapist"] == "Daniel Okafor"  # Amelia is busy then
    assert confirm_form(page)["therapist"] == str(salon.daniel)  # the one named is the one booked
    assert "therapist=any" in re.search(r'href="(/book\?[^"]+)"[^>]*>Back to the free times', page).group(1)
    assert logged_in.post("/book", confirm_form(page)).status_code == 302
    assert count_appointments(app, client_id=users["client"].id, therapist_id=salon.daniel) == 1


def test_a_time_taken_meanwhile_shows_the_times_again_with_the_reason(app, client, logged_in, users, salon,
                                                                       consented):
    start = at(MONDAY, "10:00")
    choice = chosen(booking_page(client, salon), start)
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, start)
    for headers in ({}, HTMX):
        response = client.get("/book?" if False else "/book/confirm?" + urlencode(choice), headers=headers)
        page = page_text(response)
        assert response.status_code == 200  # htmx swaps it in place
        assert "that time is no longer free" in page and "Free times on Monday 15 March" in page
        assert 'id="confirm-form"' not in page and start not in offered_times(page)
        assert offered_times(page)  # the times that are free now, without the taken one
    assert count_appointments(app, client_id=users["client"].id) == 0


def test_a_time_on_the_salons_clock_is_one_instant_or_refused():
    """The booking page sends the day once and each time as its wall-clock label: read back as
    the one instant it names, and refused when the clocks change then (no such time, or two)."""
    assert local_start(MONDAY.isoformat(), "10:15") == "2027-03-15T10:15:00+00:00"
    assert local_start("2027-06-14", "10:15") == "2027-06-14T10:15:00+01:00"  # BST
    assert local_start(SPRING_SUNDAY.isoformat(), "00:59") == "2027-03-28T00:59:00+00:00"
    assert local_start(SPRING_SUNDAY.isoformat(), "01:30") is None  # skipped: 01:00 GMT became 02:00 BST
    assert local_start(SPRING_SUNDAY.isoformat(), "02:00") == "2027-03-28T02:00:00+01:00"
    assert local_start(AUTUMN_SUNDAY.isoformat(), "01:30") is None  # twice: at 01:30 BST and 01:30 GMT
    assert local_start(AUTUMN_SUNDAY.isoformat(), "02:00") == "2027-10-31T02:00:00+00:00"
    for day, label in [(MONDAY.isoformat(), "24:00"), (MONDAY.isoformat(), "10:60"), (MONDAY.isoformat(), "1015"),
                       (MONDAY.isoformat(), "10:15+01:00"), ("2027-02-30", "10:15"), ("", "10:15"), (None, None)]:
        assert local_start(day, label) is None, (day, label)


@pytest.mark.parametrize("change, message", [
    ({"starts_at": "tomorrow at ten"}, "Please choose one of the free times."),
    ({"time": "25:00"}, "Please choose one of the free times."),
    ({"time": "10am"}, "Please choose one of the free times."),
    ({"day": "someday"}, "Please choose one of the free times."),
    ({"day": "9999-12-31"}, "Please choose one of the free times."),
    ({"service": ""}, "Please choose a massage."),
    ({"service": "999999"}, "We don't offer that massage there."),
    # The way back to a rebook offer, edited by hand: past any row's id (before, a 500: the id
    # reached the database), none, or not a number.
    ({"rebook": str(2**63)}, "That rebook offer can't be found. Please choose a time again."),
    ({"rebook": str(2**31)}, "That rebook offer can't be found. Please choose a time again."),
    ({"rebook": "-5"}, "That rebook offer can't be found. Please choose a time again."),
    ({"rebook": "x"}, "Not a valid integer value."),
])
def test_an_unreadable_choice_shows_the_booking_page_with_the_reason(client, logged_in, salon, consented,
                                                                    change, message):
    choice = {**chosen(booking_page(client, salon), at(MONDAY, "10:00")), **change}
    response = client.get("/book/confirm?" + urlencode(choice))
    assert response.status_code == 200 and message in page_text(response)
    assert "Free times on" in page_text(response)


def test_without_a_profile_the_screening_tick_is_asked_at_confirm_and_nothing_is_lost(app, client, logged_in,
                                                                                    users, salon):
    html = booking_page(client, salon)
    assert "None of these applies to me" not in html  # not on the times any more
    choice = chosen(html, at(MONDAY, "10:15"))
    page = page_text(client.get("/book/confirm?" + urlencode(choice)))
    assert "None of these applies to me" in page and 'name="screening_confirmed"' in page
    # Confirm without the tick (a browser would not send it: `required`): the summary again, nothing booked.
    response = logged_in.post("/book", confirm_form(page))
    again = page_text(response)
    assert response.status_code == 422 and "Check and confirm" in again and "Monday 15 March 2027, 10:15" in again
    assert confirm_form(again)["idempotency_key"] == choice["idempotency_key"]
    assert count_appointments(app) == 0
    assert logged_in.post("/book", {**confirm_form(again), "screening_confirmed": "y"}).status_code == 302
    assert count_appointments(app, client_id=users["client"].id) == 1


def test_the_summary_carries_the_precaution_note(app, client, logged_in, users, salon):
    with app.app_context():
        save_profile(db.session.get(User, users["client"].id), ProfileContent(
            conditions={"pregnancy": ConditionEntry()}, due_date=NOW.date() + timedelta(weeks=12)), consent_given=True)
        db.session.commit()
    choice = chosen(booking_page(client, salon, "any"), at(MONDAY, "10:15"))
    page = page_text(client.get("/book/confirm?" + urlencode(choice)))
    note = re.search(r'<div class="flash flash-warning" id="precaution-note">(.*?)</div>', page, re.S).group(1)
    assert "Pregnancy" in note and "Amelia Hart is trained in pregnancy massage" in note
    assert summary_of(page)["Therapist"] == "Amelia Hart"


def test_rebooking_goes_through_the_summary_and_back_returns_to_the_offer(app, client, logged_in, users, salon,
                                                                        consented):
    last = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.full,
                           at(NOW.date() - timedelta(days=20), "11:00"))
    offer = page_text(client.get(f"/appointments/{last}/rebook", headers=HTMX))
    assert 'hx-get="/book/confirm" hx-target="#rebook-proposal"' in offer and 'method="post" action="/book"' not in offer
    form = re.search(r'<form method="get" action="/book/confirm".*?</form>', offer, re.S).group(0)
    choice = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert choice["rebook"] == str(last)
    fragment = page_text(client.get("/book/confirm?" + urlencode(choice), headers=HTMX))
    assert summary_of(fragment)["Massage"] == "Full Body Massage" and count_appointments(app) == 1
    back = f'href="/appointments/{last}/rebook" hx-get="/appointments/{last}/rebook" hx-target="#rebook-proposal"'
    assert back in fragment and 'id="confirm-heading"' in fragment
    assert logged_in.post("/book", confirm_form(fragment)).status_code == 302
    assert count_appointments(app, client_id=users["client"].id) == 2


def test_the_summary_is_the_clients_own(app, client, logged_in, salon, consented, make_user):
    other = make_user("other@example.com", "client", "Olivia Other")
    theirs = add_appointment(app, other.id, salon.amelia, salon.city, salon.full, at(NOW.date() - timedelta(days=5), "11:00"))
    choice = {**chosen(booking_page(client, salon), at(MONDAY, "10:15")), "rebook": str(theirs)}
    page = page_text(client.get("/book/confirm?" + urlencode(choice)))
    assert f"/appointments/{theirs}/rebook" not in page and "Back to the free times" in page


# --- cancelling asks first ------------------------------------------------------------------------


@pytest.fixture
def booked(app, users, salon):
    return add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))


def status_of(app, appointment_id):
    with app.app_context():
        return db.session.get(Appointment, appointment_id).status


def test_cancel_asks_are_you_sure_on_a_page_and_cancels_only_on_yes(app, client, logged_in, booked):
    appointment_page = page_text(client.get(f"/appointments/{booked}"))
    ask = f"/appointments/{booked}/cancel?sequence=0"
    assert f'href="{ask}" hx-get="{ask}" hx-target="#cancel-step"' in appointment_page
    assert f'action="/appointments/{booked}/cancel"' not in appointment_page  # no one-click cancel
    response = client.get(ask)
    page = page_text(response)
    assert response.status_code == 200 and "<h1>Cancel your appointment?</h1>" in page
    assert "Are you sure you want to cancel Back, Neck & Shoulder Massage on Monday 15 March at 10:00?" in page
    assert status_of(app, booked) == "booked"
    form = re.search(rf'<form method="post" action="/appointments/{booked}/cancel".*?</form>', page, re.S).group(0)
    assert 'name="csrf_token"' in form and 'name="sequence" value="0"' in form and "Yes, cancel it" in form
    assert f'href="/appointments/{booked}"' in page and "No, keep it" in page
    assert logged_in.post(f"/appointments/{booked}/cancel", {"sequence": "0"}).status_code == 302
    assert status_of(app, booked) == "cancelled"


def test_with_htmx_the_question_replaces_the_button_and_no_keeps_it(app, client, logged_in, booked):
    fragment = page_text(client.get(f"/appointments/{booked}/cancel?sequence=0", headers=HTMX))
    assert "<html" not in fragment and "<h1" not in fragment and "Are you sure" in fragment
    keep = re.search(r'<a class="button button-secondary" href="([^"]+)"\s+hx-get="([^"]+)" hx-select="#cancel-step"\s+'
                     r'hx-target="#cancel-step" hx-swap="outerHTML">No, keep it</a>', fragment)
    assert keep and keep.group(1) == keep.group(2) == f"/appointments/{booked}"
    # "No" fetches the appointment page, whose #cancel-step holds the cancel button again.
    again = page_text(client.get(keep.group(1), headers=HTMX))
    assert re.search(r'<div id="cancel-step">\s*<p><a class="button button-danger"[^>]*>Cancel this appointment</a>', again)
    assert status_of(app, booked) == "booked"


def test_the_question_keeps_the_version_the_page_showed(app, client, logged_in, booked):
    # Drawn from version 0; it was moved (version 1) in another window: the cancel is refused.
    page = page_text(client.get(f"/appointments/{booked}/cancel?sequence=0"))
    with app.app_context():
        db.session.get(Appointment, booked).sequence = 1
        db.session.commit()
    sent = {"sequence": re.search(r'name="sequence" value="(\d+)"', page).group(1)}
    assert logged_in.post(f"/appointments/{booked}/cancel", sent).status_code == 409
    assert status_of(app, booked) == "booked"


def test_no_question_for_what_cannot_be_cancelled_or_is_not_yours(app, client, logged_in, booked, booking_clock,
                                                                 make_user, salon):
    other = make_user("other@example.com", "client", "Olivia Other")
    theirs = add_appointment(app, other.id, salon.amelia, salon.city, salon.back, at(MONDAY, "14:00"))
    assert client.get(f"/appointments/{theirs}/cancel").status_code == 404
    assert client.get("/appointments/999999/cancel").status_code == 404
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=23)
    response = client.get(f"/appointments/{booked}/cancel")
    assert response.status_code == 409 and "please call the salon" in page_text(response)
    assert "Are you sure" not in page_text(response) and status_of(app, booked) == "booked"


def test_a_booking_on_a_health_hold_can_be_cancelled_inside_the_window_after_the_question(
        app, client, logged_in, booked, booking_clock):
    with app.app_context():
        db.session.get(Appointment, booked).health_hold = "not_now"
        db.session.commit()
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=5)
    dashboard = page_text(client.get("/dashboard"))
    assert f'href="/appointments/{booked}/cancel?sequence=0"' in dashboard  # the hold box asks first too
    page = page_text(client.get(f"/appointments/{booked}/cancel?sequence=0"))
    assert "Are you sure" in page and "cancelling it is free, even this close to it" in page
    assert status_of(app, booked) == "booked"
    assert logged_in.post(f"/appointments/{booked}/cancel", {"sequence": "0"}).status_code == 302
    assert status_of(app, booked) == "cancelled"


def test_a_rebooked_time_without_the_tick_comes_back_to_its_summary_with_the_way_back(app, client, logged_in,
                                                                                      users, salon):
    last = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.full,
                           at(NOW.date() - timedelta(days=20), "11:00"))
    offer = page_text(client.get(f"/appointments/{last}/rebook"))
    form = re.search(r'<form method="get" action="/book/confirm".*?</form>', offer, re.S).group(0)
    choice = dict(re.findall(r'name="([^"]+)"\s+value="([^"]*)"', form))
    sent = confirm_form(page_text(client.get("/book/confirm?" + urlencode(choice))))
    assert sent["rebook"] == str(last)
    response = logged_in.post("/book", sent)  # no screening tick
    again = page_text(response)
    assert response.status_code == 422 and f'href="/appointments/{last}/rebook"' in again
    assert count_appointments(app, client_id=users["client"].id) == 1
