"""The rota through its pages: hours, time off (and the guard cells it holds), clashes refused
and confirmed, the needs-attention list with its move and cancel, inactive therapists, the
therapist's own time off under the salon's switch, and the activity log of every change."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AdminChange
from portal.booking import integrity
from portal.booking.models import Appointment, AppointmentSlot, TimeOff
from portal.extensions import db
from portal.guidance.rules import HealthFacts
from portal.mail import outbox
from portal.salon.models import Therapist, WorkingHours
from tests.booking_support import (MONDAY, SPRING_SUNDAY, add_appointment, at, booking_form, facts_gate, held,
                                   offered_times, page_text)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(auth, users, salon, booking_clock):
    assert auth.login("admin@example.com").status_code == 302
    return auth


@pytest.fixture
def booked(app, users, salon):
    """Claire with Amelia, Monday 15 March 2027 10:00 at City Centre."""
    return add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))


def _rows(app, model, **where):
    with app.app_context():
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


def _changes(app, subject_type):
    return [(c.action, c.changes) for c in _rows(app, AdminChange, subject_type=subject_type)]


def _mails(app):
    with app.app_context():
        return list(outbox())


def _shift(app, therapist_id, weekday):
    [row] = [h for h in _rows(app, WorkingHours, therapist_id=therapist_id) if h.weekday == weekday]
    return row


def _seen(row) -> str:
    return f"{row.weekday}|{row.starts_at:%H:%M}|{row.ends_at:%H:%M}|{row.location_id}"


def _time_off_cells(app, time_off_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AppointmentSlot)
                                 .where(AppointmentSlot.time_off_id == time_off_id))


# --- weekly hours -------------------------------------------------------------------------------


def test_admin_adds_a_shift_and_it_is_recorded(app, admin, salon):
    response = admin.post(f"/admin/rota/therapists/{salon.daniel}/shifts", {
        "new-weekday": "6", "new-location_id": str(salon.gosforth), "new-starts_at": "10:00", "new-ends_at": "14:00"})
    assert response.status_code == 302
    sunday = _shift(app, salon.daniel, 6)
    assert (sunday.starts_at, sunday.ends_at, sunday.location_id) == (time(10), time(14), salon.gosforth)
    [(action, changes)] = _changes(app, "working_hours")
    assert action == "created" and changes["starts_at"] == [None, "10:00"] and changes["location"] == [None, "Gosforth"]


def test_with_htmx_a_new_shift_row_appears_in_place(app, admin, salon, client):
    response = admin.post(f"/admin/rota/therapists/{salon.daniel}/shifts", {
        "new-weekday": "6", "new-location_id": str(salon.gosforth), "new-starts_at": "10:00", "new-ends_at": "14:00"},
        headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="shifts-heading"' in body
    sunday = _shift(app, salon.daniel, 6)
    assert f'action="/admin/rota/shifts/{sunday.id}"' in body


@pytest.mark.parametrize("form,message", [
    ({"new-weekday": "0", "new-starts_at": "17:00", "new-ends_at": "09:00"}, "must end after it starts"),
    ({"new-weekday": "0", "new-starts_at": "18:10", "new-ends_at": "19:00"}, "on the booking grid"),
    # Daniel works Monday 09:00-17:00 at City Centre: not at Gosforth at the same time.
    ({"new-weekday": "0", "new-starts_at": "16:00", "new-ends_at": "19:00"}, "overlaps their Monday shift 09:00-17:00"),
    ({"new-weekday": "0", "new-starts_at": "", "new-ends_at": "19:00"}, "Please give the time the shift starts"),
])
def test_a_bad_shift_is_refused_with_a_clear_message_and_keeps_what_was_typed(app, admin, salon, form, message):
    form = {**form, "new-location_id": str(salon.gosforth)}
    response = admin.post(f"/admin/rota/therapists/{salon.daniel}/shifts", form)
    page = page_text(response)
    assert response.status_code == 422 and message in page
    assert f'value="{form["new-ends_at"]}"' in page  # nothing lost
    assert len(_rows(app, WorkingHours, therapist_id=salon.daniel)) == 6
    assert _changes(app, "working_hours") == []


def test_reducing_hours_under_a_booking_is_refused_with_the_list_then_confirmed(app, admin, salon, booked):
    monday = _shift(app, salon.amelia, 0)
    form = {f"shift-{monday.id}-weekday": "0", f"shift-{monday.id}-location_id": str(salon.city),
            f"shift-{monday.id}-starts_at": "12:00", f"shift-{monday.id}-ends_at": "17:00",
            f"shift-{monday.id}-seen": _seen(monday)}
    response = admin.post(f"/admin/rota/shifts/{monday.id}", form)
    page = page_text(response)
    assert response.status_code == 409
    assert "1 booked appointment would fall outside Amelia Hart's hours" in page
    assert "Mon 15 Mar 2027, 10:00" in page and "Claire Robson" in page
    assert _shift(app, salon.amelia, 0).starts_at == time(9)
    # The confirmation page carries the form and the appointments seen; confirming saves.
    accepted = re.search(rf'name="shift-{monday.id}-accepted" value="([^"]*)"', page).group(1)
    assert accepted == str(booked)
    assert admin.post(f"/admin/rota/shifts/{monday.id}", {**form, f"shift-{monday.id}-accepted": accepted}).status_code == 302
    assert _shift(app, salon.amelia, 0).starts_at == time(12)
    [(action, changes)] = _changes(app, "working_hours")
    assert action == "updated" and changes == {"starts_at": ["09:00", "12:00"]}
    attention = page_text(admin.client.get("/admin/rota/attention"))
    assert "Claire Robson" in attention and "Outside the therapist's hours" in attention


def test_a_stale_shift_form_says_so_and_keeps_the_typed_values(app, admin, salon):
    monday = _shift(app, salon.daniel, 0)
    seen = _seen(monday)
    with app.app_context():  # someone else edits the row meanwhile
        db.session.get(WorkingHours, monday.id).ends_at = time(16)
        db.session.commit()
    form = {f"shift-{monday.id}-weekday": "0", f"shift-{monday.id}-location_id": str(salon.city),
            f"shift-{monday.id}-starts_at": "10:00", f"shift-{monday.id}-ends_at": "17:00",
            f"shift-{monday.id}-seen": seen}
    response = admin.post(f"/admin/rota/shifts/{monday.id}", form)
    page = page_text(response)
    assert response.status_code == 409 and "Someone else changed this shift" in page and "09:00-16:00" in page
    assert 'value="10:00"' in page  # what was typed is still there
    assert _shift(app, salon.daniel, 0).starts_at == time(9)
    # Saving again (the page now carries the current version) applies it.
    new_seen = re.search(rf'name="shift-{monday.id}-seen" type="hidden" value="([^"]*)"', page) or \
        re.search(rf'name="shift-{monday.id}-seen" value="([^"]*)"', page)
    form[f"shift-{monday.id}-seen"] = new_seen.group(1)
    assert admin.post(f"/admin/rota/shifts/{monday.id}", form).status_code == 302
    assert _shift(app, salon.daniel, 0).starts_at == time(10)


def test_removing_a_shift_asks_first_without_javascript(app, admin, salon):
    saturday = _shift(app, salon.daniel, 5)
    asked = admin.post(f"/admin/rota/shifts/{saturday.id}/remove", {"seen": _seen(saturday)})
    assert asked.status_code == 200 and "Remove this shift?" in page_text(asked)
    assert len(_rows(app, WorkingHours, therapist_id=salon.daniel)) == 6
    done = admin.post(f"/admin/rota/shifts/{saturday.id}/remove", {"seen": _seen(saturday), "confirmed": "1"})
    assert done.status_code == 302 and len(_rows(app, WorkingHours, therapist_id=salon.daniel)) == 5
    [(action, changes)] = _changes(app, "working_hours")
    assert action == "removed" and changes["weekday"] == ["Saturday", None]


def test_the_therapist_page_offers_htmx_confirmation_for_destructive_actions(admin, salon):
    page = page_text(admin.client.get(f"/admin/rota/therapists/{salon.amelia}"))
    assert page.count("hx-confirm=") >= 3 and '"confirmed": "1"' in page
    assert 'hx-post="/admin/rota/therapists/%d/shifts"' % salon.amelia in page


# --- time off ---------------------------------------------------------------------------------


def _time_off_form(day: date, **extra) -> dict:
    return {"first_day": day.isoformat(), "last_day": "", "starts_at": "", "ends_at": "", "reason": "Training", **extra}


def test_a_day_off_holds_the_guard_cells_and_the_booking_page_shows_no_times(app, admin, salon, client, auth):
    response = admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", _time_off_form(MONDAY))
    assert response.status_code == 302
    [entry] = _rows(app, TimeOff, therapist_id=salon.amelia)
    assert (entry.starts_at, entry.ends_at) == (at(MONDAY, "00:00"), at(MONDAY + timedelta(days=1), "00:00"))
    assert _time_off_cells(app, entry.id) == 96  # a whole GMT day of 15-minute cells
    [(action, changes)] = _changes(app, "time_off")
    assert action == "created" and changes["reason"] == [None, "Training"]
    auth.logout()
    assert auth.login("client@example.com").status_code == 302
    html = client.get(f"/book?service={salon.back}&location={salon.city}&therapist={salon.amelia}&day={MONDAY}")
    assert at(MONDAY, "10:00") not in offered_times(html.get_data(as_text=True))
    refused = auth.post("/book", booking_form(salon, at(MONDAY, "10:00")))
    assert refused.status_code == 422 and "Amelia Hart is away then" in page_text(refused)


def test_the_guard_check_is_still_clean_with_time_off_cells(app, admin, salon, booked):
    admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", _time_off_form(MONDAY + timedelta(days=1)))
    with app.app_context():
        assert integrity.check().ok


def test_a_day_off_on_the_spring_clock_change_is_23_hours(app, admin, salon):
    assert admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", _time_off_form(SPRING_SUNDAY)).status_code == 302
    [entry] = _rows(app, TimeOff, therapist_id=salon.amelia)
    assert entry.ends_at - entry.starts_at == timedelta(hours=23)
    assert _time_off_cells(app, entry.id) == 92


def test_part_of_a_day_in_the_skipped_hour_is_refused_on_its_field(app, admin, salon):
    response = admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off",
                          _time_off_form(SPRING_SUNDAY, starts_at="01:30", ends_at="04:00"))
    assert response.status_code == 422 and "clocks go forward" in page_text(response)
    assert _rows(app, TimeOff) == []


def test_overlapping_time_off_is_refused(app, admin, salon):
    admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", _time_off_form(MONDAY))
    response = admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off",
                          _time_off_form(MONDAY, starts_at="12:00", ends_at="13:00"))
    assert response.status_code == 422 and "overlaps time off already entered" in page_text(response)
    assert len(_rows(app, TimeOff)) == 1


def test_time_off_over_a_booking_is_refused_with_the_list_then_confirmed(app, admin, salon, booked):
    form = _time_off_form(MONDAY, starts_at="09:00", ends_at="12:00")
    response = admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", form)
    page = page_text(response)
    assert response.status_code == 409 and "1 booked appointment falls in this time off" in page
    assert "Mon 15 Mar 2027, 10:00" in page and "Claire Robson" in page
    assert _rows(app, TimeOff) == []
    accepted = re.search(r'name="accepted" value="([^"]*)"', page).group(1)
    assert accepted == str(booked)
    confirmed = admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", {**form, "accepted": accepted})
    assert confirmed.status_code == 302 and confirmed.location == "/admin/rota/attention"
    [entry] = _rows(app, TimeOff)
    # The appointment keeps its cells (10:00-11:00 with cleaning); the time off holds the rest.
    assert len(held(app, booked)) == 4 and _time_off_cells(app, entry.id) == 12 - 4
    attention = page_text(admin.client.get("/admin/rota/attention"))
    assert "Claire Robson" in attention and "In the therapist's time off" in attention


def test_a_booking_made_after_the_list_was_shown_is_not_confirmed_by_it(app, admin, salon, booked, make_user):
    form = _time_off_form(MONDAY, starts_at="09:00", ends_at="13:00", accepted=str(booked))
    other = make_user("other@example.com", "client", "Olivia Other")
    later = add_appointment(app, other.id, salon.amelia, salon.city, salon.back, at(MONDAY, "12:00"))
    response = admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", form)
    page = page_text(response)
    assert response.status_code == 409 and "2 booked appointments fall" in page and "Olivia Other" in page
    assert _rows(app, TimeOff) == [] and held(app, later)


def _confirmed_day_off(app, admin, salon, booked):
    form = _time_off_form(MONDAY, accepted=str(booked))
    assert admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", form).status_code == 302


def test_moving_a_stranded_appointment_to_another_therapist(app, admin, salon, booked):
    _confirmed_day_off(app, admin, salon, booked)
    page = page_text(admin.client.get("/admin/rota/attention"))
    # Daniel works at City Centre then; Sofia only at Gosforth.
    assert f'name="therapist" value="{salon.daniel}"' in page and f'value="{salon.sofia}"' not in page
    sequence = _rows(app, Appointment, id=booked)[0].sequence
    response = admin.post(f"/admin/rota/appointments/{booked}/reassign",
                          {"therapist": str(salon.daniel), "sequence": str(sequence)})
    assert response.status_code == 302
    [moved] = _rows(app, Appointment, id=booked)
    assert moved.therapist_id == salon.daniel and moved.starts_at == at(MONDAY, "10:00")
    with app.app_context():
        assert {row.therapist_id for row in db.session.scalars(
            select(AppointmentSlot).where(AppointmentSlot.appointment_id == booked))} == {salon.daniel}
    [mail] = _mails(app)
    assert mail["To"] == "client@example.com" and mail["Subject"].startswith("New therapist for Monday 15 March")
    assert "booked you in with Daniel Okafor instead" in mail.get_body(("plain",)).get_content()
    [(action, changes)] = _changes(app, "appointment")
    assert action == "reassigned" and changes == {"therapist": ["Amelia Hart", "Daniel Okafor"]}
    assert f'id="attention-{booked}"' not in page_text(admin.client.get("/admin/rota/attention"))


def test_a_pregnant_client_is_offered_only_pregnancy_trained_therapists(app, admin, salon, booked, monkeypatch):
    _confirmed_day_off(app, admin, salon, booked)
    facts_gate(monkeypatch, HealthFacts(conditions=frozenset({"pregnancy"})))
    page = page_text(admin.client.get("/admin/rota/attention"))
    assert "No other therapist at Newcastle City Centre can take it then" in page
    assert "pregnan" not in page.lower()  # no health detail on the admin's page
    response = admin.post(f"/admin/rota/appointments/{booked}/reassign", {"therapist": str(salon.daniel)})
    assert response.status_code == 409 and "can't take this appointment" in page_text(response)
    assert "pregnan" not in page_text(response).lower()
    assert _rows(app, Appointment, id=booked)[0].therapist_id == salon.amelia and _mails(app) == []


def _qualifications(admin, salon, therapist_id: int, name: str, *qualification_ids: int) -> None:
    form = {"display_name": name, "bio": "", "qualifications": [str(q) for q in qualification_ids],
            "services": [str(salon.back), str(salon.full)]}
    assert admin.post(f"/admin/staff/therapists/{therapist_id}", form).status_code == 302


def _profile(app, client_id: int, condition: str, **fields) -> None:
    """The client saves their profile (consent ticked); the re-check follows the commit."""
    from portal.accounts.models import User
    from portal.profile import services as profile_services
    from portal.profile.content import ConditionEntry, ProfileContent

    with app.app_context():
        profile_services.save_profile(db.session.get(User, client_id),
                                      ProfileContent(conditions={condition: ConditionEntry()}, **fields),
                                      consent_given=True)
        db.session.commit()


def test_bookings_held_when_their_therapist_loses_a_qualification_need_attention(app, admin, users, salon, booked):
    """A pregnant client's booking with Amelia, whose pregnancy training is taken away: held by
    the re-check, listed here without health detail, and moved to a trained therapist (which
    lifts the hold). A hold another therapist cannot lift (not now) is not the rota's to list."""
    from portal.salon.models import PREGNANCY_MASSAGE, Qualification

    with app.app_context():
        trained = db.session.scalar(select(Qualification.id).where(Qualification.slug == PREGNANCY_MASSAGE))
    _profile(app, users["client"].id, "pregnancy", due_date=MONDAY + timedelta(weeks=20))
    _qualifications(admin, salon, salon.daniel, "Daniel Okafor", trained)  # now he could take it
    assert f'id="attention-{booked}"' not in page_text(admin.client.get("/admin/rota/attention"))
    _qualifications(admin, salon, salon.amelia, "Amelia Hart")  # her training taken away
    page = page_text(admin.client.get("/admin/rota/attention"))
    assert f'id="attention-{booked}"' in page and "Health check needed" in page
    assert "pregnan" not in page.lower()  # no health detail on the admin's page
    assert f'name="therapist" value="{salon.daniel}"' in page
    sequence = _rows(app, Appointment, id=booked)[0].sequence
    response = admin.post(f"/admin/rota/appointments/{booked}/reassign",
                          {"therapist": str(salon.daniel), "sequence": str(sequence)})
    assert response.status_code == 302
    [moved] = _rows(app, Appointment, id=booked)
    assert (moved.therapist_id, moved.health_hold) == (salon.daniel, None)
    assert f'id="attention-{booked}"' not in page_text(admin.client.get("/admin/rota/attention"))
    # Not now: no therapist would do, so it waits for the client (their dashboard says what to do).
    _profile(app, users["client"].id, "severe_sunburn")
    assert _rows(app, Appointment, id=booked)[0].health_hold is not None
    assert f'id="attention-{booked}"' not in page_text(admin.client.get("/admin/rota/attention"))


def _gives(admin, salon, therapist_id: int, name: str, services: list[int], version: int):
    """The admin saves the therapist's page with these massages ticked (pregnancy training kept)."""
    from portal.salon.models import PREGNANCY_MASSAGE, Qualification

    with admin.client.application.app_context():
        trained = db.session.scalar(select(Qualification.id).where(Qualification.slug == PREGNANCY_MASSAGE))
    form = {"display_name": name, "bio": "", "qualifications": [str(trained)],
            "services": [str(s) for s in services], "version": str(version)}
    response = admin.post(f"/admin/staff/therapists/{therapist_id}", form)
    assert response.status_code == 302
    return page_text(admin.client.get(response.location))


def test_bookings_of_a_massage_their_therapist_no_longer_gives_need_attention(app, admin, users, salon, booked,
                                                                             booking_clock):
    """Amelia's back massage is unticked on her page: her upcoming bookings of it are listed (read
    from what she gives now, nothing stored) with therapists who give it and are free then; her
    past and cancelled ones, and her bookings of a massage she still gives, are not. Ticking it
    again, or moving the booking to Daniel, takes it off the list."""
    claire = users["client"].id
    past = add_appointment(app, claire, salon.amelia, salon.city, salon.back, booking_clock.now - timedelta(days=3))
    cancelled = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(MONDAY + timedelta(days=1), "10:00"))
    with app.app_context():
        db.session.get(Appointment, cancelled).status = "cancelled"
        db.session.commit()
    still_given = add_appointment(app, claire, salon.amelia, salon.city, salon.full, at(MONDAY + timedelta(days=2), "10:00"))

    def listed() -> set[int]:
        page = page_text(admin.client.get("/admin/rota/attention"))
        return {a for a in (booked, past, cancelled, still_given) if f'id="attention-{a}"' in page}

    assert listed() == set()
    told = _gives(admin, salon, salon.amelia, "Amelia Hart", [salon.full], version=1)
    assert listed() == {booked}
    assert "Amelia Hart has 1 upcoming booking of a massage they no longer give" in told
    page = page_text(admin.client.get("/admin/rota/attention"))
    assert "Amelia Hart no longer gives this massage" in page
    assert f'name="therapist" value="{salon.daniel}"' in page
    assert f'name="therapist" value="{salon.amelia}"' not in page
    _gives(admin, salon, salon.amelia, "Amelia Hart", [salon.back, salon.full], version=2)  # ticked again
    assert listed() == set()
    _gives(admin, salon, salon.amelia, "Amelia Hart", [salon.full], version=3)
    assert listed() == {booked}
    sequence = _rows(app, Appointment, id=booked)[0].sequence
    response = admin.post(f"/admin/rota/appointments/{booked}/reassign",
                          {"therapist": str(salon.daniel), "sequence": str(sequence)})
    assert response.status_code == 302
    assert _rows(app, Appointment, id=booked)[0].therapist_id == salon.daniel
    assert listed() == set()


def test_a_client_is_not_offered_a_therapist_for_a_massage_they_no_longer_give(app, admin, auth, users, salon,
                                                                               booked, booking_clock):
    """Claire's back massage with Amelia, who no longer gives it: her appointment and move pages
    answer (no error), the move page says why and offers Daniel, not Amelia; a move kept with
    Amelia is refused; rebooking her last back massage with Amelia offers no time."""
    past = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                           booking_clock.now - timedelta(days=3))
    _gives(admin, salon, salon.amelia, "Amelia Hart", [salon.full], version=1)
    auth.logout()
    assert auth.login().status_code == 302
    assert auth.client.get(f"/appointments/{booked}").status_code == 200
    move = auth.client.get(f"/appointments/{booked}/move?day={MONDAY.isoformat()}")
    page = page_text(move)
    assert move.status_code == 200 and "Amelia Hart no longer gives this massage." in page
    assert "Your health profile" not in page
    assert f'name="therapist" value="{salon.daniel}"' in page
    assert f'name="therapist" value="{salon.amelia}"' not in page
    sequence = _rows(app, Appointment, id=booked)[0].sequence
    kept = auth.post(f"/appointments/{booked}/move", {"starts_at": at(MONDAY, "11:00").isoformat(),
                                                      "sequence": str(sequence)})
    assert kept.status_code == 422 and "doesn't give the Back" in page_text(kept)
    assert _rows(app, Appointment, id=booked)[0].starts_at == at(MONDAY, "10:00")
    rebook = auth.client.get(f"/appointments/{past}/rebook")
    assert rebook.status_code == 200 and "Amelia Hart no longer gives the Back" in page_text(rebook)
    assert 'name="starts_at"' not in page_text(rebook)


def test_cancelling_a_stranded_appointment_asks_then_emails_the_client(app, admin, salon, booked, booking_clock):
    _confirmed_day_off(app, admin, salon, booked)
    booking_clock.now = at(MONDAY, "10:00") - timedelta(hours=3)  # inside the client's window: the salon still can
    asked = admin.post(f"/admin/rota/appointments/{booked}/cancel", {"sequence": "0"})
    assert asked.status_code == 200 and "Cancel this appointment?" in page_text(asked)
    assert _rows(app, Appointment, id=booked)[0].status == "booked"
    done = admin.post(f"/admin/rota/appointments/{booked}/cancel", {"sequence": "0", "confirmed": "1"})
    assert done.status_code == 302
    assert _rows(app, Appointment, id=booked)[0].status == "cancelled" and held(app, booked) == []
    [mail] = _mails(app)
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"].startswith("Cancelled: Monday 15 March 2027 at 10:00")
    assert "we have had to cancel your massage" in text
    assert not re.search(r"pregnan|condition|health|injur", text, re.IGNORECASE)
    [(action, changes)] = _changes(app, "appointment")
    assert action == "cancelled" and changes == {"status": ["booked", "cancelled"]}
    # Sent again (a double-click): nothing more happens, no second email.
    assert admin.post(f"/admin/rota/appointments/{booked}/cancel", {"sequence": "0", "confirmed": "1"}).status_code == 302
    assert len(_mails(app)) == 1 and len(_changes(app, "appointment")) == 1


def test_a_stale_appointment_action_changes_nothing(app, admin, salon, booked):
    _confirmed_day_off(app, admin, salon, booked)
    response = admin.post(f"/admin/rota/appointments/{booked}/cancel", {"sequence": "5", "confirmed": "1"})
    assert response.status_code == 409 and "just changed" in page_text(response)
    assert _rows(app, Appointment, id=booked)[0].status == "booked"


BOOSTED = {**HTMX, "HX-Boosted": "true"}  # a form with hx-boost and hx-confirm (rota/_macros.confirm_attrs)


def test_with_htmx_a_removal_refused_for_its_bookings_and_a_stale_cancel_still_reach_the_admin(app, admin, salon,
                                                                                             booked):
    """htmx swaps no 4xx answer: the browser's "Remove?" sent confirmed=1 and the click did nothing
    (the 409 list of bookings never showed); the same for a cancel someone else changed first."""
    monday = _shift(app, salon.amelia, 0)
    refused = admin.post(f"/admin/rota/shifts/{monday.id}/remove", {"seen": _seen(monday), "confirmed": "1"},
                         headers=BOOSTED)
    page = page_text(refused)
    assert refused.status_code == 200 and "Remove these hours?" in page and "Claire Robson" in page
    assert "Remove the shift anyway" in page and len(_rows(app, WorkingHours, therapist_id=salon.amelia)) == 7
    _confirmed_day_off(app, admin, salon, booked)
    stale = admin.post(f"/admin/rota/appointments/{booked}/cancel", {"sequence": "5", "confirmed": "1"},
                       headers=BOOSTED)
    assert stale.status_code == 200 and "just changed" in page_text(stale)
    assert _rows(app, Appointment, id=booked)[0].status == "booked"


def test_unknown_rows_are_not_found(admin):
    assert admin.client.get("/admin/rota/therapists/99999").status_code == 404
    assert admin.post("/admin/rota/appointments/99999/reassign", {"therapist": "1"}).status_code == 404
    assert admin.post("/admin/rota/appointments/99999/cancel").status_code == 404


# --- inactive therapists -------------------------------------------------------------------------


def test_an_inactive_therapist_keeps_history_takes_no_bookings_and_is_listed(app, admin, salon, booked, auth, client):
    asked = admin.post(f"/admin/rota/therapists/{salon.amelia}/active", {"active": "0", "seen": "1"})
    assert asked.status_code == 200 and "Mark Amelia Hart inactive?" in page_text(asked)
    done = admin.post(f"/admin/rota/therapists/{salon.amelia}/active", {"active": "0", "seen": "1", "confirmed": "1"})
    assert done.status_code == 302 and done.location == "/admin/rota/attention"
    assert _rows(app, Therapist, id=salon.amelia)[0].active is False
    assert _rows(app, Appointment, id=booked)[0].status == "booked"  # history and bookings kept
    [(action, changes)] = _changes(app, "therapist")
    assert action == "updated" and changes == {"active": [True, False]}
    attention = page_text(admin.client.get("/admin/rota/attention"))
    assert "Claire Robson" in attention and "Therapist inactive" in attention
    # A second, stale toggle from an old page changes nothing and says so.
    stale = admin.post(f"/admin/rota/therapists/{salon.amelia}/active", {"active": "0", "seen": "1", "confirmed": "1"})
    assert stale.status_code == 302 and len(_changes(app, "therapist")) == 1
    auth.logout()
    assert auth.login("client@example.com").status_code == 302
    page = page_text(client.get(f"/book?service={salon.back}&location={salon.city}&day={MONDAY}"))
    assert "Amelia Hart" not in page
    refused = auth.post("/book", booking_form(salon, at(MONDAY, "14:00")))
    assert refused.status_code == 422 and "doesn't work at that salon" in page_text(refused)


# --- settings and a therapist's own time off ---------------------------------------------------


def test_therapists_add_their_own_time_off_only_when_the_salon_allows(app, auth, users, salon, booking_clock):
    assert auth.login("therapist@example.com").status_code == 302
    page = page_text(auth.client.get("/therapist/time-off"))
    assert "please ask the salon admin" in page
    assert auth.post("/therapist/time-off", _time_off_form(MONDAY)).status_code == 403
    auth.logout()
    assert auth.login("admin@example.com").status_code == 302
    page = page_text(auth.client.get("/admin/rota/settings"))
    assert auth.post("/admin/rota/settings", {"therapists_manage_own_time_off": "y", "seen": "0"}).status_code == 302
    [(action, changes)] = _changes(app, "salon_setting")
    assert changes == {"therapists_manage_own_time_off": [False, True]}
    auth.logout()
    assert auth.login("therapist@example.com").status_code == 302
    assert auth.post("/therapist/time-off", _time_off_form(MONDAY)).status_code == 302
    [entry] = _rows(app, TimeOff)
    assert entry.therapist_id == salon.amelia and _time_off_cells(app, entry.id) == 96
    [(action, _)] = _changes(app, "time_off")
    assert action == "created"
    # Removing: asked first, then gone.
    assert auth.post(f"/therapist/time-off/{entry.id}/remove").status_code == 200
    assert auth.post(f"/therapist/time-off/{entry.id}/remove", {"confirmed": "1"}).status_code == 302
    assert _rows(app, TimeOff) == [] and _time_off_cells(app, entry.id) == 0


def test_a_therapist_never_touches_anyone_elses_time_off(app, auth, users, salon, booking_clock):
    from portal.booking import time_off
    from portal.salon import settings

    with app.app_context():
        settings.set_bool(settings.THERAPISTS_MANAGE_OWN_TIME_OFF, True)
        theirs = time_off.add(salon.daniel, at(MONDAY, "09:00"), at(MONDAY, "12:00")).id
        db.session.commit()
    assert auth.login("therapist@example.com").status_code == 302
    assert "Okafor" not in page_text(auth.client.get("/therapist/time-off"))
    assert auth.post(f"/therapist/time-off/{theirs}/remove", {"confirmed": "1"}).status_code == 404
    assert len(_rows(app, TimeOff)) == 1


def test_a_therapist_cannot_take_time_off_over_their_bookings(app, auth, users, salon, booked, booking_clock):
    from portal.salon import settings

    with app.app_context():
        settings.set_bool(settings.THERAPISTS_MANAGE_OWN_TIME_OFF, True)
        db.session.commit()
    assert auth.login("therapist@example.com").status_code == 302
    response = auth.post("/therapist/time-off", _time_off_form(MONDAY, accepted=str(booked)))
    page = page_text(response)
    assert response.status_code == 409 and "ask the salon to move them first" in page and "Claire Robson" in page
    assert _rows(app, TimeOff) == []


def test_a_stale_settings_form_changes_nothing(app, admin):
    from portal.salon import settings

    with app.app_context():
        settings.set_bool(settings.THERAPISTS_MANAGE_OWN_TIME_OFF, True)
        db.session.commit()
    response = admin.post("/admin/rota/settings", {"seen": "0"})  # drawn while it was off, untick = off
    assert response.status_code == 409 and "Someone else changed this setting" in page_text(response)
    with app.app_context():
        assert settings.therapists_manage_own_time_off() is True


def test_a_stranded_appointment_of_a_client_without_email_asks_the_admin_to_phone_them(app, admin, salon,
                                                                                    make_user):
    """Reception's phone clients have no address: Needs attention gives their number, and moving
    or cancelling says to phone them, never that they were emailed."""
    assert admin.post("/admin/clients/new", {"name": "Mary Dodds", "phone": "0191 498 0123"}).status_code == 302
    with app.app_context():
        mary = db.session.scalar(select(User).where(User.name == "Mary Dodds")).id
    first = add_appointment(app, mary, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    second = add_appointment(app, mary, salon.amelia, salon.city, salon.back, at(MONDAY, "12:00"))
    form = _time_off_form(MONDAY, accepted=f"{first},{second}")
    assert admin.post(f"/admin/rota/therapists/{salon.amelia}/time-off", form).status_code == 302
    page = page_text(admin.client.get("/admin/rota/attention"))
    assert "Mary Dodds has no email address: phone them on 0191 498 0123" in page
    assert "Cancel and email the client" not in page

    phone_them = "Mary Dodds has no email address, so nothing was emailed: please phone them on 0191 498 0123"
    response = admin.post(f"/admin/rota/appointments/{first}/reassign",
                          {"therapist": str(salon.daniel), "sequence": "0"})
    assert response.status_code == 302
    assert f"{phone_them} with the change." in page_text(admin.client.get(response.location))
    asked = page_text(admin.post(f"/admin/rota/appointments/{second}/cancel", {"sequence": "0"}))
    assert "Mary Dodds has no email address: please phone them to say the salon had to cancel." in asked
    assert "We will email" not in asked
    response = admin.post(f"/admin/rota/appointments/{second}/cancel", {"sequence": "0", "confirmed": "1"})
    assert response.status_code == 302
    page = page_text(admin.client.get(response.location))
    assert f"{phone_them} with the cancellation." in page and "We have emailed" not in page
    assert _mails(app) == []
