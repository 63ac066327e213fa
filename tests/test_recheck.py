"""Issue items 3 and 5: bookings made before a health profile change are re-checked at once
(held, shown with what to do, marked for staff), and booking without a consented profile asks
the screening tick, so withdrawing consent is no way round the gate."""

from __future__ import annotations

import ast
import pathlib
import re
from datetime import timedelta

import pytest

from portal.accounts.models import User
from portal.booking import recheck
from portal.booking.models import Appointment
from portal.extensions import db
from portal.guidance.rules import CODE_NEEDS_CLEARANCE, CODE_NEEDS_PREGNANCY_TRAINED, CODE_NOT_NOW
from portal.profile import services as profile_services
from portal.profile.content import ConditionEntry, ProfileContent
from portal import clock
from tests.conftest import AuthActions
from tests.booking_support import (
    MONDAY,
    NOW,
    add_appointment,
    at,
    booking_form,
    count_appointments,
    page_text,
)

SUNBURN_TO_DO = "Wait until the sunburn has healed"
SCREENING_LIST = ("Severe sunburn on the back", "Severe osteoporosis", "Acute back injury that needs medical attention")


def _conditions(*slugs: str) -> dict[str, ConditionEntry]:
    return {slug: ConditionEntry() for slug in slugs}


def save_profile(app, users, *slugs: str, **content) -> None:
    """The client saves their profile (consent ticked), as the profile page does."""
    with app.app_context():
        client = db.session.get(User, users["client"].id)
        profile_services.save_profile(client, ProfileContent(conditions=_conditions(*slugs), **content),
                                      consent_given=True)
        db.session.commit()  # the request's commit: the re-check listens for it


def client_user(app, users) -> User:
    return db.session.get(User, users["client"].id)


def hold_of(app, appointment_id: int) -> tuple[str | None, object]:
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        return appointment.health_hold, appointment.health_hold_at


def get(app, appointment_id: int) -> Appointment:
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        db.session.expunge(appointment)
        return appointment


@pytest.fixture
def with_daniel(app, users, salon):
    """An upcoming Back, Neck & Shoulder with Daniel (not pregnancy trained), Monday 10:00."""
    return add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, at(MONDAY, "10:00"))


# --- item 3: the re-check itself --------------------------------------------------------------


def test_a_not_now_condition_holds_every_upcoming_booking_and_healing_lifts_it(app, users, salon, booking_clock):
    client_id = users["client"].id
    first = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    second = add_appointment(app, client_id, salon.daniel, salon.city, salon.full, at(MONDAY + timedelta(days=1), "11:00"))
    past = add_appointment(app, client_id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=3))
    save_profile(app, users, "severe_sunburn")
    assert hold_of(app, first) == (CODE_NOT_NOW, NOW) and hold_of(app, second) == (CODE_NOT_NOW, NOW)
    assert hold_of(app, past) == (None, None)  # only what is still to come
    with app.app_context():
        assert profile_services.mark_healed(client_user(app, users), "severe_sunburn")
        db.session.commit()
    assert hold_of(app, first) == (None, None) and hold_of(app, second) == (None, None)


def test_pregnancy_holds_only_bookings_with_an_untrained_therapist(app, users, salon, booking_clock, with_daniel):
    with_amelia = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                  at(MONDAY + timedelta(days=1), "10:00"))
    save_profile(app, users, "pregnancy")
    assert hold_of(app, with_daniel)[0] == CODE_NEEDS_PREGNANCY_TRAINED
    assert hold_of(app, with_amelia) == (None, None)


def test_recording_a_clearance_lifts_an_ask_your_gp_hold(app, users, salon, booking_clock, with_daniel):
    save_profile(app, users, "severe_osteoporosis")
    assert hold_of(app, with_daniel)[0] == CODE_NEEDS_CLEARANCE
    save_profile(app, users, "severe_osteoporosis", medical_clearance_on=clock.today())
    assert hold_of(app, with_daniel) == (None, None)


def test_withdrawing_or_deleting_the_profile_does_not_lift_a_hold(app, client, logged_in, users, salon, with_daniel):
    save_profile(app, users, "severe_sunburn")
    with app.app_context():
        profile_services.withdraw_consent(client_user(app, users))
        db.session.commit()
    assert hold_of(app, with_daniel)[0] == recheck.NEEDS_SCREENING  # not cleared: asked again
    with app.app_context():
        profile_services.delete_profile(client_user(app, users))
        db.session.commit()
    assert hold_of(app, with_daniel)[0] == recheck.NEEDS_SCREENING
    page = page_text(client.get(f"/appointments/{with_daniel}"))
    assert "Health check needed" in page and "None of these applies to me" in page
    # The tick is required; without it nothing changes.
    assert logged_in.post(f"/appointments/{with_daniel}/screening").status_code == 422
    assert hold_of(app, with_daniel)[0] == recheck.NEEDS_SCREENING
    response = logged_in.post(f"/appointments/{with_daniel}/screening", {"screening_confirmed": "y"})
    assert response.status_code == 302
    assert hold_of(app, with_daniel) == (None, None) and get(app, with_daniel).screening_confirmed_at == NOW


def test_a_booking_ticked_at_booking_time_stays_clear_when_consent_is_withdrawn(app, logged_in, users, salon):
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 302
    save_profile(app, users)  # an empty profile: nothing to refuse
    with app.app_context():
        profile_services.withdraw_consent(client_user(app, users))
        db.session.commit()
        [booked] = db.session.query(Appointment).all()
        assert booked.health_hold is None and booked.screening_confirmed_at == NOW


def test_the_profile_services_announce_changes_without_importing_booking():
    # The sender knows nothing of who listens (guidance_service's lazy import of booking's
    # completed_dates is older than this and a read, not a reaction).
    for path in (pathlib.Path("portal/profile/services.py"), pathlib.Path("portal/profile/gate.py")):
        tree = ast.parse(path.read_text())
        names = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        names += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
        assert not any(name and name.startswith("portal.booking") for name in names), path


# --- item 3: what the client sees and can do ---------------------------------------------------


def test_the_dashboard_and_the_appointment_say_what_to_do_with_one_click_ways_out(
        app, client, logged_in, users, salon, with_daniel):
    save_profile(app, users, "pregnancy")
    assert f'href="/appointments/{with_daniel}#hold-{with_daniel}">Health check needed' in page_text(
        client.get("/appointments"))
    for url in ("/dashboard", f"/appointments/{with_daniel}"):
        page = page_text(client.get(url))
        box = re.search(rf'<div class="flash flash-warning" id="hold-{with_daniel}">.*?</div>', page, re.S).group(0)
        assert "Health check needed" in box and "Book with a therapist trained in pregnancy massage" in box
        assert f'name="therapist" value="{salon.amelia}"' in box and "Move it to Amelia Hart" in box
        # Cancelling asks "are you sure?" first, with the version the box showed.
        assert f'href="/appointments/{with_daniel}/cancel?sequence=0"' in box and 'href="/profile"' in box


def test_one_click_moves_a_held_booking_to_a_suitable_therapist_at_the_same_time(
        app, logged_in, users, salon, with_daniel):
    save_profile(app, users, "pregnancy")
    response = logged_in.post(f"/appointments/{with_daniel}/move",
                              {"starts_at": at(MONDAY, "10:00").isoformat(), "therapist": str(salon.amelia)})
    assert response.status_code == 302
    moved = get(app, with_daniel)
    assert (moved.therapist_id, moved.starts_at, moved.health_hold) == (salon.amelia, at(MONDAY, "10:00"), None)


def test_a_crafted_move_to_an_unsuitable_therapist_is_refused(app, logged_in, users, salon):
    with_amelia = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    save_profile(app, users, "pregnancy")
    response = logged_in.post(f"/appointments/{with_amelia}/move",
                              {"starts_at": at(MONDAY, "11:00").isoformat(), "therapist": str(salon.daniel)})
    assert response.status_code == 403
    assert get(app, with_amelia).therapist_id == salon.amelia


def test_a_held_booking_can_be_cancelled_inside_the_24_hour_window(app, logged_in, users, salon, booking_clock,
                                                                     with_daniel):
    other = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "14:00"))
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=5)
    save_profile(app, users, "pregnancy")  # holds Daniel's, not Amelia's
    assert logged_in.post(f"/appointments/{other}/cancel").status_code == 409  # the usual rule
    assert logged_in.post(f"/appointments/{with_daniel}/cancel").status_code == 302
    assert get(app, with_daniel).is_cancelled


def test_the_move_page_offers_only_times_the_server_accepts(app, client, logged_in, users, salon, with_daniel):
    save_profile(app, users, "pregnancy")
    page = page_text(client.get(f"/appointments/{with_daniel}/move?day={MONDAY.isoformat()}"))
    forms = re.findall(r'<form method="post" action="/appointments/\d+/move">.*?</form>', page, re.S)
    assert forms and all(f'name="therapist" value="{salon.amelia}"' in form for form in forms)
    assert "Daniel Okafor can't give you this massage now" in page
    offered = re.findall(r'name="starts_at"\s+value="([^"]+)"', forms[0])
    assert offered
    response = logged_in.post(f"/appointments/{with_daniel}/move",
                              {"starts_at": offered[-1], "therapist": str(salon.amelia)})
    assert response.status_code == 302
    assert get(app, with_daniel).therapist_id == salon.amelia


def test_the_move_page_offers_no_time_when_the_gate_refuses_everyone(app, client, logged_in, users, salon,
                                                                      with_daniel):
    save_profile(app, users, "severe_sunburn")
    page = page_text(client.get(f"/appointments/{with_daniel}/move?day={MONDAY.isoformat()}"))
    assert SUNBURN_TO_DO in page and 'name="starts_at"' not in page


def test_the_move_page_keeps_the_therapist_while_the_gate_allows_them(client, logged_in, salon, with_daniel):
    page = page_text(client.get(f"/appointments/{with_daniel}/move?day={MONDAY.isoformat()}"))
    assert 'name="starts_at"' in page and 'name="therapist"' not in page


def test_staff_schedules_and_the_brief_mark_a_held_booking(app, client, users, salon, booking_clock, with_daniel):
    save_profile(app, users, "pregnancy")
    auth = AuthActions(client)
    auth.login("admin@example.com")
    schedule = page_text(client.get(f"/admin?day={MONDAY.isoformat()}"))
    assert schedule.count("Health check needed") == 2  # the day's list and the week's
    brief = page_text(client.get(f"/therapist/appointments/{with_daniel}/brief"))
    assert "Health check needed." in brief and "it needs a therapist trained in pregnancy massage" in brief
    assert "Pregnancy" in brief  # the precaution itself, with its reason, below
    auth.logout()
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "13:00"))
    auth.login("therapist@example.com")  # Amelia: her booking with the same client is fine
    assert "Health check needed" not in page_text(client.get(f"/therapist?day={MONDAY.isoformat()}"))


# --- item 5: booking without a consented profile -----------------------------------------------


def test_without_a_profile_booking_needs_the_screening_tick(app, client, logged_in, users, salon):
    page = page_text(client.get(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}"
                                f"&day={MONDAY.isoformat()}"))
    assert "None of these applies to me" not in page  # asked on the summary, where the booking is made
    form = {k: v for k, v in booking_form(salon, at(MONDAY, "10:00")).items() if k != "screening_confirmed"}
    page = page_text(client.get("/book/confirm", query_string=form))
    assert "None of these applies to me" in page and all(label in page for label in SCREENING_LIST)
    # Pregnancy too: without a profile the gate cannot keep to pregnancy-trained therapists, and
    # the salon says "Seek therapists with specific pregnancy massage training rather than
    # standard back massage".
    assert "<li>Pregnancy</li>" in page
    response = logged_in.post("/book", form)
    assert response.status_code == 422
    page = page_text(response)
    assert "Please confirm that none of the listed conditions applies to you" in page
    assert 'name="screening_confirmed"' in page and "10:00" in page  # the form as it was
    assert count_appointments(app, client_id=users["client"].id) == 0
    assert logged_in.post("/book", {**form, "screening_confirmed": "y"}).status_code == 302
    with app.app_context():
        [booked] = db.session.query(Appointment).all()
        assert booked.screening_confirmed_at == NOW


def test_with_a_consented_profile_no_tick_is_asked(app, client, logged_in, users, salon):
    save_profile(app, users)
    page = page_text(client.get(f"/book?service={salon.back}&location={salon.city}&day={MONDAY.isoformat()}"))
    assert "None of these applies to me" not in page
    form = {k: v for k, v in booking_form(salon, at(MONDAY, "10:00")).items() if k != "screening_confirmed"}
    assert logged_in.post("/book", form).status_code == 302
    with app.app_context():
        assert db.session.query(Appointment).one().screening_confirmed_at is None


def test_withdrawing_consent_brings_the_tick_back(app, logged_in, users, salon):
    save_profile(app, users, "severe_sunburn")
    form = {k: v for k, v in booking_form(salon, at(MONDAY, "10:00")).items() if k != "screening_confirmed"}
    assert logged_in.post("/book", form).status_code == 403  # the profile refuses
    with app.app_context():
        profile_services.withdraw_consent(client_user(app, users))
        db.session.commit()
    assert logged_in.post("/book", {**form, "idempotency_key": booking_form(salon, NOW)["idempotency_key"]}
                          ).status_code == 422
    assert count_appointments(app, client_id=users["client"].id) == 0


def test_rebooking_without_a_profile_asks_for_the_tick(app, client, logged_in, users, salon):
    last = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=20))
    page = page_text(client.get(f"/appointments/{last}/rebook"))
    assert 'name="screening_confirmed"' not in page  # asked on the summary of the chosen time
    choice = re.search(r'<form method="get" action="/book/confirm".*?</form>', page, re.S).group(0)
    chosen = dict(re.findall(r'name="(service|location|therapist|idempotency_key|starts_at|rebook)"\s+value="([^"]+)"',
                             choice))
    summary = page_text(client.get("/book/confirm", query_string=chosen))
    [form] = re.findall(r'<form method="post" action="/book" id="confirm-form">.*?</form>', summary, re.S)
    assert 'name="screening_confirmed"' in form and "required" in form
    fields = dict(re.findall(r'name="(service|location|therapist|idempotency_key)" value="([^"]+)"', form))
    first = re.search(r'name="starts_at" value="([^"]+)"', form).group(1)
    assert logged_in.post("/book", {**fields, "starts_at": first}).status_code == 422
    assert logged_in.post("/book", {**fields, "starts_at": first, "screening_confirmed": "y"}).status_code == 302
    assert count_appointments(app, client_id=users["client"].id) == 2


def test_the_client_export_includes_the_tick_and_the_hold(app, client, logged_in, users, salon):
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 302
    save_profile(app, users, "severe_sunburn")
    [row] = client.get("/profile/export").get_json()["appointments"]
    assert row["screening_confirmed_at"] == NOW.isoformat()
    assert (row["health_hold"], row["health_hold_at"]) == (CODE_NOT_NOW, NOW.isoformat())


def test_the_brief_tells_the_therapist_to_check_in_person(app, client, logged_in, users, salon):
    assert logged_in.post("/book", booking_form(salon, at(MONDAY, "10:00"))).status_code == 302
    with app.app_context():
        booked = db.session.query(Appointment).one().id
    logged_in.logout()
    logged_in.login("admin@example.com")
    brief = page_text(client.get(f"/therapist/appointments/{booked}/brief"))
    assert "No health profile on record." in brief and "Check in person before starting." in brief
    assert "Mon 08 Mar 2027, 09:00" in brief  # when the client ticked, on the salon's clock


def test_a_hold_every_therapist_shares_offers_no_move(app, client, logged_in, users, salon, with_daniel):
    """Sunburn refuses every therapist and time: the box offers cancel and the profile, not a
    move that the move page would then refuse."""
    save_profile(app, users, "severe_sunburn")
    for url in ("/dashboard", f"/appointments/{with_daniel}"):
        page = page_text(client.get(url))
        box = re.search(rf'<div class="flash flash-warning" id="hold-{with_daniel}">.*?</div>', page, re.S).group(0)
        assert SUNBURN_TO_DO in box and f'href="/appointments/{with_daniel}/cancel?sequence=0"' in box
        assert "Move it" not in box and f'/appointments/{with_daniel}/move' not in box


# --- a booking and a profile change at the same moment ------------------------------------------


def _booking_beside_a_profile_change(race_app, users, monkeypatch, *, pause: str):
    """Claire books Daniel (not pregnancy trained) in one tab while, in another, she saves her
    profile to say she is pregnant (`tests.racing.booking_paused_beside`, paused at `pause`).
    Returns both status codes and the holds of the appointments made."""
    from sqlalchemy import select

    from tests.booking_support import seed_salon
    from tests.racing import booking_paused_beside, logged_in_clients

    salon = seed_salon(race_app, users)
    save_profile(race_app, users)  # consented, nothing on it: Daniel may take her
    (booker, booker_token), (tab, tab_token) = logged_in_clients(race_app, ["client@example.com"] * 2)
    pregnant = {"pressure_preference": "", "notes_for_therapist": "", "conditions": "pregnancy",
                "due_date": (MONDAY + timedelta(weeks=20)).isoformat()}
    booked, saved = booking_paused_beside(
        monkeypatch, (booker, booker_token, "/book", booking_form(salon, at(MONDAY, "10:00"), "daniel")),
        (tab, tab_token, "/profile", pregnant), pause=pause)
    with race_app.app_context():
        holds = list(db.session.scalars(select(Appointment.health_hold)))
    return booked, saved, holds


def test_a_booking_that_passed_the_gate_and_a_profile_change_take_turns(race_app, users, monkeypatch):
    """The booking has passed the gate and holds the client's row when the profile is saved: the
    save waits for it (it takes the same row), so the re-check after the save sees the booking."""
    booked, saved, holds = _booking_beside_a_profile_change(race_app, users, monkeypatch, pause="after_checks")
    assert (booked, saved) == (302, 302)
    assert holds == [CODE_NEEDS_PREGNANCY_TRAINED]


def test_a_booking_that_read_the_profile_before_it_changed_reads_it_again_under_its_lock(race_app, users,
                                                                                         monkeypatch):
    """The booking read the profile (nothing on it) before any lock; the save and its re-check
    (finding no booking) ran before the booking went on: under its lock it asks the gate again
    and is refused, rather than booked with an untrained therapist and unheld."""
    booked, saved, holds = _booking_beside_a_profile_change(race_app, users, monkeypatch, pause="before_locks")
    assert saved == 302
    assert (booked, holds) == (403, [])
