"""Booking a massage: the page (full and htmx fragment), the server's re-check of every field,
the health gate, clashes, repeated forms and the UK clock changes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from portal.booking.models import Appointment
from portal.extensions import db
from portal.guidance.rules import HealthFacts
from portal.mail import outbox
from portal.salon.models import Location
from portal.timezones import to_local
from tests.booking_support import (
    AUTUMN_SUNDAY,
    MONDAY,
    NOW,
    SPRING_SUNDAY,
    UTC,
    add_appointment,
    at,
    offered_times,
    booking_form,
    count_appointments,
    facts_gate,
    held,
    page_text,
)

HTMX = {"HX-Request": "true"}




def times_on_page(html: str) -> list[str]:
    return [start.isoformat() for start in offered_times(html)]


def local_labels(html: str) -> list[str]:
    return [to_local(datetime.fromisoformat(v)).strftime("%H:%M") for v in times_on_page(html)]


def query(salon, day, therapist="amelia", location=None, service=None) -> str:
    who = "any" if therapist == "any" else getattr(salon, therapist)
    return (f"/book?service={service or salon.back}&location={location or salon.city}"
            f"&therapist={who}&day={day.isoformat()}")


# --- the page -------------------------------------------------------------------------


def test_booking_page_offers_free_times_and_updates_them_in_place(client, logged_in, salon):
    response = client.get(query(salon, MONDAY))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" in html
    # The choices are a plain GET form that htmx submits on every change, swapping the times.
    form = re.search(r"<form[^>]*hx-get[^>]*>", html).group(0)
    assert 'method="get"' in form and 'hx-trigger="change"' in form and 'hx-target="#slots"' in form
    assert 'id="slots"' in html
    # Amelia, 09:00-17:00, 45 minutes: 09:00 to 16:15 every quarter hour.
    assert local_labels(html)[0] == "09:00" and local_labels(html)[-1] == "16:15"
    assert len(local_labels(html)) == 30
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', html)


def test_htmx_gets_only_the_free_times(client, logged_in, salon):
    response = client.get(query(salon, MONDAY, service=salon.full), headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and "<h1" not in html
    assert "Free times on Monday 15 March" in html
    assert local_labels(html)[-1] == "16:00"  # a 60-minute massage must end by 17:00


def test_a_boosted_navigation_still_gets_the_whole_page(client, logged_in, salon):
    html = client.get(query(salon, MONDAY), headers={**HTMX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in html


def test_times_already_taken_and_their_cleaning_time_are_not_offered(app, client, logged_in, users, salon):
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    shown = local_labels(client.get(query(salon, MONDAY)).get_data(as_text=True))
    # 10:00-10:45 plus 15 minutes' cleaning; a new 45-minute booking also needs 15 minutes before.
    assert "09:00" in shown and "09:15" not in shown and "10:45" not in shown and "11:00" in shown


def test_any_suitable_therapist_shows_every_free_time_at_that_salon(app, client, logged_in, users, salon):
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    shown = local_labels(client.get(query(salon, MONDAY, "any")).get_data(as_text=True))
    assert "10:00" in shown  # Daniel is free then


def test_a_day_with_nothing_free_points_to_the_next_one(client, logged_in, salon):
    sunday = MONDAY - timedelta(days=1)  # Amelia works at Gosforth on Sundays, not the City Centre
    html = client.get(query(salon, sunday)).get_data(as_text=True)
    assert not times_on_page(html)
    assert "the next day with free times" in html and "day=2027-03-15" in html


def test_a_day_beyond_the_horizon_is_not_offered(client, logged_in, salon):
    html = client.get(query(salon, MONDAY + timedelta(weeks=10))).get_data(as_text=True)
    assert "You can book from today up to" in html


def test_a_therapist_who_does_not_work_at_that_salon_is_explained(client, logged_in, salon):
    html = page_text(client.get(query(salon, MONDAY, "sofia", location=salon.city)))
    assert "Sofia Reyes doesn't work at Newcastle City Centre" in html and not times_on_page(html)


def _therapist_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="therapist".*?</select>', html, re.S).group(0)
    return [re.sub(r" \(.*", "", label) for label in re.findall(r"<option[^>]*>([^<]+)</option>", select)]


def test_the_therapists_offered_are_those_at_the_salon_chosen(client, logged_in, salon):
    """A chain's list would be dozens long: only those working at the salon (Sofia works at
    Gosforth only; Amelia at both), and a therapist asked for elsewhere, to say so."""
    city = _therapist_options(page_text(client.get(query(salon, MONDAY, "any"))))
    assert city == ["Any suitable therapist", "Amelia Hart", "Daniel Okafor"]
    gosforth = _therapist_options(page_text(client.get(query(salon, MONDAY, "any", location=salon.gosforth))))
    assert gosforth == ["Any suitable therapist", "Amelia Hart", "Sofia Reyes"]
    asked = page_text(client.get(query(salon, MONDAY, "sofia", location=salon.city)))
    assert "Sofia Reyes" in _therapist_options(asked) and "Sofia Reyes doesn't work at" in asked


def test_the_page_works_without_choices(client, logged_in, salon):
    response = client.get("/book?service=abc&location=&day=not-a-day&therapist=999")
    assert response.status_code == 200 and times_on_page(response.get_data(as_text=True))


def test_a_new_client_starts_from_the_massage_their_guidance_suggests(client, logged_in, salon):
    html = client.get("/book").get_data(as_text=True)
    assert re.search(rf'<option selected value="{salon.back}">Back, Neck', html)


def test_a_returning_client_starts_from_their_last_massage(app, client, logged_in, users, salon):
    add_appointment(app, users["client"].id, salon.sofia, salon.gosforth, salon.full, NOW - timedelta(days=10))
    html = client.get("/book").get_data(as_text=True)
    assert re.search(rf'<option selected value="{salon.full}">Full Body', html)
    assert re.search(rf'<option selected value="{salon.gosforth}">Gosforth', html)


def test_the_defaults_and_the_profile_read_together_still_gate_the_page(app, client, logged_in, users, salon,
                                                                         count_queries):
    """The last massage and salon are read in one statement with the health profile: what the gate
    then acts on is that profile, consented or not, on the page and in its swap."""
    from portal.accounts.models import User
    from portal.profile.content import ConditionEntry, ProfileContent
    from portal.profile.services import save_profile, withdraw_consent
    add_appointment(app, users["client"].id, salon.sofia, salon.gosforth, salon.full, NOW - timedelta(days=10))
    with app.app_context():
        save_profile(db.session.get(User, users["client"].id),
                     ProfileContent(conditions={"severe_osteoporosis": ConditionEntry()}), consent_given=True)
        db.session.commit()
    client.get("/book")  # warms the catalogue cache
    for headers in ({}, HTMX):
        with app.app_context(), count_queries() as counted:
            html = client.get("/book", headers=headers).get_data(as_text=True)
        assert "We can't book this massage for you online yet" in html and "GP" in html and not times_on_page(html)
        if not headers:  # the choices (not in the swap, which shows only the refusal)
            assert re.search(rf'<option selected value="{salon.full}">Full Body', html)
        assert counted.count <= 3, [s[:90] for s in counted.statements]
    with app.app_context():
        withdraw_consent(db.session.get(User, users["client"].id))
        db.session.commit()
    html = client.get("/book", headers=HTMX).get_data(as_text=True)
    assert "We can't book" not in html and times_on_page(html)
    assert "Choose a time for Full Body Massage with" not in html and "Full Body Massage at Gosforth" in html


def test_other_booking_sites_are_each_salons_own_listing(app, client, logged_in, salon):
    """The links are the salon's own pages the admin set, never a platform's home page, and
    there is no "book elsewhere" box while none is set."""
    html = client.get("/book").get_data(as_text=True)
    assert 'id="elsewhere"' not in html and "treatwell" not in html.lower()
    with app.app_context():
        gosforth = db.session.get(Location, salon.gosforth)
        gosforth.fresha_url = "https://www.fresha.com/a/mesmerising-beauty-gosforth-abc123"
        db.session.commit()
    for page in ("/book", "/appointments"):
        html = client.get(page).get_data(as_text=True)
        assert 'href="https://www.fresha.com/a/mesmerising-beauty-gosforth-abc123"' in html
        for home in ("https://www.treatwell.co.uk/", "https://www.fresha.com/", "https://booksy.com/"):
            assert f'href="{home}"' not in html
        assert "Treatwell" not in html and "Booksy" not in html


# --- booking ----------------------------------------------------------------------------


def test_booking_a_free_time(app, client, logged_in, users, salon):
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:15")))
    assert response.status_code == 302 and re.match(r"/appointments/\d+$", response.location)
    with app.app_context():
        appointment = db.session.scalar(db.select(Appointment))
        assert (appointment.client_id, appointment.therapist_id, appointment.location_id) == \
               (users["client"].id, salon.amelia, salon.city)
        assert appointment.starts_at == at(MONDAY, "10:15")
        assert appointment.ends_at == at(MONDAY, "11:00")
        [mail] = outbox()
    # 45 minutes + 15 minutes' cleaning = four quarter hours of Amelia's time.
    assert held(app, appointment.id) == [at(MONDAY, "10:15") + timedelta(minutes=15 * n) for n in range(4)]
    assert mail["To"] == "client@example.com" and "Monday 15 March 2027 at 10:15" in mail["Subject"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Your massage is booked" in page and "Monday 15 March 2027, 10:15" in page


def test_any_suitable_therapist_books_whoever_is_free(app, client, logged_in, users, salon):
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"), "any")).status_code == 302
    assert count_appointments(app, client_id=users["client"].id, therapist_id=salon.daniel) == 1


def test_the_same_form_sent_twice_books_once(app, client, logged_in, users, salon):
    form = booking_form(salon, at(MONDAY, "10:15"))
    first = logged_in.post("/book", form)
    again = logged_in.post("/book", form)
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert count_appointments(app) == 1
    with app.app_context():
        assert len(outbox()) == 1
    assert "You had already booked this" in client.get(again.location).get_data(as_text=True)


@pytest.mark.parametrize("start", ["10:00", "10:30", "09:30"])
def test_a_time_just_taken_is_refused_with_fresh_times(app, client, logged_in, users, salon, start):
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, start)))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "that time was just taken" in html
    assert "09:00" in local_labels(html) and "10:00" not in local_labels(html)
    assert count_appointments(app) == 1


# --- refusals: nothing is booked ----------------------------------------------------------------


@pytest.mark.parametrize("change, message", [
    ({"starts_at": at(MONDAY, "10:05").isoformat()}, "start every 15 minutes"),
    ({"starts_at": (NOW - timedelta(hours=1)).isoformat()}, "already passed"),
    ({"starts_at": (NOW + timedelta(hours=1)).replace(minute=0).isoformat()}, "notice"),
    ({"starts_at": at(MONDAY + timedelta(weeks=9), "10:00").isoformat()}, "days ahead"),
    ({"starts_at": at(MONDAY, "16:30").isoformat()}, "is not working at Newcastle City Centre then"),
    ({"starts_at": at(MONDAY - timedelta(days=1), "10:00").isoformat()}, "is not working"),
    ({"starts_at": "2027-03-15T10:00:00"}, "Please choose one of the free times"),  # no offset: ambiguous
    ({"starts_at": "tomorrow at ten"}, "Please choose one of the free times"),
    ({"starts_at": ""}, "Please choose one of the free times"),
    ({"therapist": "sofia"}, "doesn't work at that salon"),
    ({"therapist": "999"}, "doesn't work at that salon"),
    ({"therapist": "x1"}, "doesn't work at that salon"),
    ({"service": "retired"}, "isn't offered"),
    ({"service": "999"}, "isn't offered"),
    ({"location": "999"}, "have a salon there"),
    ({"idempotency_key": "not-a-uuid"}, "Invalid UUID"),
])
def test_a_tampered_or_stale_booking_is_refused(app, client, logged_in, salon, change, message):
    form = booking_form(salon, at(MONDAY, "10:00"))
    for name, value in change.items():
        if name in ("therapist", "service") and hasattr(salon, value):
            value = str(getattr(salon, value))
        form[name] = value
    response = logged_in.post("/book", form)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert message in page_text(response)
    assert count_appointments(app) == 0
    with app.app_context():
        assert outbox() == []


def test_a_booking_without_the_csrf_token_is_refused(app, client, logged_in, salon):
    assert client.post("/book", data=booking_form(salon, at(MONDAY, "10:00"))).status_code == 400
    assert count_appointments(app) == 0


# --- the health gate, on the server --------------------------------------------------------


def test_a_pregnant_client_is_offered_only_pregnancy_trained_therapists(client, logged_in, salon, monkeypatch):
    facts_gate(monkeypatch, HealthFacts(conditions=frozenset({"pregnancy"})))
    html = client.get(query(salon, MONDAY, "any")).get_data(as_text=True)
    assert "Amelia Hart" in html and "Daniel Okafor" not in html
    assert "only therapists trained in pregnancy massage are offered" in html


def test_any_suitable_never_books_an_untrained_therapist_for_a_pregnant_client(
        app, client, logged_in, users, salon, monkeypatch):
    facts_gate(monkeypatch, HealthFacts(conditions=frozenset({"pregnancy"})))
    add_appointment(app, users["therapist"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    assert "10:00" not in local_labels(client.get(query(salon, MONDAY, "any")).get_data(as_text=True))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"), "any"))
    assert response.status_code == 409  # Daniel is free, but not for her
    assert count_appointments(app, client_id=users["client"].id) == 0


def test_a_crafted_booking_with_an_untrained_therapist_is_refused(app, client, logged_in, salon, monkeypatch):
    facts_gate(monkeypatch, HealthFacts(conditions=frozenset({"pregnancy"})))
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"), "daniel"))
    assert response.status_code == 403
    assert "therapist trained in pregnancy massage" in response.get_data(as_text=True)
    assert count_appointments(app) == 0


@pytest.mark.parametrize("facts, words", [
    (HealthFacts(conditions=frozenset({"skin_infection"})), "Wait until the skin infection has healed"),
    (HealthFacts(conditions=frozenset({"severe_osteoporosis"})), "GP"),
])
def test_not_now_and_ask_your_gp_first_refuse_with_what_to_do(app, client, logged_in, salon, monkeypatch,
                                                              facts, words):
    facts_gate(monkeypatch, facts)
    page = page_text(client.get(query(salon, MONDAY)))
    assert "We can't book this massage for you online yet" in page and words in page
    assert not times_on_page(page)
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00")))
    assert response.status_code == 403 and words in response.get_data(as_text=True)
    assert 'href="/profile"' in response.get_data(as_text=True)
    assert count_appointments(app) == 0


# --- the UK clock changes -----------------------------------------------------------------------


@pytest.mark.parametrize("sunday, now, utc_hour", [
    (SPRING_SUNDAY, datetime(2027, 3, 20, 9, tzinfo=UTC), 9),  # 10:00 BST = 09:00 UTC
    (AUTUMN_SUNDAY, datetime(2027, 10, 25, 9, tzinfo=UTC), 10),  # 10:00 GMT = 10:00 UTC
])
def test_booking_on_a_clock_change_sunday(app, client, logged_in, users, salon, booking_clock,
                                          sunday, now, utc_hour):
    booking_clock.now = now
    # One clock for the whole portal: months later, the login from NOW has gone idle.
    assert logged_in.login("client@example.com").status_code == 302
    html = client.get(query(salon, sunday, location=salon.gosforth)).get_data(as_text=True)
    # Amelia's Sunday at Gosforth is 10:00-16:00 on the salon's clock, whatever the offset.
    assert local_labels(html)[0] == "10:00" and local_labels(html)[-1] == "15:15"
    first = times_on_page(html)[0]
    assert datetime.fromisoformat(first) == datetime(sunday.year, sunday.month, sunday.day, utc_hour, tzinfo=UTC)

    response = logged_in.post("/book", booking_form(salon, datetime.fromisoformat(first), location=salon.gosforth))
    assert response.status_code == 302
    with app.app_context():
        appointment = db.session.scalar(db.select(Appointment))
        assert appointment.starts_at.hour == utc_hour
        assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)
    assert f"Sunday {sunday.day} {sunday:%B %Y}, 10:00" in client.get(response.location).get_data(as_text=True)


def test_a_form_key_sent_back_with_another_time_says_the_form_was_used(app, client, logged_in, users, salon):
    form = booking_form(salon, at(MONDAY, "10:15"))
    assert logged_in.post("/book", form).status_code == 302
    # The same rendered form (same key), another time chosen: not a retry of the first booking.
    response = logged_in.post("/book", {**form, "starts_at": at(MONDAY, "14:00").isoformat()})
    page = page_text(response)
    assert response.status_code == 409
    assert "This form was already used to book Mon 15 Mar 2027, 10:15" in page and "choose the time again" in page
    assert "You had already booked this" not in page
    assert count_appointments(app) == 1
    # The page it shows carries a fresh key, so choosing again books.
    fresh = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    assert fresh != form["idempotency_key"]
    assert logged_in.post("/book", {**form, "starts_at": at(MONDAY, "14:00").isoformat(),
                                    "idempotency_key": fresh}).status_code == 302


def test_time_off_is_refused_as_the_therapist_being_away(app, client, logged_in, salon):
    from portal.booking.models import TimeOff

    with app.app_context():
        db.session.add(TimeOff(therapist_id=salon.amelia, starts_at=at(MONDAY, "12:00"),
                               ends_at=at(MONDAY, "17:00"), reason="training"))
        db.session.commit()
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "14:00")))
    page = page_text(response)
    assert response.status_code == 422
    assert "Amelia Hart is away then" in page and "just taken" not in page
    assert count_appointments(app) == 0
