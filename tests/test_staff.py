"""Back office, people: staff invitations, therapists' details and services, clients by phone."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from portal.accounts import invitations
from portal.accounts.models import User
from portal.accounts.tokens import INVITE_SALT, set_password_token
from portal.accounts.phones import PhoneProblem, display_uk_phone, normalise_uk_phone
from portal.audit.models import AdminChange
from portal.booking import notify
from portal.booking.models import Appointment
from portal.extensions import db
from portal.guidance.rules import CODE_NEEDS_PREGNANCY_TRAINED
from portal.mail import outbox
from portal.salon.models import PREGNANCY_MASSAGE, Qualification, Service, Therapist
from tests.booking_support import MONDAY, add_appointment, at, booking_form, page_text
from tests.conftest import PASSWORD, AuthActions
from tests.racing import booking_paused_beside, logged_in_clients, race

NEW_PASSWORD = "copper-kettle-meadow-42"


def link_in(message, path_fragment: str) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"http://portal\.test(\S*" + re.escape(path_fragment) + r"\S*)", body)
    assert match, f"no {path_fragment} link in: {body}"
    return match.group(1)


@pytest.fixture
def admin(auth, users):
    assert auth.login("admin@example.com").status_code == 302
    return auth


def invite(admin, name="Grace Liddell", email="grace@example.com", role="therapist"):
    return admin.post("/admin/staff/invite", {"name": name, "email": email, "role": role})


def sent(app) -> list:
    with app.app_context():
        return list(outbox())


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def changes(subject_type: str | None = None) -> list[AdminChange]:
    query = select(AdminChange).order_by(AdminChange.id)
    if subject_type:
        query = query.where(AdminChange.subject_type == subject_type)
    return list(db.session.scalars(query))


def accept(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, "password": password, "confirm": password})


# --- inviting staff ----------------------------------------------------------------------


def test_inviting_a_therapist_makes_their_account_and_emails_a_link(app, client, admin, users):
    response = invite(admin, email="  Grace@Example.com ")
    assert response.status_code == 302 and "/admin/staff/therapists/" in response.location
    with app.app_context():
        grace = user_by_email("grace@example.com")
        assert grace.role == "therapist" and grace.email_confirmed_at is None
        assert grace.password_hash.startswith("$argon2id$")  # a hash of a secret nobody was told
        therapist = db.session.scalar(select(Therapist).where(Therapist.user_id == grace.id))
        assert therapist.display_name == "Grace Liddell" and therapist.services == []
        [message] = sent(app)
        recorded = [(c.action, c.subject_type, c.subject_id, c.changes) for c in changes()]
        assert recorded == [
            ("invited", "user", grace.id, {"name": [None, "Grace Liddell"], "email": [None, "grace@example.com"],
                                           "role": [None, "therapist"]}),
            ("created", "therapist", therapist.id, {"display_name": [None, "Grace Liddell"],
                                                    "login": [None, "grace@example.com"]}),
        ]
        assert all(c.actor_id == users["admin"].id for c in changes())
    assert message["To"] == "grace@example.com"
    assert "invited" in message["Subject"]
    path = link_in(message, "/account/welcome/")
    html = message.get_body(("html",)).get_content()
    assert "http://portal.test" + path in html and "7 days" in html
    # The token is in the email only, never in the activity log.
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        assert all(token not in str(c.changes) for c in changes())
    # No password works before the invitation is accepted.
    assert AuthActions(app.test_client()).login("grace@example.com", PASSWORD).status_code == 200


def test_accepting_the_invitation_sets_the_password_logs_in_and_lands_home(app, client, admin):
    invite(admin)
    path = link_in(sent(app)[0], "/account/welcome/")
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Welcome, Grace" in page.get_data(as_text=True)
    response = accept(visitor, path)
    assert response.status_code == 302 and response.location == "/therapist"
    assert visitor.get("/therapist").status_code == 200  # logged in
    with app.app_context():
        grace = user_by_email("grace@example.com")
        assert grace.email_confirmed_at is not None
    fresh = AuthActions(app.test_client())
    assert fresh.login("grace@example.com", NEW_PASSWORD).status_code == 302


def test_an_invitation_works_once(app, client, admin):
    invite(admin)
    path = link_in(sent(app)[0], "/account/welcome/")
    visitor = app.test_client()
    assert accept(visitor, path).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 400
    text = page_text(again)
    assert "That link no longer works" in text and "ask the salon to send you a new invitation" in text
    # A replayed form post is refused too, and the password stays the one chosen.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      visitor.get("/account/password").get_data(as_text=True)).group(1)
    replay = visitor.post(path, data={"csrf_token": token, "password": "another-pass-phrase-9",
                                      "confirm": "another-pass-phrase-9"})
    assert replay.status_code == 400
    assert AuthActions(app.test_client()).login("grace@example.com", NEW_PASSWORD).status_code == 302


def test_an_invitation_expires(app, client, admin, monkeypatch):
    invite(admin)
    path = link_in(sent(app)[0], "/account/welcome/")
    week = app.config["INVITATION_MAX_AGE"]
    real = time.time()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real) + week - 60)
    assert app.test_client().get(path).status_code == 200  # a minute before it runs out
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real) + week + 60)
    late = app.test_client().get(path)
    assert late.status_code == 400 and "That link no longer works" in page_text(late)


def test_a_reset_link_is_not_an_invitation_and_an_invitation_is_not_a_reset(app, client, admin):
    invite(admin)
    path = link_in(sent(app)[0], "/account/welcome/")
    token = path.rsplit("/", 1)[1]
    assert app.test_client().get(f"/account/reset-password/{token}").status_code == 400


def test_inviting_an_address_that_has_an_account_creates_nothing(app, client, admin, users):
    response = invite(admin, name="Claire Again", email="CLIENT@example.com ")
    assert response.status_code == 422
    assert "That email address already has an account; nothing was created." in page_text(response)
    assert 'value="Claire Again"' in response.get_data(as_text=True)  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
        assert db.session.scalar(select(func.count()).select_from(Therapist)) == 0
        assert changes() == []
    assert sent(app) == []


def test_inviting_an_admin_makes_no_therapist_and_lands_them_on_the_admin_page(app, client, admin):
    response = invite(admin, name="Iona Baird", email="iona@example.com", role="admin")
    assert response.status_code == 302 and response.location == "/admin/staff"
    with app.app_context():
        assert user_by_email("iona@example.com").role == "admin"
        assert db.session.scalar(select(func.count()).select_from(Therapist)) == 0
    assert "run" in sent(app)[0]["Subject"]
    visitor = app.test_client()
    assert accept(visitor, link_in(sent(app)[0], "/account/welcome/")).location == "/admin"


@pytest.mark.parametrize("fields, message", [
    ({"name": "", "email": "x@example.com", "role": "therapist"}, "Please enter their name."),
    ({"name": "X Y", "email": "not-an-address", "role": "therapist"}, "Please enter an email address like"),
    ({"name": "X Y", "email": "x@example.com", "role": "client"}, "Please choose from the options shown."),
])
def test_the_invitation_form_says_what_is_wrong(app, client, admin, fields, message):
    response = admin.post("/admin/staff/invite", fields)
    assert response.status_code == 422 and message in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
    assert sent(app) == []


def test_a_pending_invitation_can_be_sent_again_until_it_is_accepted(app, client, admin):
    invite(admin)
    with app.app_context():
        grace_id = user_by_email("grace@example.com").id
    assert "has not chosen a password yet" in page_text(client.get("/admin/staff"))
    response = admin.post(f"/admin/staff/{grace_id}/resend")
    assert response.status_code == 302
    assert [m["To"] for m in sent(app)] == ["grace@example.com", "grace@example.com"]
    with app.app_context():
        assert changes()[-1].action == "invitation resent"
    accept(app.test_client(), link_in(sent(app)[1], "/account/welcome/"))
    # Accepted: the first link died with it, and there is nothing left to resend.
    assert app.test_client().get(link_in(sent(app)[0], "/account/welcome/")).status_code == 400
    assert admin.post(f"/admin/staff/{grace_id}/resend").status_code == 404


def test_clients_and_therapists_cannot_invite(app, client, auth, users):
    auth.login("therapist@example.com")
    assert auth.post("/admin/staff/invite", {"name": "Sneaky", "email": "s@example.com",
                                             "role": "admin"}).status_code == 403
    with app.app_context():
        assert user_by_email("s@example.com") is None


def therapist_choices(response) -> str:
    return re.search(r'<select[^>]*name="therapist".*?</select>', response.get_data(as_text=True), re.S).group(0)


# --- therapists' details and the services they give ------------------------------------------


def therapist_form(display_name="Daniel Okafor", bio="Sports massage.", qualifications=(), services=(), version=1):
    return {"display_name": display_name, "bio": bio, "version": str(version),
            "qualifications": [str(q) for q in qualifications], "services": [str(s) for s in services]}


def test_editing_a_therapist_records_old_and_new(app, client, admin, salon):
    with app.app_context():
        trained = db.session.scalar(select(Qualification).where(Qualification.slug == PREGNANCY_MASSAGE))
        trained_id = trained.id
    response = admin.post(f"/admin/staff/therapists/{salon.daniel}",
                          therapist_form("Dan Okafor", "Runners and  cyclists.\nSee you soon.",
                                         [trained_id], [salon.back]))
    assert response.status_code == 302 and response.location == "/admin/staff"
    with app.app_context():
        daniel = db.session.get(Therapist, salon.daniel)
        assert daniel.display_name == "Dan Okafor" and daniel.bio == "Runners and  cyclists.\nSee you soon."
        assert daniel.has_qualification(PREGNANCY_MASSAGE)
        assert [s.id for s in daniel.services] == [salon.back]
        [entry] = changes("therapist")
        assert entry.action == "updated" and entry.subject_id == salon.daniel
        assert entry.changes == {
            "display_name": ["Daniel Okafor", "Dan Okafor"],
            "bio": ["", "Runners and  cyclists.\nSee you soon."],
            "qualifications": ["", "Pregnancy massage"],
            "services": ["Back, Neck & Shoulder Massage, Full Body Massage, Hot Stone Massage, "
                         "Indian Head Massage (includes upper back)", "Back, Neck & Shoulder Massage"],
        }


def test_taking_a_qualification_away_is_recorded(app, client, admin, salon):
    services = [salon.back, salon.full]
    admin.post(f"/admin/staff/therapists/{salon.amelia}", therapist_form("Amelia Hart", "", [], services))
    with app.app_context():
        assert not db.session.get(Therapist, salon.amelia).has_qualification(PREGNANCY_MASSAGE)
        [entry] = changes("therapist")
        assert entry.changes["qualifications"] == ["Pregnancy massage", ""]


def _pregnant(app, client_id: int) -> None:
    from portal.profile import services as profile_services
    from portal.profile.content import ConditionEntry, ProfileContent

    with app.app_context():
        content = ProfileContent(conditions={"pregnancy": ConditionEntry()},
                                 due_date=MONDAY + timedelta(weeks=20))
        profile_services.save_profile(db.session.get(User, client_id), content, consent_given=True)
        db.session.commit()  # the request's commit: the profile's re-check listens for it


def _holds(app, *appointment_ids: int) -> list[str | None]:
    with app.app_context():
        return [db.session.get(Appointment, a).health_hold for a in appointment_ids]


def test_a_qualification_taken_away_or_given_re_checks_the_therapists_bookings(app, client, booking_clock, admin,
                                                                              users, salon, make_user):
    """A pregnant client's bookings with Amelia are re-checked when her pregnancy training is
    taken away, as after a profile change: held, and lifted again when it is given back. What has
    passed stays as it was, and so does another client's booking (no profile: the gate reads
    nothing of the therapist for them, so the change does not ask them the screening tick)."""
    claire, other = users["client"].id, make_user("other@example.com", "client", "Olivia Other").id
    first = add_appointment(app, claire, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    second = add_appointment(app, claire, salon.amelia, salon.city, salon.full, at(MONDAY + timedelta(days=1), "10:00"))
    past = add_appointment(app, claire, salon.amelia, salon.city, salon.back, booking_clock.now - timedelta(days=3))
    theirs = add_appointment(app, other, salon.amelia, salon.city, salon.back, at(MONDAY, "14:00"))
    _pregnant(app, claire)
    assert _holds(app, first, second, past, theirs) == [None] * 4  # Amelia is trained
    services = [salon.back, salon.full]
    response = admin.post(f"/admin/staff/therapists/{salon.amelia}", therapist_form("Amelia Hart", "", [], services))
    assert response.status_code == 302 and response.location == "/admin/staff"
    assert _holds(app, first, second, past, theirs) == [CODE_NEEDS_PREGNANCY_TRAINED] * 2 + [None, None]
    with app.app_context():
        trained_id = db.session.scalar(select(Qualification.id).where(Qualification.slug == PREGNANCY_MASSAGE))
    admin.post(f"/admin/staff/therapists/{salon.amelia}",
               therapist_form("Amelia Hart", "", [trained_id], services, version=2))
    assert _holds(app, first, second, past, theirs) == [None] * 4


def test_only_a_change_of_qualifications_asks_for_the_re_check(app, users, salon):
    from portal import events, signals
    from portal.staff.services import update_therapist

    def re_checks() -> list[dict]:
        return [values for signal, values in events.pending() if signal is signals.therapist_qualifications_changed]

    with app.test_request_context():
        admin = db.session.get(User, users["admin"].id)
        amelia = db.session.get(Therapist, salon.amelia)
        trained = {q.id for q in amelia.qualifications}
        update_therapist(admin, salon.amelia, "Amelia H", "New bio", trained, {salon.back}, seen_version=1)
        assert re_checks() == []  # name, bio and services: nothing the health gate reads
        update_therapist(admin, salon.amelia, "Amelia H", "New bio", set(), {salon.back}, seen_version=2)
        assert re_checks() == [{"therapist_id": salon.amelia}]
        db.session.rollback()


def test_two_admins_editing_a_therapist_at_once_the_later_is_told_and_loses_nothing(app, admin, users, salon,
                                                                                    make_user):
    make_user("owner@example.com", "admin", "Olive Owner")
    owner = AuthActions(app.test_client())
    owner.login("owner@example.com", PASSWORD)
    url = f"/admin/staff/therapists/{salon.daniel}"
    for someone in (admin, owner):  # both open the form at version 1
        assert 'name="version" type="hidden" value="1"' in page_text(someone.client.get(url))
    assert owner.post(url, therapist_form("Daniel Okafor", "Runners and cyclists.", [], [salon.back])).status_code == 302
    # The admin's older form does not overwrite the owner's bio unseen: told, shown it, nothing lost.
    response = admin.post(url, therapist_form("Dan Okafor", "Sports massage.", [], [salon.back]))
    text = page_text(response)
    assert response.status_code == 409 and "Someone else saved Daniel Okafor's details" in text
    assert 'value="Dan Okafor"' in text and "Runners and cyclists." in text  # typed; saved now
    assert 'name="version" type="hidden" value="2"' in text
    with app.app_context():
        daniel = db.session.get(Therapist, salon.daniel)
        assert (daniel.display_name, daniel.bio, daniel.version) == ("Daniel Okafor", "Runners and cyclists.", 2)
        assert len(changes("therapist")) == 1
    # Saving again, having seen theirs, keeps the admin's values.
    assert admin.post(url, therapist_form("Dan Okafor", "Sports massage.", [], [salon.back], version=2)
                      ).status_code == 302
    with app.app_context():
        assert db.session.get(Therapist, salon.daniel).display_name == "Dan Okafor"


def test_admins_saving_a_therapist_and_a_salon_at_the_same_moment_save_each_once(race_app, users):
    """The version claim across real concurrent requests (threads, one connection each; on
    PostgreSQL the row lock): of four saves of forms drawn at version 1, one passes, three are told."""
    from collections import Counter

    from portal.salon.models import Location
    from tests.booking_support import seed_salon

    salon = seed_salon(race_app, users)
    racers = 4
    for url, forms in (
        (f"/admin/staff/therapists/{salon.daniel}",
         [therapist_form(f"Daniel {n}", "Sports massage.", [], [salon.back]) for n in range(racers)]),
        (f"/admin/locations/{salon.city}",
         [{"address": f"{n} Grey Street, Newcastle upon Tyne NE1", "phone": "0191 498 0123", "treatwell_url": "",
           "fresha_url": "", "booksy_url": "", "version": "1"} for n in range(racers)]),
    ):
        responses = race(logged_in_clients(race_app, ["admin@example.com"] * racers), forms, url=url)
        assert Counter(r.status_code for r in responses) == {302: 1, 409: racers - 1}, url
    with race_app.app_context():
        assert db.session.get(Therapist, salon.daniel).version == 2
        assert db.session.get(Location, salon.city).version == 2
        assert sorted(c.subject_type for c in db.session.scalars(select(AdminChange))) == ["location", "therapist"]


def _booking_beside_a_training_change(race_app, users, monkeypatch, *, pause: str):
    """Claire (pregnant) books Amelia while the admin takes Amelia's pregnancy training away
    (`tests.racing.booking_paused_beside`, paused at `pause`). Returns the booking's and the save's
    status codes and the booking's hold (None: none)."""
    from tests.booking_support import seed_salon

    salon = seed_salon(race_app, users)
    _pregnant(race_app, users["client"].id)
    (booker, booker_token), (saver, saver_token) = logged_in_clients(
        race_app, ["client@example.com", "admin@example.com"])
    booked, saved = booking_paused_beside(
        monkeypatch, (booker, booker_token, "/book", booking_form(salon, at(MONDAY, "10:00"))),
        (saver, saver_token, f"/admin/staff/therapists/{salon.amelia}",
         therapist_form("Amelia Hart", "", [], [salon.back, salon.full])), pause=pause)
    with race_app.app_context():
        holds = list(db.session.scalars(select(Appointment.health_hold)))
    return booked, saved, holds


def test_a_booking_that_passed_the_gate_and_a_training_taken_away_take_turns(race_app, users, monkeypatch):
    """The booking has checked Amelia's training and holds its locks when the admin saves: the
    save waits for the booking to commit (the therapist's row lock, which the version claim's
    UPDATE alone does not take), so the re-check after the save sees the booking and holds it."""
    booked, saved, holds = _booking_beside_a_training_change(race_app, users, monkeypatch, pause="after_checks")
    assert (booked, saved) == (302, 302)
    assert holds == [CODE_NEEDS_PREGNANCY_TRAINED]


def test_a_booking_that_read_the_training_before_it_was_taken_away_reads_it_again_under_its_lock(
        race_app, users, monkeypatch):
    """The booking read Amelia (trained) before taking any lock, and the admin's save took the
    training away and its re-check ran (finding no booking) before the booking went on: under its
    locks the booking reads her again and is refused, rather than booked unheld."""
    booked, saved, holds = _booking_beside_a_training_change(race_app, users, monkeypatch, pause="before_locks")
    assert saved == 302
    assert (booked, holds) == (403, [])


def test_a_bad_therapist_form_keeps_what_was_typed(app, client, admin, salon):
    response = admin.post(f"/admin/staff/therapists/{salon.daniel}",
                          therapist_form("", "Kept bio", [], [salon.back, 999999]))
    assert response.status_code == 422
    text = page_text(response)
    assert "Please enter the name clients see." in text and "Please choose from the options shown." in text
    assert "Kept bio" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Therapist, salon.daniel).display_name == "Daniel Okafor"
        assert changes() == []


def test_an_unknown_therapist_is_not_found(client, admin):
    assert client.get("/admin/staff/therapists/999999").status_code == 404


def test_the_booking_page_offers_a_therapist_only_for_services_they_give(app, client, auth, users, salon,
                                                                          booking_clock):
    with app.app_context():
        daniel = db.session.get(Therapist, salon.daniel)
        daniel.services = [db.session.get(Service, salon.back)]
        db.session.commit()
    auth.login("client@example.com")
    back = client.get(f"/book?service={salon.back}&location={salon.city}&day={MONDAY.isoformat()}")
    full = client.get(f"/book?service={salon.full}&location={salon.city}&day={MONDAY.isoformat()}")
    assert "Daniel Okafor" in therapist_choices(back) and "Amelia Hart" in therapist_choices(back)
    assert "Daniel Okafor" not in therapist_choices(full) and "Amelia Hart" in therapist_choices(full)
    # A crafted booking with him for a service he does not give is refused.
    response = auth.post("/book", booking_form(salon, at(MONDAY, "13:00"), "daniel", service=salon.full))
    assert response.status_code != 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0
    # "Any suitable therapist" books someone who gives it.
    assert auth.post("/book", booking_form(salon, at(MONDAY, "13:00"), "any", service=salon.full)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Appointment.therapist_id)) == salon.amelia


def test_who_gives_a_service_and_works_where_is_worked_out_again_after_a_change(app, client, auth, users, salon,
                                                                               booking_clock):
    """The booking page reads who gives a service and who works at a salon from sets worked out
    once per copy of the catalogue: a change made after a page has worked them out is offered
    on the next page."""
    auth.login("client@example.com")

    def offered(service: int) -> str:
        return therapist_choices(client.get(f"/book?service={service}&location={salon.city}&day={MONDAY.isoformat()}"))

    assert "Daniel Okafor" in offered(salon.full) and "Amelia Hart" in offered(salon.full)
    with app.app_context():
        daniel = db.session.get(Therapist, salon.daniel)
        daniel.services = [db.session.get(Service, salon.back)]
        amelia = db.session.get(Therapist, salon.amelia)
        for hours in amelia.working_hours:
            hours.location_id = salon.gosforth
        db.session.commit()
    assert "Daniel Okafor" not in offered(salon.full) and "Daniel Okafor" in offered(salon.back)
    assert "Amelia Hart" not in offered(salon.back)


# --- clients who phone -------------------------------------------------------------------


def test_a_client_added_without_email_cannot_log_in_and_is_never_emailed(app, client, users, salon, booking_clock,
                                                                         admin):
    response = admin.post("/admin/clients/new", {"name": "Mary  Dodds", "phone": "07700 900 123", "email": ""})
    assert response.status_code == 302
    assert "cannot log in" in page_text(client.get(response.location))
    with app.app_context():
        mary = db.session.scalar(select(User).where(User.name == "Mary Dodds"))
        assert (mary.role, mary.email, mary.phone) == ("client", None, "+447700900123")
        assert display_uk_phone(mary.phone) == "07700 900123"
        [entry] = changes("client")
        assert (entry.action, entry.subject_id) == ("created", mary.id)
        assert entry.changes == {"name": [None, "Mary Dodds"], "phone": [None, "+447700900123"]}
        mary_id = mary.id
    assert sent(app) == []
    # Nothing to log in with: an empty address is refused, and a reset request finds no one.
    anyone = AuthActions(app.test_client())
    assert anyone.login("", PASSWORD).status_code == 200
    anyone.client.post("/account/forgot-password", data={"email": "", "csrf_token": anyone.csrf_token()})
    assert sent(app) == []
    # Reception books her in: no email goes anywhere.
    appointment_id = add_appointment(app, mary_id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    with app.app_context():
        notify.booked(db.session.get(Appointment, appointment_id))
    assert sent(app) == []


def test_two_clients_without_email_can_both_be_added(app, client, admin):
    for name, phone in (("Mary Dodds", "07700 900123"), ("Joe Dodds", "0191 498 0123")):
        assert admin.post("/admin/clients/new", {"name": name, "phone": phone}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.is_(None))) == 2


def test_a_client_added_with_email_is_invited_to_their_health_form(app, client, admin):
    response = admin.post("/admin/clients/new", {"name": "Ann Reid", "phone": "+44 (0)191 498 0123",
                                                 "email": "Ann@Example.com"})
    assert response.status_code == 302
    with app.app_context():
        ann = user_by_email("ann@example.com")
        assert (ann.role, ann.phone) == ("client", "+441914980123")
        assert changes("client")[0].changes["email"] == [None, "ann@example.com"]
    [message] = sent(app)
    assert message["To"] == "ann@example.com" and "before your visit" in message.get_body(("plain",)).get_content()
    visitor = app.test_client()
    response = accept(visitor, link_in(message, "/account/welcome/"))
    assert response.status_code == 302 and response.location == "/profile"
    assert visitor.get("/profile").status_code == 200


def test_a_client_added_with_an_address_that_has_an_account_creates_nothing(app, client, admin, users):
    response = admin.post("/admin/clients/new", {"name": "Claire", "phone": "07700900123",
                                                 "email": "client@example.com"})
    assert response.status_code == 422 and "already has an account" in page_text(response)
    assert 'value="+447700900123"' in response.get_data(as_text=True)  # the number, as it is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
    assert sent(app) == []


@pytest.mark.parametrize("typed, stored", [
    ("07700 900123", "+447700900123"),
    ("07700900123", "+447700900123"),
    ("+44 7700 900123", "+447700900123"),
    ("+447700900123", "+447700900123"),
    ("0044 7700 900123", "+447700900123"),
    ("+44 (0)7700 900123", "+447700900123"),
    ("(0191) 498-0123", "+441914980123"),
    ("020 7946 0000", "+442079460000"),
    ("01387 12345", "+44138712345"),  # one of the few 10-digit area numbers
    (" 0191.498.0123 ", "+441914980123"),
])
def test_uk_numbers_are_stored_one_way(typed, stored):
    assert normalise_uk_phone(typed) == stored


@pytest.mark.parametrize("typed, message", [
    ("", "Please enter a phone number."),
    ("   ", "Please enter a phone number."),
    ("7700 900123", r"starting 0 or \+44"),
    ("+1 212 555 0100", "Please enter a UK number"),
    ("0033 1 23 45 67 89", "Please enter a UK number"),
    ("07700 90012", "too short"),
    ("07700 9001234", "too long"),
    ("+44 7700 90012", "too short"),
    ("0191 498 012", "too short"),
    ("07700 9OO123", "only digits"),
    ("07700 ９00123", "only digits"),  # full-width digits are not ASCII
    ("09098 790000", "not a number a person can be called on"),
    ("04000 123456", "not a number a person can be called on"),
])
def test_numbers_that_are_not_uk_phones_say_why(typed, message):
    with pytest.raises(PhoneProblem, match=message):
        normalise_uk_phone(typed)


def test_a_bad_phone_number_is_explained_and_nothing_is_lost(app, client, admin):
    response = admin.post("/admin/clients/new", {"name": "Mary Dodds", "phone": "07700 90012",
                                                 "email": "mary@example.com"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That number is too short" in page_text(response)
    assert 'value="Mary Dodds"' in html and 'value="07700 90012"' in html and 'value="mary@example.com"' in html
    with app.app_context():
        assert user_by_email("mary@example.com") is None and changes() == []


def test_the_form_checks_itself_as_reception_types(app, client, admin, users):
    page = client.get("/admin/clients/new").get_data(as_text=True)
    form = re.search(r"<form[^>]*hx-post[^>]*>", page).group(0)
    assert "/admin/clients/new/check" in form and 'method="post"' in form
    response = admin.post("/admin/clients/new/check", {"name": "", "phone": "+1 555 0100",
                                                       "email": "client@example.com"},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="errors-phone" class="field-errors" hx-swap-oob="true"' in html
    assert "Please enter a UK number" in html and "already has an account" in html
    assert 'id="errors-name"' not in html  # not typed yet: no message about it
    fixed = admin.post("/admin/clients/new/check", {"phone": "07700 900123"}, headers={"HX-Request": "true"})
    assert re.search(r'id="errors-phone"[^>]*>\s*</div>', fixed.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3 and changes() == []


def test_a_phone_number_a_client_has_already_is_told_before_adding_another(app, client, admin):
    """Reception is told who already has the number (perhaps the same person, phoning again), and
    adds someone else with it only on a tick: a family shares a home phone."""
    assert admin.post("/admin/clients/new", {"name": "Pat Dodds", "phone": "07700 900456"}).status_code == 302
    again = {"name": "Sam Dodds", "phone": "07700900456", "email": ""}
    response = admin.post("/admin/clients/new", again)
    text = page_text(response)
    assert response.status_code == 422 and "Pat Dodds already has this phone number" in text
    assert 'name="same_phone_ok"' in text and 'value="Sam Dodds"' in text  # the tick; nothing lost
    live = admin.post("/admin/clients/new/check", {"phone": "+44 7700 900456"}, headers={"HX-Request": "true"})
    assert "Pat Dodds already has this phone number" in live.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.phone == "+447700900456")) == 1
    assert admin.post("/admin/clients/new", {**again, "same_phone_ok": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(User.name).where(User.phone == "+447700900456").order_by(User.name)
                                  ).all() == ["Pat Dodds", "Sam Dodds"]
    # A number no one has: no question, no tick.
    assert 'name="same_phone_ok"' not in page_text(client.get("/admin/clients/new"))


def test_two_admins_inviting_one_address_at_once_make_one_account(race_app, users):
    racers = logged_in_clients(race_app, ["admin@example.com", "admin@example.com"])
    form = {"name": "Grace Liddell", "email": "grace@example.com", "role": "therapist"}
    responses = race(racers, [form, form], url="/admin/staff/invite")
    for response in responses:
        response.close()  # as the server does: the invitation goes out after the response
    assert sorted(r.status_code for r in responses) == [302, 422]
    refused = next(r for r in responses if r.status_code == 422)
    assert "already has an account" in page_text(refused)
    with race_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "grace@example.com")) == 1
        assert db.session.scalar(select(func.count()).select_from(Therapist)) == 1
        assert [m["To"] for m in outbox()] == ["grace@example.com"]


def test_an_address_taken_between_the_check_and_the_insert_is_refused_cleanly(app, users, monkeypatch):
    """The unique constraint has the last word: only the savepoint rolls back, so the request's
    other work survives and the admin sees the usual message."""
    monkeypatch.setattr(invitations, "find_by_email", lambda email: None)  # the check saw nothing
    with app.test_request_context():
        admin_user = db.session.get(User, users["admin"].id)
        admin_user.name = "Morag F."  # earlier work in the same transaction
        with pytest.raises(invitations.AlreadyHasAccount):
            invitations.create_account("Claire Again", "client", email="client@example.com")
        db.session.commit()
        assert db.session.get(User, users["admin"].id).name == "Morag F."
        assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_one_invitation_submitted_twice_at_once_sets_one_password(race_app, users):
    with race_app.test_request_context():
        user = invitations.create_account("Grace Liddell", "therapist", email="grace@example.com")
        db.session.commit()
        path = f"/account/welcome/{set_password_token(INVITE_SALT, user.id, user.session_version)}"
    racers = []
    for _ in range(2):
        visitor = race_app.test_client()
        page = visitor.get(path).get_data(as_text=True)
        racers.append((visitor, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)))
    forms = [{"password": word, "confirm": word} for word in (NEW_PASSWORD, "another-pass-phrase-9")]
    responses = race(racers, forms, url=path)
    assert sorted(r.status_code for r in responses) == [302, 400]
    winner = forms[[r.status_code for r in responses].index(302)]["password"]
    with race_app.app_context():
        grace = user_by_email("grace@example.com")
        assert grace.session_version == 2  # set once
    assert AuthActions(race_app.test_client()).login("grace@example.com", winner).status_code == 302
