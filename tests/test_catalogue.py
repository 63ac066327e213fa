"""One catalogue (issue 9, items 1 and 8): services live in the database only, their body areas
come from one vocabulary, and an appointment keeps the price and length it was booked at."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from portal import vocabulary
from portal.booking.models import Appointment
from portal.extensions import db
from portal.mail import outbox
from portal.profile import gate
from portal.salon.models import Service
from portal.salon.queries import catalogue
from tests.booking_support import MONDAY, at, booking_form, held, page_text

# --- item 1: the body-area vocabulary -----------------------------------------------------------


def test_the_vocabulary_covers_the_salons_services_and_the_pain_areas():
    assert set(vocabulary.PAIN_AREAS) == {"neck", "shoulders", "upper_back", "lower_back"}
    assert set(vocabulary.PAIN_AREAS) <= set(vocabulary.BODY_AREAS)
    # "back" is both back areas; "whole body" is every area (so it includes the back).
    assert vocabulary.BACK_AREAS == {"upper_back", "lower_back"}
    assert vocabulary.WHOLE_BODY == set(vocabulary.BODY_AREAS) and vocabulary.BACK_AREAS <= vocabulary.WHOLE_BODY
    assert vocabulary.BODY_AREAS["upper_back"] == "upper back"  # the label the admin will pick from
    assert vocabulary.checked_areas(["lower_back", "neck", "neck"]) == ("neck", "lower_back")
    with pytest.raises(vocabulary.UnknownBodyArea):
        vocabulary.checked_areas(["back"])
    assert vocabulary.join_labels({"upper_back", "head", "neck"}) == "head, neck and upper back"


def test_a_service_holds_only_areas_from_the_vocabulary(app):
    with app.app_context():
        service = Service(slug="x", name="X", price_pence=1, minutes=15, body_areas="lower_back, neck")
        assert service.body_areas == "neck,lower_back" and service.areas == ("neck", "lower_back")
        service.areas = ("feet", "head")
        assert service.body_areas == "head,feet"
        for text in ("back", "whole body", "neck,backs of knees"):  # free text the old gate searched
            with pytest.raises(vocabulary.UnknownBodyArea):
                Service(slug="y", name="Y", price_pence=1, minutes=15, body_areas=text)


@pytest.mark.parametrize(("areas", "on_back"), [
    (("upper_back",), True),
    (("lower_back", "legs"), True),
    (("head", "neck", "shoulders"), False),
    (("hands", "feet"), False),
])
def test_the_gate_asks_whether_the_areas_include_a_back_area(app, areas, on_back):
    with app.app_context():
        service = Service(slug="s", name="Back-to-front Facial", price_pence=1, minutes=15, body_areas=",".join(areas))
        # The name says "back"; only the areas count.
        assert gate.works_on_back(service) is on_back


def test_the_salons_services_in_vocabulary_terms(app, salon):
    with app.app_context():
        offered = {s.name: s.areas for s in db.session.query(Service).filter(Service.active)}
        assert offered == {
            "Back, Neck & Shoulder Massage": ("neck", "shoulders", "upper_back", "lower_back"),
            "Full Body Massage": tuple(vocabulary.BODY_AREAS),
            "Indian Head Massage (includes upper back)": ("head", "neck", "shoulders", "upper_back"),
        }
        assert [s.name for s in catalogue()] == [  # active only, cheapest first
            "Indian Head Massage (includes upper back)", "Back, Neck & Shoulder Massage", "Full Body Massage"]


def test_guidance_names_the_service_as_the_catalogue_does(app, client, auth, users, salon):
    auth.login()
    auth.post("/profile", {"pressure_preference": "", "notes_for_therapist": "",
                           "problem_areas": ["neck", "shoulders"], "consent": "y"})
    html = page_text(client.get("/guidance"))
    assert "<strong>Indian Head Massage (includes upper back)</strong>, because you told us your problem " \
           "areas are your neck and shoulders: Indian Head Massage (includes upper back) covers the head, " \
           "neck, shoulders and upper back." in html
    # The booking page starts on the suggested massage (found by id, not by a slug).
    with app.app_context():
        head = db.session.query(Service).filter_by(slug="indian-head").one()
        head.name, head.slug = "Indian Head & Upper Back", "renamed"
        db.session.commit()
        head_id = head.id
    assert "<strong>Indian Head & Upper Back</strong>" in page_text(client.get("/guidance"))
    book = client.get("/book").get_data(as_text=True)
    assert re.search(rf'<option[^>]*selected[^>]*value="{head_id}"|<option[^>]*value="{head_id}"[^>]*selected', book)


# --- item 8: the price and length at the time of booking ----------------------------------------


def _reprice(app, service_id: int, price_pence: int, minutes: int) -> None:
    with app.app_context():
        service = db.session.get(Service, service_id)
        service.price_pence, service.minutes = price_pence, minutes
        db.session.commit()


def test_an_appointment_keeps_the_price_and_length_it_was_booked_at(app, client, logged_in, salon):
    response = logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00")))
    appointment_id = int(re.search(r"\d+$", response.location).group(0))
    with app.app_context():
        booked = db.session.get(Appointment, appointment_id)
        assert (booked.price_pence, booked.minutes, booked.price_display) == (3500, 45, "£35")

    _reprice(app, salon.back, 4250, 60)  # the admin edits the catalogue afterwards

    page = page_text(client.get(f"/appointments/{appointment_id}"))
    assert "Back, Neck & Shoulder Massage (45 minutes, £35)" in page and "£42.50" not in page
    listing = page_text(client.get("/appointments"))
    assert "Back, Neck & Shoulder Massage (45 minutes, £35)" in listing and "£42.50" not in listing
    [event] = Calendar.from_ical(client.get(f"/appointments/{appointment_id}/calendar.ics").data).walk("VEVENT")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)
    assert "(45 minutes, £35)" in str(event["description"])
    # New bookings see the new price and length.
    book = page_text(client.get(f"/book?service={salon.back}&location={salon.city}&day={MONDAY}"))
    assert "Back, Neck & Shoulder Massage · 60 min · £42.50" in book

    # The move page offers times for the booked 45 minutes: 16:15 still ends by 17:00.
    tuesday = MONDAY + timedelta(days=1)
    assert at(tuesday, "16:15").isoformat() in client.get(f"/appointments/{appointment_id}/move?day={tuesday}").text
    moved = logged_in.post(f"/appointments/{appointment_id}/move", {"starts_at": at(tuesday, "16:15").isoformat()})
    assert moved.status_code == 302
    with app.app_context():
        row = db.session.get(Appointment, appointment_id)
        assert (row.starts_at, row.ends_at, row.price_pence) == (
            at(tuesday, "16:15"), at(tuesday, "17:00"), 3500)
        mails = [m for m in outbox() if m["Subject"].startswith("Moved")]
    assert len(held(app, appointment_id)) == 4  # 45 minutes and the 15-minute buffer
    assert "(45 minutes, £35)" in mails[-1].get_body(("plain",)).get_content()
    assert "(45 minutes, £35)" in mails[-1].get_body(("html",)).get_content()
