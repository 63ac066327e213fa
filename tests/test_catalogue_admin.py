"""The admin's catalogue (issue 10): add, edit in place and retire services, on plain forms and
with htmx; prices as money, lengths on the booking grid, where each service is offered, stale
forms, and every change in the activity log. Appointments keep their price and length."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.audit.models import AdminChange
from portal.booking.models import Appointment
from portal.extensions import db
from portal.salon.models import Service
from tests.booking_support import (MONDAY, NOW, add_appointment, at, booking_form, count_appointments, offered_times,
                                   page_text)
from tests.conftest import AuthActions

HTMX = {"HX-Request": "true"}


def _as(app, email: str) -> AuthActions:
    """A browser of its own, logged in as `email`."""
    actions = AuthActions(app.test_client())
    assert actions.login(email).status_code == 302
    return actions


def _admin(app) -> AuthActions:
    return _as(app, "admin@example.com")


def _service(app, service_id: int) -> Service:
    with app.app_context():
        service = db.session.get(Service, service_id)
        _ = service.locations
        db.session.expunge(service)
        return service


def _edit_form(app, salon, service_id: int, **changes) -> dict:
    """What the edit form sends for a service as saved now, with `changes` typed over it."""
    service = _service(app, service_id)
    values = {
        "name": service.name, "slug": service.slug, "description": service.description,
        "minutes": str(service.minutes), "price": f"{service.price_pence / 100:.2f}",
        "areas": list(service.areas), "locations": [str(loc.id) for loc in service.locations],
        "active": "y" if service.active else "", "version": str(service.version),
    }
    values.update(changes)
    if not values["active"]:
        del values["active"]  # an unticked box sends nothing
    return {f"service-{service_id}-{name}": value for name, value in values.items()}


def _new_form(salon, **changes) -> dict:
    values = {"name": "Hot Stone Deluxe", "description": "Warm stones on the back.", "minutes": "75",
              "price": "62.50", "areas": ["upper_back", "lower_back"], "locations": [str(salon.gosforth)],
              "active": "y"}
    values.update(changes)
    return values


def _changes(app, subject_id: int | None = None) -> list[AdminChange]:
    with app.app_context():
        query = select(AdminChange).order_by(AdminChange.id)
        if subject_id is not None:
            query = query.where(AdminChange.subject_id == subject_id)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows


# --- adding ---------------------------------------------------------------------------------


def test_an_admin_adds_a_service_on_a_plain_form_and_it_is_logged(app, users, salon):
    admin = _admin(app)
    assert admin.client.get("/admin/services/new").status_code == 200
    response = admin.post("/admin/services/new", _new_form(salon))
    assert response.status_code == 302 and response.location == "/admin/services"
    listing = page_text(admin.client.get("/admin/services"))
    assert "Hot Stone Deluxe is added to the catalogue." in listing
    with app.app_context():
        added = db.session.scalars(select(Service).where(Service.name == "Hot Stone Deluxe")).one()
        assert (added.slug, added.price_pence, added.minutes, added.areas, added.active, added.version) == (
            "hot-stone-deluxe", 6250, 75, ("upper_back", "lower_back"), True, 1)
        assert [loc.id for loc in added.locations] == [salon.gosforth]
    [entry] = _changes(app)
    assert (entry.action, entry.subject_type, entry.subject_label, entry.actor_name) == (
        "created", "service", "Hot Stone Deluxe", "Morag Fenwick")
    assert entry.changes["price"] == [None, "£62.50"] and entry.changes["length"] == [None, "75 min"]
    assert entry.changes["locations"] == [None, "Gosforth"]


def test_bad_input_is_explained_field_by_field_and_nothing_typed_is_lost(app, users, salon):
    admin = _admin(app)
    response = admin.post("/admin/services/new", _new_form(
        salon, name="Back, Neck & Shoulder Massage", minutes="50", price="35.505", areas=[], locations=[]))
    assert response.status_code == 422
    page = page_text(response)
    assert "The length must be a multiple of 15 minutes, the booking grid (for example 45 or 60)." in page
    assert "A price has at most two decimal places (pence), like 35.50." in page
    assert "Please tick at least one body area." in page
    assert "Please tick at least one salon that offers it." in page
    # What was typed comes back, to fix rather than retype.
    assert 'value="50"' in page and 'value="35.505"' in page and "Warm stones on the back." in page
    assert 'aria-invalid="true"' in page
    assert _changes(app) == [] and count_services(app) == 4


def count_services(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Service)).all())


def test_names_and_addresses_are_unique_with_a_clear_message(app, users, salon):
    admin = _admin(app)
    taken_name = admin.post("/admin/services/new", _new_form(salon, name="full body massage"))
    assert taken_name.status_code == 422
    assert "There is already a service called full body massage. Please choose another name." in page_text(taken_name)
    taken_slug = admin.post("/admin/services/new", _new_form(salon, slug="full-body"))
    assert taken_slug.status_code == 422
    assert "The web address name full-body is already used by another service." in page_text(taken_slug)
    renamed = admin.post(f"/admin/services/{salon.back}/edit", _edit_form(app, salon, salon.back, name="Full Body Massage"))
    assert renamed.status_code == 422 and "There is already a service called Full Body Massage" in page_text(renamed)
    assert _service(app, salon.back).name == "Back, Neck & Shoulder Massage" and _changes(app) == []


def test_a_negative_or_absurd_price_is_refused(app, users, salon):
    admin = _admin(app)
    for typed, words in (("-35", "A price can't be negative."), ("100000", "more than £1,000"),
                         ("35,5", "Please use a point for pence")):
        response = admin.post(f"/admin/services/{salon.back}/edit", _edit_form(app, salon, salon.back, price=typed))
        assert response.status_code == 422 and words in page_text(response)
    assert _service(app, salon.back).price_pence == 3500


# --- editing: plain forms and htmx -----------------------------------------------------------


def test_edit_without_javascript_is_post_redirect_get_and_logs_old_and_new(app, users, salon):
    admin = _admin(app)
    page = admin.client.get(f"/admin/services/{salon.back}/edit")
    assert page.status_code == 200 and "<!doctype html>" in page.text and "<tr" not in page.text.split("<main")[1]
    response = admin.post(f"/admin/services/{salon.back}/edit",
                          _edit_form(app, salon, salon.back, price="37.50", minutes="60",
                                     locations=[str(salon.city)]))
    assert response.status_code == 302 and response.location == "/admin/services"
    assert "Back, Neck & Shoulder Massage is saved." in page_text(admin.client.get("/admin/services"))
    saved = _service(app, salon.back)
    assert (saved.price_pence, saved.minutes, saved.version, [l.id for l in saved.locations]) == (
        3750, 60, 2, [salon.city])
    [entry] = _changes(app)
    assert entry.action == "updated" and entry.subject_id == salon.back
    assert entry.changes == {"price": ["£35", "£37.50"], "length": ["45 min", "60 min"],
                             "locations": ["Gosforth, Newcastle City Centre", "Newcastle City Centre"]}


def _row_form(app, salon, service_id: int, **changes) -> dict:
    """What the row form (edit in place) sends: the row's own fields only."""
    row = {f"service-{service_id}-{name}" for name in ("name", "minutes", "price", "active", "version")}
    return {key: value for key, value in _edit_form(app, salon, service_id, **changes).items() if key in row}


def test_htmx_gets_the_row_form_and_the_saved_row_not_whole_pages(app, users, salon):
    admin = _admin(app)
    full = admin.client.get(f"/admin/services/{salon.back}/edit")
    partial = admin.client.get(f"/admin/services/{salon.back}/edit", headers=HTMX)
    assert "<!doctype html>" in full.text and "HX-Request" in full.headers["Vary"]
    assert "<!doctype html>" not in partial.text and "HX-Request" in partial.headers["Vary"]
    assert partial.text.strip().startswith(f'<tr id="service-{salon.back}"')
    assert f'hx-post="/admin/services/{salon.back}/row"' in partial.text
    # The row's own cells become its fields, each named (aria-label) and tied to the row's form.
    form_id = f'form="row-form-{salon.back}"'
    for name, label in (("name", "Name"), ("minutes", "Length in minutes"), ("price", "Price in pounds")):
        control = re.search(rf'<input [^>]*name="service-{salon.back}-{name}"[^>]*>', partial.text).group(0)
        assert f'aria-label="{label}"' in control and form_id in control
        if name == "price":
            assert 'value="35.00"' in control
    assert re.search(rf'<input checked {form_id} id="([^"]+)" name="service-{salon.back}-active"', partial.text)
    assert f'<form id="row-form-{salon.back}"' in partial.text and partial.text.count("<form") == 1
    # The row edits what the row shows; the rest is on the full page, one link away.
    assert "-description" not in partial.text and "-areas" not in partial.text and "-locations" not in partial.text
    assert f'<a href="/admin/services/{salon.back}/edit">More details' in partial.text
    assert "-description" in full.text and "-areas" in full.text and "-locations" in full.text

    before = _service(app, salon.back)
    saved = admin.post(f"/admin/services/{salon.back}/row", _row_form(app, salon, salon.back, price="36"),
                       headers=HTMX)
    assert saved.status_code == 200 and "<!doctype html>" not in saved.text
    row = page_text(saved)
    assert row.strip().startswith(f'<tr id="service-{salon.back}"') and "£36" in row and "<form" not in row
    assert 'hx-swap-oob="true"' in row and "Back, Neck & Shoulder Massage is saved." in row
    after = _service(app, salon.back)
    assert after.price_pence == 3600 and after.version == before.version + 1
    # What the row does not show is kept as it was.
    assert (after.description, after.areas, [l.id for l in after.locations], after.slug) == (
        before.description, before.areas, [l.id for l in before.locations], before.slug)
    [entry] = _changes(app)
    assert entry.changes == {"price": ["£35", "£36"]}

    # Errors come back inside the row (200: htmx swaps only 2xx answers), nothing saved.
    wrong = admin.post(f"/admin/services/{salon.back}/row", _row_form(app, salon, salon.back, minutes="40"),
                       headers=HTMX)
    assert wrong.status_code == 200 and "<!doctype html>" not in wrong.text
    assert "multiple of 15 minutes" in page_text(wrong) and page_text(wrong).strip().startswith("<tr")
    assert _service(app, salon.back).minutes == 45

    cancel = admin.client.get(f"/admin/services/{salon.back}/row", headers=HTMX)
    assert cancel.text.strip().startswith(f'<tr id="service-{salon.back}"') and "£36" in cancel.text


def test_the_row_form_without_htmx_still_saves_and_shows_its_errors_on_a_page(app, users, salon):
    admin = _admin(app)
    wrong = admin.post(f"/admin/services/{salon.back}/row", _row_form(app, salon, salon.back, price="lots"))
    assert wrong.status_code == 422 and "<!doctype html>" in wrong.text and "More details" in wrong.text
    done = admin.post(f"/admin/services/{salon.back}/row", _row_form(app, salon, salon.back, active=""))
    assert done.status_code == 302 and done.location == "/admin/services"
    assert not _service(app, salon.back).active
    assert [e.action for e in _changes(app)] == ["retired"]


def test_a_stale_form_says_so_keeps_what_was_typed_and_saves_on_a_second_try(app, users, salon):
    first, second = _admin(app), _admin(app)
    # Both open the edit form at version 1; the first saves a new price.
    opened_by_second = _edit_form(app, salon, salon.back, price="40", description="Second's words")
    assert first.post(f"/admin/services/{salon.back}/edit",
                      _edit_form(app, salon, salon.back, price="38")).status_code == 302
    stale = second.post(f"/admin/services/{salon.back}/edit", opened_by_second)
    assert stale.status_code == 409
    page = page_text(stale)
    assert "Someone else saved Back, Neck & Shoulder Massage after you opened this form." in page
    assert 'value="40"' in page and "Second's words" in page  # what they typed is kept
    assert "Saved now" in page and "£38" in page  # and what the other admin saved is shown
    assert _service(app, salon.back).price_pence == 3800
    assert f'name="service-{salon.back}-version" type="hidden" value="2"' in page

    # Saving the kept form again means: I have seen theirs, mine wins.
    resent = {**opened_by_second, f"service-{salon.back}-version": "2"}
    assert second.post(f"/admin/services/{salon.back}/edit", resent).status_code == 302
    assert (_service(app, salon.back).price_pence, _service(app, salon.back).description) == (4000, "Second's words")
    assert [e.changes.get("price") for e in _changes(app, salon.back)] == [["£35", "£38"], ["£38", "£40"]]


def test_a_stale_form_with_htmx_shows_the_conflict_in_the_row(app, users, salon):
    admin = _admin(app)
    form = _row_form(app, salon, salon.back, price="41")
    form[f"service-{salon.back}-version"] = "7"
    response = admin.post(f"/admin/services/{salon.back}/row", form, headers=HTMX)
    assert response.status_code == 200 and response.text.strip().startswith("<tr")
    assert "Someone else saved" in page_text(response) and 'value="41"' in response.text
    assert _service(app, salon.back).price_pence == 3500 and _changes(app) == []


def test_a_row_edit_never_overwrites_details_saved_meanwhile(app, users, salon):
    first, second = _admin(app), _admin(app)
    opened_in_row = _row_form(app, salon, salon.back, price="42")
    assert first.post(f"/admin/services/{salon.back}/edit",
                      _edit_form(app, salon, salon.back, description="New words")).status_code == 302
    stale = second.post(f"/admin/services/{salon.back}/row", opened_in_row, headers=HTMX)
    assert "Someone else saved" in page_text(stale) and "Saved now" in page_text(stale)
    assert (_service(app, salon.back).price_pence, _service(app, salon.back).description) == (3500, "New words")
    # Saved again, having seen theirs: the price changes, their description stays.
    resent = {**opened_in_row, f"service-{salon.back}-version": "2"}
    assert "£42" in page_text(second.post(f"/admin/services/{salon.back}/row", resent, headers=HTMX))
    assert (_service(app, salon.back).price_pence, _service(app, salon.back).description) == (4200, "New words")


# --- retiring --------------------------------------------------------------------------------


def test_retiring_without_javascript_asks_for_a_tick_then_keeps_every_appointment(app, users, salon, booking_clock):
    past = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY - timedelta(days=14), "10:00"))
    future = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    admin = _admin(app)
    confirm = admin.client.get(f"/admin/services/{salon.back}/retire")
    assert confirm.status_code == 200 and "Yes, stop offering this service" in confirm.text
    unticked = admin.post(f"/admin/services/{salon.back}/retire", {"version": "1"})
    assert unticked.status_code == 422 and "Please tick the box to confirm." in page_text(unticked)
    assert _service(app, salon.back).active

    done = admin.post(f"/admin/services/{salon.back}/retire", {"version": "1", "confirm": "y"})
    assert done.status_code == 302 and done.location == "/admin/services"
    assert not _service(app, salon.back).active
    with app.app_context():
        kept = {a.id: (a.service_id, a.price_pence, a.minutes) for a in db.session.scalars(select(Appointment))}
    assert kept == {past: (salon.back, 3500, 45), future: (salon.back, 3500, 45)}  # nothing deleted
    [entry] = _changes(app)
    assert (entry.action, entry.changes) == ("retired", {"active": [True, False]})
    listing = page_text(admin.client.get("/admin/services"))
    assert "Retired" in listing and "Back, Neck & Shoulder Massage" in listing


def test_retiring_with_htmx_returns_the_row_and_the_button_asks_first(app, users, salon):
    admin = _admin(app)
    listing = admin.client.get("/admin/services").text
    assert f'hx-post="/admin/services/{salon.back}/retire"' in listing and "hx-confirm=" in listing
    row = admin.post(f"/admin/services/{salon.back}/retire", {"confirm": "y", "version": "1"}, headers=HTMX)
    assert row.status_code == 200 and row.text.strip().startswith(f'<tr id="service-{salon.back}"')
    assert "Retired" in row.text and "can't be booked any more" in page_text(row)


def test_a_retired_service_is_not_offered_and_cannot_be_booked(app, users, salon, booking_clock):
    admin = _admin(app)
    assert admin.post(f"/admin/services/{salon.back}/retire", {"version": "1", "confirm": "y"}).status_code == 302
    client = _as(app, "client@example.com")
    book = page_text(client.client.get(f"/book?day={MONDAY}"))
    assert "Back, Neck & Shoulder Massage" not in book and "Full Body Massage" in book
    refused = client.post("/book", booking_form(salon, at(MONDAY, "10:00")))
    assert refused.status_code >= 400
    assert "That massage isn't offered at the moment." in page_text(refused)
    assert count_appointments(app) == 0


def test_a_past_appointment_keeps_its_price_after_the_price_changes(app, users, salon, booking_clock):
    past = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                           at(NOW.date() - timedelta(days=14), "10:00"))
    admin = _admin(app)
    assert admin.post(f"/admin/services/{salon.back}/edit",
                      _edit_form(app, salon, salon.back, price="39.50")).status_code == 302
    client = _as(app, "client@example.com")
    history = page_text(client.client.get("/appointments"))
    assert "Back, Neck & Shoulder Massage (45 minutes, £35)" in history and "£39.50" not in history
    assert "£35" in page_text(client.client.get(f"/appointments/{past}"))
    assert "Back, Neck & Shoulder Massage · 45 min · £39.50" in page_text(client.client.get(f"/book?day={MONDAY}"))


# --- where a service is offered --------------------------------------------------------------


def test_the_booking_page_offers_a_service_only_at_its_salons(app, users, salon, booking_clock):
    admin = _admin(app)
    assert admin.post(f"/admin/services/{salon.back}/edit",
                      _edit_form(app, salon, salon.back, locations=[str(salon.gosforth)])).status_code == 302
    client = _as(app, "client@example.com")
    # Asked for City Centre: the page moves to Gosforth, says why, and offers only Gosforth.
    page = page_text(client.client.get(f"/book?service={salon.back}&location={salon.city}&day={MONDAY}"))
    assert "is offered at Gosforth, so here is Gosforth." in page
    select_box = re.search(r'<select[^>]*name="location".*?</select>', page, re.S).group(0)
    assert "Gosforth" in select_box and "Newcastle City Centre" not in select_box
    times = offered_times(page)
    assert times and f'name="location" value="{salon.gosforth}"' in page
    # Another service still has both salons.
    other = page_text(client.client.get(f"/book?service={salon.full}&location={salon.city}&day={MONDAY}"))
    assert "Newcastle City Centre" in re.search(r'<select[^>]*name="location".*?</select>', other, re.S).group(0)
    # A crafted POST for City Centre is refused by the service, not only hidden.
    refused = client.post("/book", booking_form(salon, at(MONDAY, "10:00")))
    assert refused.status_code >= 400
    assert "Newcastle City Centre doesn't offer the Back, Neck & Shoulder Massage." in page_text(refused)
    assert count_appointments(app) == 0
    booked = client.post("/book", booking_form(salon, at(MONDAY, "10:00"), therapist="sofia", location=salon.gosforth))
    assert booked.status_code == 302 and count_appointments(app, location_id=salon.gosforth) == 1


def test_rebooking_is_refused_where_the_service_is_no_longer_offered(app, users, salon, booking_clock):
    add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, NOW - timedelta(days=20))
    admin = _admin(app)
    assert admin.post(f"/admin/services/{salon.back}/edit",
                      _edit_form(app, salon, salon.back, locations=[str(salon.gosforth)])).status_code == 302
    with app.app_context():
        from portal.booking import rebook, queries
        from portal.client_guidance import guidance_for_client
        source = queries.latest_completed(users["client"].id)
        found = rebook.proposal(users["client"].id, source, guidance_for_client(users["client"].id))
    assert found.problem == ("Newcastle City Centre no longer offers the Back, Neck & Shoulder Massage. "
                             "Please choose another massage or salon.")
    assert found.times == []


# --- two admins at once, and what is not theirs ----------------------------------------------


def test_admins_saving_one_form_at_the_same_moment_save_once(race_app, users):
    import threading
    from collections import Counter

    from tests.booking_support import seed_salon
    from tests.racing import logged_in_clients

    salon = seed_salon(race_app, users)
    racers = 4
    clients = logged_in_clients(race_app, ["admin@example.com"] * racers)
    forms = [_edit_form(race_app, salon, salon.back, price=f"{40 + n}") for n in range(racers)]
    barrier, responses = threading.Barrier(racers), [None] * racers

    def save(n: int) -> None:
        client, token = clients[n]
        barrier.wait(timeout=30)
        responses[n] = client.post(f"/admin/services/{salon.back}/edit", data={**forms[n], "csrf_token": token})

    threads = [threading.Thread(target=save, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Counter(r.status_code for r in responses) == {302: 1, 409: racers - 1}
    saved = _service(race_app, salon.back)
    assert saved.version == 2 and len(_changes(race_app, salon.back)) == 1
    assert f"£{saved.price_pence // 100}" == _changes(race_app, salon.back)[0].changes["price"][1]


def test_unknown_services_are_404_and_forms_need_their_csrf_token(app, users, salon):
    admin = _admin(app)
    for path in ("/admin/services/999999/edit", "/admin/services/999999/row", "/admin/services/999999/retire"):
        assert admin.client.get(path).status_code == 404, path
    assert admin.post("/admin/services/999999/retire", {"confirm": "y", "version": "1"}).status_code == 404
    no_token = admin.client.post(f"/admin/services/{salon.back}/retire", data={"confirm": "y", "version": "1"})
    assert no_token.status_code == 400 and _service(app, salon.back).active


def test_a_new_service_is_given_by_every_active_therapist_so_it_can_be_booked(app, users, salon):
    """Booking offers a therapist only for services they give (staff pages): a new massage
    starts as given by each active therapist, never by an inactive one."""
    from sqlalchemy import select

    from portal.catalogue.services import ServiceInput, create_service
    from portal.salon.models import Location, Therapist

    with app.app_context():
        admin = db.session.get(User, users["admin"].id)
        away = db.session.scalars(select(Therapist)).first()
        away.active = False
        location_ids = [loc.id for loc in db.session.scalars(select(Location))]
        service = create_service(admin, ServiceInput(
            name="Lymphatic Drainage Massage", description="", minutes=60, price_pence=5500,
            areas=("upper_back", "lower_back"), location_ids=tuple(location_ids), active=True))
        db.session.commit()
        givers = {t.id for t in db.session.scalars(select(Therapist)) if t.gives(service)}
        active = {t.id for t in db.session.scalars(select(Therapist).where(Therapist.active))}
        assert givers == active and away.id not in givers and givers
