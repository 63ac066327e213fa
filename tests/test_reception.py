"""Reception: staff find a client, see their precautions (level and reason only, logged), book,
move and cancel for them (inside the online windows too), and record the GP clearance a client
shows, which lifts "ask your GP first" so the booking goes through."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AdminChange, HealthAccess
from portal.booking.models import Appointment
from portal.extensions import db
from portal.mail import outbox
from portal.profile.content import ConditionEntry, ProfileContent
from portal.profile.models import ProfileRevision
from portal.profile.services import latest_content, profile_of, save_profile
from portal.reception.search import like_pattern, phone_variants
from tests.booking_support import MONDAY, NOW, add_appointment, at, booking_form, count_appointments, page_text

HTMX = {"HX-Request": "true"}
TODAY = NOW.date()  # Monday 8 March 2027; the clock says 09:00 UTC (09:00 in London)
DETAIL = "Left hip, diagnosed by Dr Quill"
NOTE = "Hates lavender oil"


@pytest.fixture
def reception(auth, users, salon, booking_clock):
    """The admin logged in (admins act as reception), the salon seeded, the clock at NOW."""
    assert auth.login("admin@example.com").status_code == 302
    return auth


def give_profile(app, client_id: int, *conditions: str, **fields) -> None:
    with app.app_context():
        client = db.session.get(User, client_id)
        content = ProfileContent(conditions={slug: ConditionEntry(detail=DETAIL) for slug in conditions},
                                 notes_for_therapist=NOTE, **fields)
        save_profile(client, content, consent_given=True, today=TODAY - timedelta(days=30))
        db.session.commit()


def changes(app) -> list[AdminChange]:
    with app.app_context():
        rows = list(db.session.scalars(select(AdminChange).order_by(AdminChange.id)))
        db.session.expunge_all()
        return rows


def accesses(app, client_id: int) -> list[HealthAccess]:
    with app.app_context():
        rows = list(db.session.scalars(select(HealthAccess).where(HealthAccess.client_id == client_id)
                                       .order_by(HealthAccess.id)))
        db.session.expunge_all()
        return rows


def mails(app):
    with app.app_context():
        return list(outbox())


def set_phone(app, user_id: int, phone: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).phone = phone
        db.session.commit()


# --- search ------------------------------------------------------------------------------------


def test_phone_variants_and_like_patterns_value_for_value():
    assert phone_variants("0191 498 0123") == ["01914980123", "441914980123"]
    assert phone_variants("+44 (0)191") == ["440191", "00191"]
    assert phone_variants("12") == [] and phone_variants("Claire") == []
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def _found(client, q: str, **extra) -> str:
    response = client.get("/admin/clients", query_string={"q": q, **extra})
    assert response.status_code == 200
    return page_text(response)


def test_search_by_name_email_and_phone_partial_and_in_any_case(app, client, reception, users, make_user):
    flora = make_user("flora.mcdonald@example.org", "client", "Flora McDonald")
    set_phone(app, flora.id, "01914980123")
    make_user("someone@example.net", "client", "Zed Nobody")
    for q in ("mcdon", "FLORA", "Flora McD", "@EXAMPLE.ORG", "mcdonald@ex"):
        page = _found(client, q)
        assert f"/admin/clients/{flora.id}" in page and "Zed Nobody" not in page, q
    # Digits only, whatever is typed between them; partial; and +44 finds a number kept with 0.
    for q in ("0191 498 0123", "0191-498-0123", "4980123", "(0191) 498", "+44 191 498 0123"):
        page = _found(client, q)
        assert f"/admin/clients/{flora.id}" in page and "Zed Nobody" not in page, q
    assert "No client matches" in _found(client, "0191 498 9999")


def test_a_number_kept_with_spaces_or_plus_44_is_found_by_its_digits(app, client, reception, make_user):
    spaced = make_user("spaced@example.com", "client", "Spaced Number")
    set_phone(app, spaced.id, "0191 498 0456")
    plus = make_user("plus@example.com", "client", "Plus Number")
    set_phone(app, plus.id, "+44 191 498 0789")
    assert "Spaced Number" in _found(client, "01914980456")
    assert "Plus Number" in _found(client, "0191 498 0789")


def test_staff_are_never_listed_as_clients(app, client, reception, users, make_user):
    make_user("amelia.two@example.com", "therapist", "Claire Therapist")
    make_user("boss@example.com", "admin", "Claire Admin")
    page = _found(client, "claire")
    assert "Claire Robson" in page
    assert "Claire Therapist" not in page and "Claire Admin" not in page
    everyone = _found(client, "")
    assert "Claire Robson" in everyone and "Amelia Hart" not in everyone and "Morag Fenwick" not in everyone
    # A staff account's page is no client page.
    assert client.get(f"/admin/clients/{users['admin'].id}").status_code == 404
    assert client.get(f"/admin/clients/{users['therapist'].id}/book").status_code == 404


def test_wildcards_typed_are_taken_literally(client, reception, make_user):
    make_user("percent@example.com", "client", "Pat 100% Real")
    assert "Pat 100% Real" in _found(client, "100%")
    assert "No client matches" in _found(client, "1_0")


def test_results_are_paginated_and_htmx_gets_only_the_results(client, reception, make_user):
    for n in range(23):
        make_user(f"page{n:02d}@example.com", "client", f"Paged Person {n:02d}")
    first = _found(client, "paged")
    assert "23 clients, page 1 of 2" in first and "Paged Person 19" in first and "Paged Person 20" not in first
    second = _found(client, "paged", page=2)
    assert "Paged Person 20" in second and "Paged Person 22" in second and "Paged Person 00" not in second
    assert "page 2 of 2" in _found(client, "paged", page=99)  # past the end: the last page
    fragment = client.get("/admin/clients", query_string={"q": "paged"}, headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "Paged Person 00" in body and 'id="results-heading"' in body
    assert "HX-Request" in fragment.headers.get("Vary", "")


# --- the client's page ---------------------------------------------------------------------------


def test_precautions_show_level_and_reason_only_and_the_view_is_logged(app, client, reception, users, salon):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis", "pregnancy", due_date=TODAY + timedelta(weeks=20))
    page = _client_page(client, claire)
    assert "Ask your GP first" in page and "a condition that needs a GP's OK" in page
    assert "Special care" in page
    for detail in ("osteoporosis", "Osteoporosis", "regnan", DETAIL, NOTE, "fracture"):
        assert detail not in page, detail
    assert f"/admin/clients/{claire}/clearance" in page
    [entry] = accesses(app, claire)
    assert (entry.viewer_id, entry.viewer_role, entry.what) == (users["admin"].id, "admin", "precautions at reception")


def _client_page(client, client_id: int) -> str:
    response = client.get(f"/admin/clients/{client_id}")
    assert response.status_code == 200
    return page_text(response)


def test_the_page_lists_coming_up_and_past_appointments(app, client, reception, users, salon):
    claire = users["client"].id
    coming = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    add_appointment(app, claire, salon.daniel, salon.city, salon.full, NOW - timedelta(days=14))
    page = _client_page(client, claire)
    upcoming, past = page.split("Past and cancelled")
    assert "Monday 15 March 2027, 10:00" in upcoming and f"/appointments/{coming}/move" in upcoming
    assert "Full Body Massage with Daniel Okafor" in past
    assert "No health profile we can use" in page
    # The same again (booking's rebook): after the booking she has, one interval later.
    assert "Book the same again (Full Body Massage with Daniel Okafor), next due 12 April 2027" in page
    assert (f"/admin/clients/{claire}/book?service={salon.full}&amp;location={salon.city}&amp;"
            f"therapist={salon.daniel}&amp;day=2027-04-12") in client.get(f"/admin/clients/{claire}").get_data(as_text=True)



def test_the_same_again_is_not_offered_when_it_cant_be_booked_and_says_why(app, client, reception, users, salon):
    """"Book the same again" named the last massage but opened the booking page on another one
    when that massage was retired (the page falls back to the first on offer), or with a
    therapist who no longer works at that salon: it now says why instead, as the client's rebook
    does."""
    claire = users["client"].id
    add_appointment(app, claire, salon.amelia, salon.city, salon.retired, NOW - timedelta(days=14))
    page = _client_page(client, claire)
    assert "Book the same again" not in page
    assert "Last time: Hot Stone Massage with Amelia Hart at Newcastle City Centre" in page
    assert "We no longer offer the Hot Stone Massage. Please choose another massage." in page
    # A later visit with Sofia at City Centre, where she no longer works (Gosforth only now).
    add_appointment(app, claire, salon.sofia, salon.city, salon.back, NOW - timedelta(days=14, hours=-3))
    page = _client_page(client, claire)
    assert "Book the same again" not in page
    assert "Sofia Reyes no longer works at Newcastle City Centre. Please choose again." in page


# --- booking, moving and cancelling for the client -----------------------------------------------


def test_reception_books_inside_the_online_notice_and_the_client_is_emailed(app, client, reception, users, salon):
    claire = users["client"].id
    soon = at(TODAY, "10:00")  # an hour away: inside the two hours' notice online booking needs
    offered = page_text(client.get(f"/admin/clients/{claire}/book",
                                   query_string={"service": salon.back, "location": salon.city,
                                                 "therapist": salon.amelia, "day": TODAY.isoformat()}))
    assert soon.isoformat() in offered
    response = reception.post(f"/admin/clients/{claire}/book", booking_form(salon, soon))
    assert response.status_code == 302 and response.location == f"/admin/clients/{claire}"
    assert count_appointments(app, client_id=claire, starts_at=soon) == 1
    [mail] = mails(app)
    assert mail["To"] == "client@example.com" and mail["Subject"].startswith("Booked: Monday 8 March 2027 at 10:00")
    [change] = changes(app)
    assert (change.actor_id, change.action, change.subject_type) == (users["admin"].id, "created", "appointment")
    assert change.subject_label == "Back, Neck & Shoulder Massage for Claire Robson"
    assert change.changes["starts_at"] == [None, soon.isoformat()]
    assert change.changes["therapist"] == [None, "Amelia Hart"] and change.changes["status"] == [None, "booked"]


def test_the_client_online_still_needs_the_notice(app, client, auth, users, salon, booking_clock):
    assert auth.login("client@example.com").status_code == 302
    response = auth.post("/book", booking_form(salon, at(TODAY, "10:00")))
    assert response.status_code == 422 and "hours' notice" in page_text(response)


def test_reception_moves_inside_the_cancellation_window(app, client, reception, users, salon):
    claire = users["client"].id
    booked = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(TODAY, "14:00"))
    page = page_text(client.get(f"/admin/clients/{claire}/appointments/{booked}/move"))
    assert at(TODAY, "15:00").isoformat() in page
    response = reception.post(f"/admin/clients/{claire}/appointments/{booked}/move",
                              {"starts_at": at(TODAY, "15:00").isoformat(), "sequence": "0"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Appointment, booked).starts_at == at(TODAY, "15:00")
    [mail] = mails(app)
    assert mail["Subject"].startswith("Moved to Monday 8 March 2027 at 15:00")
    [change] = changes(app)
    assert change.action == "moved" and change.subject_id == booked
    assert change.changes == {"starts_at": [at(TODAY, "14:00").isoformat(), at(TODAY, "15:00").isoformat()]}


def test_reception_cancels_inside_the_cancellation_window(app, client, reception, users, salon):
    claire = users["client"].id
    booked = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(TODAY, "14:00"))
    response = reception.post(f"/admin/clients/{claire}/appointments/{booked}/cancel", {"sequence": "0"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Appointment, booked).status == "cancelled"
    [mail] = mails(app)
    assert mail["Subject"].startswith("Cancelled: Monday 8 March 2027 at 14:00")
    [change] = changes(app)
    assert (change.action, change.changes) == ("cancelled", {"status": ["booked", "cancelled"]})


def test_an_appointment_that_has_started_cannot_be_changed_even_by_staff(app, client, reception, users, salon,
                                                                          booking_clock):
    claire = users["client"].id
    booked = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(TODAY, "14:00"))
    booking_clock.now = at(TODAY, "14:05")
    response = reception.post(f"/admin/clients/{claire}/appointments/{booked}/cancel", {"sequence": "0"})
    assert response.status_code == 302 and response.location == f"/admin/clients/{claire}"
    assert "already started" in page_text(client.get(response.location))
    assert client.get(f"/admin/clients/{claire}/appointments/{booked}/move").status_code == 302
    # The move page's day box asks htmx for its free times: not the client's page inside them,
    # a full load of it (with why) instead.
    swap = client.get(f"/admin/clients/{claire}/appointments/{booked}/move?day={TODAY.isoformat()}",
                      headers={"HX-Request": "true"})
    assert (swap.status_code, swap.headers.get("HX-Redirect"), swap.data) == (200, f"/admin/clients/{claire}", b"")
    assert "already started" in page_text(client.get(f"/admin/clients/{claire}"))
    with app.app_context():
        assert db.session.get(Appointment, booked).status == "booked"
    assert changes(app) == [] and mails(app) == []


def test_another_clients_appointment_is_not_found_under_this_client(app, client, reception, users, salon,
                                                                    make_user):
    other = make_user("other@example.com", "client", "Olivia Other")
    theirs = add_appointment(app, other.id, salon.amelia, salon.city, salon.back, at(MONDAY, "14:00"))
    claire = users["client"].id
    assert client.get(f"/admin/clients/{claire}/appointments/{theirs}/move").status_code == 404
    assert reception.post(f"/admin/clients/{claire}/appointments/{theirs}/cancel").status_code == 404
    assert count_appointments(app, status="booked") == 1


# --- the health gate and the GP clearance --------------------------------------------------------


def test_the_gate_refuses_staff_too_and_says_why_without_details(app, client, reception, users, salon):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis")
    page = page_text(client.get(f"/admin/clients/{claire}/book"))
    assert "The health check refuses this booking" in page and "a condition that needs a GP's OK" in page
    assert "Record the GP clearance" in page and "osteoporosis" not in page and DETAIL not in page
    # A crafted request is refused on the server, with the same reason, on the page to choose
    # again from (a redirect: the access log entry for what staff were told is kept).
    response = reception.post(f"/admin/clients/{claire}/book", booking_form(salon, at(MONDAY, "10:00")))
    assert response.status_code == 302
    assert response.location.startswith(f"/admin/clients/{claire}/book?service={salon.back}&location={salon.city}")
    assert "day=2027-03-15" in response.location
    again = page_text(client.get(response.location))
    assert "The health check refuses this booking. Ask your GP first: a condition that needs a GP's OK" in again
    assert count_appointments(app) == 0 and changes(app) == [] and mails(app) == []
    assert [a.what for a in accesses(app, claire)] == ["booking refusal at reception"] * 3


def test_not_now_cannot_be_lifted_at_reception(app, client, reception, users, salon):
    claire = users["client"].id
    give_profile(app, claire, "skin_infection")
    page = page_text(client.get(f"/admin/clients/{claire}/book"))
    assert "Not now" in page and "the salon can't lift this" in page and "Record the GP clearance" not in page


def _clearance(reception, client_id: int, **fields):
    data = {"source": "Dr Patel, Gosforth Surgery", "cleared_on": (TODAY - timedelta(days=2)).isoformat(),
            "covers": "y", **fields}
    return reception.post(f"/admin/clients/{client_id}/clearance", {k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize("fields, message", [
    ({"source": ""}, "Please say who gave the clearance"),
    ({"source": "   "}, "Please say who gave the clearance"),
    ({"cleared_on": (TODAY + timedelta(days=1)).isoformat()}, "can't be in the future"),
    ({"cleared_on": ""}, "Please give the date of the clearance"),
    ({"cleared_on": "31/02/2027"}, "Please enter a real date"),
    ({"cleared_on": "0001-01-01"}, "Please check the year"),
    ({"cleared_on": "9999-12-31"}, "can't be in the future"),
    ({"covers": None}, "covers these conditions"),
])
def test_a_clearance_needs_who_a_date_not_in_the_future_and_what_it_covers(app, client, reception, users, salon,
                                                                          fields, message):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis")
    response = _clearance(reception, claire, **fields)
    assert response.status_code == 422 and message in page_text(response)
    if fields.get("source") is None and "source" not in fields:
        assert "Dr Patel, Gosforth Surgery" in page_text(response)  # nothing typed is lost
    with app.app_context():
        assert latest_content(profile_of(claire)).medical_clearance_on is None


@pytest.mark.parametrize("fields", [{"source": "", "cleared_on": ""}, {"cleared_on": "2099-01-01"}])
def test_the_form_shown_again_with_its_mistakes_is_in_the_access_log(app, client, reception, users, salon, fields):
    """The form shown again lists the conditions: the view is recorded, although the answer (422)
    rolls the request's work back."""
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis")
    response = _clearance(reception, claire, **fields)
    assert response.status_code == 422 and "Severe osteoporosis" in page_text(response)
    [entry] = accesses(app, claire)
    assert (entry.viewer_id, entry.viewer_role, entry.what) == (users["admin"].id, "admin",
                                                                "GP clearance form at reception")
    with app.app_context():
        assert latest_content(profile_of(claire)).medical_clearance_on is None  # nothing else was kept


def test_a_refused_clearance_shown_again_is_in_the_access_log(app, client, reception, users, salon):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis")
    assert _clearance(reception, claire).status_code == 302
    again = _clearance(reception, claire)
    assert again.status_code == 422 and "already recorded" in page_text(again)
    assert "Severe osteoporosis" in page_text(again)
    assert [a.what for a in accesses(app, claire)] == ["recorded a GP clearance", "GP clearance form at reception"]


def test_saying_only_trained_therapists_are_offered_is_in_the_access_log(app, client, reception, users, salon):
    """The booking page's "only suitably trained therapists" comes from the health profile: each
    page that says it is recorded, also one answered with an error."""
    claire = users["client"].id
    choices = {"service": salon.back, "location": salon.city, "day": MONDAY.isoformat()}
    page = page_text(client.get(f"/admin/clients/{claire}/book", query_string=choices))
    assert "Only suitably trained therapists" not in page and accesses(app, claire) == []
    give_profile(app, claire, "pregnancy", due_date=TODAY + timedelta(weeks=20))
    page = page_text(client.get(f"/admin/clients/{claire}/book", query_string=choices))
    assert "Only suitably trained therapists are offered" in page and "Daniel Okafor" not in page
    what = "booking at reception: trained therapists only"
    assert [a.what for a in accesses(app, claire)] == [what]
    # A time taken meanwhile (409, the request rolls back) says it again, and is recorded too.
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.full, at(MONDAY, "10:00"))
    clash = reception.post(f"/admin/clients/{claire}/book", booking_form(salon, at(MONDAY, "10:00")))
    assert clash.status_code == 409 and "Only suitably trained therapists are offered" in page_text(clash)
    assert [a.what for a in accesses(app, claire)] == [what, what]
    assert count_appointments(app, client_id=claire) == 1


def test_recording_the_clearance_the_client_shows_lets_the_booking_through(app, client, reception, users, salon):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis", "clotting_disorder")
    form = page_text(client.get(f"/admin/clients/{claire}/clearance"))
    assert "Severe osteoporosis" in form and "Blood clotting disorder" in form  # what it covers
    back = f"/admin/clients/{claire}/book?service={salon.back}"
    response = reception.post(f"/admin/clients/{claire}/clearance?next={back}",
                              {"source": "Dr Patel, Gosforth Surgery",
                               "cleared_on": (TODAY - timedelta(days=2)).isoformat(), "covers": "y"})
    assert response.status_code == 302 and response.location == back
    with app.app_context():
        content = latest_content(profile_of(claire))
        assert content.medical_clearance_on == TODAY - timedelta(days=2)
        assert content.clearance_source == "Dr Patel, Gosforth Surgery"
        assert content.cleared_conditions == {"severe_osteoporosis", "clotting_disorder"}
        assert content.notes_for_therapist == NOTE  # the rest of the profile as it was
        revision = db.session.scalars(select(ProfileRevision).order_by(ProfileRevision.id.desc())).first()
        assert (revision.recorded_by_id, revision.recorded_by_name) == (users["admin"].id, "Morag Fenwick")
    assert [a.what for a in accesses(app, claire)] == ["GP clearance form at reception", "recorded a GP clearance"]
    assert changes(app) == []  # health data stays out of the activity log
    page = page_text(client.get(f"/admin/clients/{claire}"))
    assert "Ask your GP first" not in page and "a condition a GP has cleared" in page
    response = reception.post(f"/admin/clients/{claire}/book", booking_form(salon, at(MONDAY, "10:00")))
    assert response.status_code == 302 and count_appointments(app, client_id=claire) == 1


def test_the_client_sees_who_recorded_it_in_their_history(app, client, auth, users, salon, booking_clock):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis")
    assert auth.login("admin@example.com").status_code == 302
    assert _clearance(auth, claire).status_code == 302
    auth.logout()
    assert auth.login("client@example.com").status_code == 302
    page = page_text(client.get("/profile/history"))
    assert "Recorded for you at the salon by Morag Fenwick" in page and "Clearance given by: Dr Patel" in page


def test_nothing_to_clear_and_the_same_clearance_twice_are_refused(app, client, reception, users, salon):
    claire = users["client"].id
    response = _clearance(reception, claire)
    assert response.status_code == 422 and "needs a GP's clearance" in page_text(response)
    give_profile(app, claire, "severe_osteoporosis")
    assert _clearance(reception, claire).status_code == 302
    again = _clearance(reception, claire)
    assert again.status_code == 422 and "already recorded" in page_text(again)


def test_a_client_or_therapist_cannot_record_a_clearance_or_book_for_someone(app, client, auth, users, salon,
                                                                             booking_clock):
    claire = users["client"].id
    give_profile(app, claire, "severe_osteoporosis")
    for who in ("client@example.com", "therapist@example.com"):
        assert auth.login(who).status_code == 302
        assert _clearance(auth, claire).status_code == 403
        assert auth.post(f"/admin/clients/{claire}/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 403
        assert client.get(f"/admin/clients/{claire}").status_code == 403
        auth.logout()
    with app.app_context():
        assert latest_content(profile_of(claire)).medical_clearance_on is None
    assert count_appointments(app) == 0 and accesses(app, claire) == []


# --- the rules underneath ------------------------------------------------------------------------


def test_staff_lines_say_the_level_and_a_general_reason_once_each():
    from portal.guidance.rules import HealthFacts, booking_decision, precautions_for
    from portal.reception.precautions import needs_clearance, refusal, staff_lines

    on = date(2027, 3, 8)
    facts = HealthFacts(conditions=frozenset({"severe_osteoporosis", "clotting_disorder", "skin_infection"}))
    lines = staff_lines(precautions_for(facts, on))
    assert [line.text for line in lines] == [
        "Not now: a condition that has to heal, or be diagnosed, before a massage on the back",
        "Ask your GP first: a condition that needs a GP's OK",
    ]
    assert needs_clearance(precautions_for(facts, on))
    refused = refusal(booking_decision(facts, True, True, on))
    assert refused.line.text.startswith("Not now") and not refused.clearance_helps
    cleared = HealthFacts(conditions=frozenset({"severe_osteoporosis"}), medical_clearance_on=on,
                          cleared_conditions=frozenset({"severe_osteoporosis"}))
    assert [line.text for line in staff_lines(precautions_for(cleared, on))] == [
        "Special care: a condition a GP has cleared: the therapist is told how to take care"]
    assert not needs_clearance(precautions_for(cleared, on))
    gp_only = refusal(booking_decision(HealthFacts(conditions=frozenset({"clotting_disorder"})), True, True, on))
    assert gp_only.line.text == "Ask your GP first: a condition that needs a GP's OK" and gp_only.clearance_helps


def test_only_staff_act_for_someone_else(app, users, salon, booking_clock, make_user):
    from portal.booking import services

    other = make_user("other@example.com", "client", "Olivia Other")
    with app.test_request_context():  # the booking email builds links
        claire, olivia = db.session.get(User, users["client"].id), db.session.get(User, other.id)
        request = services.BookingRequest(salon.back, salon.city, salon.amelia, at(MONDAY, "10:00"),
                                          services.new_idempotency_key(), screening_confirmed=True)
        with pytest.raises(PermissionError):
            services.book(claire, request, by=olivia)
        with pytest.raises(PermissionError):
            services.cancel(claire, 1, by=olivia)
        # Acting as yourself is the client's own path: no activity row.
        assert services.book(claire, request, by=claire).created
        db.session.commit()
    assert changes(app) == []


def test_reception_may_book_past_the_online_limit_of_upcoming_appointments(app, client, reception, users, salon):
    app.config["MAX_UPCOMING_APPOINTMENTS"] = 1
    claire = users["client"].id
    add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    response = reception.post(f"/admin/clients/{claire}/book", booking_form(salon, at(MONDAY, "14:00")))
    assert response.status_code == 302 and count_appointments(app, client_id=claire) == 2
    # Still never two at once for the client.
    clash = reception.post(f"/admin/clients/{claire}/book", booking_form(salon, at(MONDAY, "14:00"), "daniel"))
    assert clash.status_code == 409
    assert "The client already has a Back, Neck & Shoulder Massage booked then" in page_text(clash)


def test_moving_is_refused_by_the_gate_too_and_says_why(app, client, reception, users, salon):
    claire = users["client"].id
    booked = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    give_profile(app, claire, "cardiovascular_disease")  # told us after booking
    page = page_text(client.get(f"/admin/clients/{claire}/appointments/{booked}/move"))
    assert "a condition that needs a GP's OK" in page and "Record the GP clearance" in page
    response = reception.post(f"/admin/clients/{claire}/appointments/{booked}/move",
                              {"starts_at": at(MONDAY, "11:00").isoformat(), "sequence": "0"})
    assert response.status_code == 302
    assert response.location == f"/admin/clients/{claire}/appointments/{booked}/move?day=2027-03-15"
    with app.app_context():
        assert db.session.get(Appointment, booked).starts_at == at(MONDAY, "10:00")
    assert changes(app) == [] and mails(app) == []


def test_without_a_health_profile_staff_tick_the_screening_question_for_the_client(app, client, reception, users,
                                                                                  salon):
    claire = users["client"].id
    page = page_text(client.get(f"/admin/clients/{claire}/book"))
    assert "The client says none of these applies" in page
    form = {k: v for k, v in booking_form(salon, at(MONDAY, "10:00")).items() if k != "screening_confirmed"}
    response = reception.post(f"/admin/clients/{claire}/book", form)
    assert response.status_code == 422 and "Please ask the client whether any of the listed" in page_text(response)
    assert count_appointments(app) == 0


def test_a_search_is_answered_from_the_trigram_indexes_on_postgresql(app, reception):
    """On PostgreSQL the name, email and phone-digit tests are each one of the trigram indexes
    (accounts.models): the chain's 20,000 clients are not read for every search. A phone index
    on an expression that differs in a character from the search's is never used."""
    from sqlalchemy import text

    from portal.reception.queries import _matching
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("trigram indexes are PostgreSQL's")
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # a test database is small
        sql = _matching("0191 498").compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}".replace("%", "%%")))
        db.session.rollback()
    for index in ("ix_users_name_trgm", "ix_users_email_trgm", "ix_users_phone_digits_trgm"):
        assert index in plan, plan


# --- a client who phones, with no email address ---------------------------------------------------


def test_booking_moving_and_cancelling_for_a_client_without_email_asks_staff_to_phone_them(app, client, reception,
                                                                                         salon):
    """A client reception added by phone has no address: nothing is emailed, so no page may say
    they have been emailed; each says so and gives the number to ring."""
    assert reception.post("/admin/clients/new", {"name": "Mary Dodds", "phone": "07700900123"}).status_code == 302
    with app.app_context():
        mary = db.session.scalar(select(User).where(User.name == "Mary Dodds")).id
    assert "07700 900123" in page_text(client.get("/admin/clients", query_string={"q": "+44 7700 900123"}))
    query = {"service": salon.back, "location": salon.city, "therapist": salon.amelia, "day": TODAY.isoformat()}
    page = page_text(client.get(f"/admin/clients/{mary}/book", query_string=query))
    assert "emails nobody: Mary has no email address" in page and "emails Mary" not in page
    phone_them = "Mary Dodds has no email address, so nothing was emailed: please phone them on 07700 900123"

    response = reception.post(f"/admin/clients/{mary}/book", booking_form(salon, at(TODAY, "10:00")))
    assert response.status_code == 302
    page = page_text(client.get(response.location))
    assert f"{phone_them} with the details." in page and "emailed." not in page
    assert "07700 900123" in page  # the number as people read it, to ring
    with app.app_context():
        appointment = db.session.scalar(select(Appointment).where(Appointment.client_id == mary))
        appointment_id, sequence = appointment.id, appointment.sequence

    move = page_text(client.get(f"/admin/clients/{mary}/appointments/{appointment_id}/move",
                                query_string={"day": TODAY.isoformat()}))
    assert "emails nobody: Mary has no email address" in move
    response = reception.post(f"/admin/clients/{mary}/appointments/{appointment_id}/move",
                              {"starts_at": at(TODAY, "13:00").isoformat(), "therapist": str(salon.amelia),
                               "sequence": str(sequence)})
    assert response.status_code == 302
    assert f"{phone_them} with the new time." in page_text(client.get(response.location))

    response = reception.post(f"/admin/clients/{mary}/appointments/{appointment_id}/cancel",
                              {"sequence": str(sequence + 1)})
    assert response.status_code == 302 and count_appointments(app, client_id=mary, status="cancelled") == 1
    assert f"{phone_them} with the cancellation." in page_text(client.get(response.location))
    assert mails(app) == []
