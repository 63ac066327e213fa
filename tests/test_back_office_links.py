"""The back office hangs together: every page leads back to /admin the same way, related pages link
to each other, the figures' stacked tables say what each number is, and empty pages say what
will appear there (found in the first-run walkthrough)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.formatting import local_datetime
from tests.booking_support import page_text
from tests.conftest import AuthActions
from tests.factories import make_appointment

ADMIN_CRUMB = '<p class="breadcrumbs"><a href="/admin">Salon admin</a>'


def _admin(app) -> AuthActions:
    actions = AuthActions(app.test_client())
    assert actions.login("admin@example.com").status_code == 302
    return actions


def _crumbs(html: str) -> list[str]:
    """The breadcrumb links' texts, in order."""
    line = re.search(r'<p class="breadcrumbs">(.*?)</p>', html, re.S)
    assert line, "no breadcrumbs"
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", line.group(1), re.S)]


@pytest.mark.parametrize("path, trail", [
    ("/admin/services", ["Salon admin"]),
    ("/admin/rota", ["Salon admin"]),
    ("/admin/rota/attention", ["Salon admin", "Rota"]),
    ("/admin/rota/settings", ["Salon admin", "Rota"]),
    ("/admin/rota/therapists/{amelia}", ["Salon admin", "Rota"]),
    ("/admin/staff", ["Salon admin"]),
    ("/admin/staff/invite", ["Salon admin", "Staff"]),
    ("/admin/staff/therapists/{amelia}", ["Salon admin", "Staff"]),
    ("/admin/clients", ["Salon admin"]),
    ("/admin/clients/new", ["Salon admin", "Clients"]),
    ("/admin/clients/{client}", ["Salon admin", "Find another client"]),
    ("/admin/outbox/", ["Salon admin"]),
    ("/admin/activity", ["Salon admin"]),
    ("/admin/locations/{city}", ["Salon admin"]),
])
def test_every_back_office_page_leads_back_to_salon_admin_the_same_way(app, users, salon, path, trail):
    admin = _admin(app)
    response = admin.client.get(path.format(amelia=salon.amelia, client=users["client"].id, city=salon.city))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ADMIN_CRUMB in html
    assert _crumbs(html) == trail
    assert "Back to salon admin" not in html and "Back to the rota" not in html


def test_admin_page_puts_the_back_office_links_before_the_figures(app, users, salon):
    html = _admin(app).client.get("/admin").get_data(as_text=True)
    assert html.index('aria-label="Back office"') < html.index('id="figures"') < html.index("Today,")


def test_staff_and_rota_link_each_other_per_therapist(app, users, salon):
    admin = _admin(app).client
    staff = admin.get("/admin/staff").get_data(as_text=True)
    assert f'href="/admin/rota/therapists/{salon.amelia}">Hours and time off' in staff
    edit = admin.get(f"/admin/staff/therapists/{salon.amelia}").get_data(as_text=True)
    assert f'href="/admin/rota/therapists/{salon.amelia}">Hours and time off</a>' in edit
    rota = admin.get(f"/admin/rota/therapists/{salon.amelia}").get_data(as_text=True)
    assert f'href="/admin/staff/therapists/{salon.amelia}">Profile and services given</a>' in rota


def test_finding_a_client_offers_adding_one_who_phoned(app, users, salon):
    html = _admin(app).client.get("/admin/clients").get_data(as_text=True)
    assert 'href="/admin/clients/new">Add a client who phoned</a>' in html


def test_stacked_tables_on_the_admin_page_label_their_numbers(app, users, salon):
    html = _admin(app).client.get("/admin").get_data(as_text=True)
    pain = re.search(r'<table[^>]*id="pain-change"[^>]*>', html)
    if pain is None:  # no scores yet: the figure says so in words, and has no table to label
        assert "No pain scores before and after a session in those weeks yet." in html
    else:
        assert "stack-table" in pain.group(0)
    therapists = html[html.index('id="admin-therapists"'):]
    assert '<table class="stack-table">' in therapists
    assert '<td data-label="Works at">' in therapists and '<td data-label="Qualifications">' in therapists


def test_activity_page_says_what_will_appear_and_when_filters_hide_everything(app, users, salon):
    admin = _admin(app).client
    empty = page_text(admin.get("/admin/activity"))
    assert "Nothing has been changed in the back office yet." in empty
    assert "No changes match these filters." not in empty
    filtered = page_text(admin.get("/admin/activity?kind=service"))
    assert "No changes match these filters." in filtered
    assert "Nothing has been changed in the back office yet." not in filtered


def test_the_brief_leads_back_to_its_day(app, client, auth, small_salon, users, booking_clock):
    starts = clock.now() + timedelta(days=2)
    appointment = make_appointment(app, small_salon, users["client"].id, starts)
    with app.app_context():
        day = local_datetime(starts, "%Y-%m-%d")
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{appointment}/brief").get_data(as_text=True)
    assert f'<a href="/therapist?day={day}">My day</a>' in html
    admin = _admin(app).client.get(f"/therapist/appointments/{appointment}/brief").get_data(as_text=True)
    assert f'<a href="/admin?day={day}">Salon admin</a>' in admin


def test_activity_names_the_fields_in_words_not_code(app, users, salon):
    from portal.accounts.models import User
    from portal.audit.services import record_change
    from portal.extensions import db

    with app.app_context():
        record_change(db.session.get(User, users["admin"].id), "created", "time_off", 1, "Amelia Hart: a day",
                      {"starts_at": (None, "2026-12-11 00:00"), "reason": (None, "Course")})
        db.session.commit()
    html = page_text(_admin(app).client.get("/admin/activity"))
    assert '<span class="change-field">starts at</span>' in html
    assert '<span class="change-field">reason</span>' in html
    assert "starts_at" not in html
