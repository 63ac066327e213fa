"""Out-of-range input is a 404 or a clear field error, never a 500: ids beyond the database's
integer in addresses and forms, and years 0001 and 9999 in days and times. Every route of the
role x route matrix is walked with them, as every role that gets past the access check."""

from __future__ import annotations

import re

import pytest

from portal.dashboard.salon_day import REMEMBERED
from portal.extensions import limiter
from tests.conftest import AuthActions
from tests.routes import LOGIN, MATRIX, ROLES
from tests.booking_support import (
    MONDAY,
    add_appointment,
    at,
    booking_form,
    count_appointments,
    page_text,
)

BAD_IDS = ("2147483648", "9223372036854775808", "-1")  # 2**31 (past PostgreSQL integer), 2**63, negative
UNREADABLE_ID = "²"  # "²".isdigit() is True, yet int("²") raises
BAD_DAYS = ("0001-01-01", "9999-12-31")
BAD_TIMES = ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00+00:00",
             "9999-12-31T23:45:00+00:00", "9999-12-31T23:59:00-01:00")
# Every form and query field the portal reads that holds an id, a day or a time.
ID_FIELDS = ("service", "location", "therapist", "sequence", "appointment_id")
DAY_FIELDS = ("day", "due_date", "acute_injury_diagnosed_on", "medical_clearance_on", "cleared_on")
TIME_FIELDS = ("starts_at",)
BAD_INPUTS = ([dict.fromkeys(ID_FIELDS, value) for value in (*BAD_IDS, UNREADABLE_ID)]
              + [dict.fromkeys(DAY_FIELDS, value) for value in BAD_DAYS]
              + [dict.fromkeys(TIME_FIELDS, value) for value in BAD_TIMES])
INT_PART = re.compile(r"<int:[^>]+>")
OTHER_PART = re.compile(r"<[^>]+>")


def _methods(app, endpoint: str) -> list[tuple[str, str]]:
    """(method, rule) for every way into the endpoint (a GET-and-POST form page is walked both ways)."""
    return [(method, rule.rule) for rule in app.url_map.iter_rules(endpoint)
            for method in sorted(rule.methods & {"GET", "POST"})]


def _reaching_roles(endpoint: str) -> list[str]:
    """Roles the matrix lets through to the view (the others never run it)."""
    expected = MATRIX[endpoint][2]
    return [role for role in ROLES if expected[role] not in (LOGIN, 403)]


def _send(client, auth: AuthActions, method: str, path: str, data: dict):
    if method == "GET":
        return client.get(path, query_string=data)
    return auth.post(path, data)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_every_route_takes_out_of_range_values_without_a_server_error(app, client, auth, users, endpoint):
    _, path, _ = MATRIX[endpoint]
    if callable(path):
        path = path(client.application, users)
    for role in _reaching_roles(endpoint):
        with app.app_context():
            limiter.reset()  # walking the login form as anonymous uses up the attempts
        if role != "anonymous":
            assert auth.login(f"{role}@example.com").status_code == 302
        for method, rule in _methods(app, endpoint):
            for data in BAD_INPUTS:
                response = _send(client, auth, method, path, data)
                assert response.status_code < 500, f"{role} {method} {path} {data}"
            # The same route with an id in the address that no row can have.
            if INT_PART.search(rule):
                for bad in BAD_IDS:
                    # Other parts (a token, a condition) keep the values the matrix's own path has.
                    address = OTHER_PART.sub("x", INT_PART.sub(bad, rule))
                    response = _send(client, auth, method, address, {})
                    assert response.status_code == 404, f"{role} {method} {address}"
        if role != "anonymous":
            auth.logout()


# --- what each one says ----------------------------------------------------------------------------


@pytest.mark.parametrize("field, message", [
    ("service", "Please choose a massage."),
    ("location", "Please choose a salon."),
    ("therapist", "That therapist doesn't work at that salon"),
])
@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_booking_with_an_id_out_of_range_is_a_field_error(app, logged_in, salon, field, message, bad):
    response = logged_in.post("/book", {**booking_form(salon, at(MONDAY, "10:00")), field: bad})
    assert response.status_code == 422 and message in page_text(response)
    assert count_appointments(app) == 0


@pytest.mark.parametrize("bad", BAD_TIMES)
def test_a_booking_or_move_at_year_1_or_9999_is_a_field_error(app, users, logged_in, salon, bad):
    response = logged_in.post("/book", {**booking_form(salon, at(MONDAY, "10:00")), "starts_at": bad})
    assert response.status_code == 422 and "Please choose one of the free times." in page_text(response)
    booked = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back, at(MONDAY, "10:00"))
    response = logged_in.post(f"/appointments/{booked}/move", {"starts_at": bad, "sequence": "0"})
    assert response.status_code == 422 and "Please choose one of the free times." in page_text(response)


@pytest.mark.parametrize("role, page", [("therapist", "/therapist"), ("admin", "/admin")])
@pytest.mark.parametrize("bad", BAD_DAYS)
def test_a_schedule_day_out_of_range_is_not_found(client, auth, users, salon, booking_clock, role, page, bad):
    auth.login(f"{role}@example.com")
    assert client.get(f"{page}?day={bad}").status_code == 404
    assert client.get(f"{page}?day=2027-03-15").status_code == 200


@pytest.mark.parametrize("bad", BAD_DAYS)
def test_the_booking_page_shows_a_bookable_day_instead(client, logged_in, salon, bad):
    response = client.get(f"/book?service={salon.back}&location={salon.city}&day={bad}")
    assert response.status_code == 200 and "You can book from today up to" in page_text(response)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_appointment_address_out_of_range_is_not_found(client, logged_in, bad):
    assert client.get(f"/appointments/{bad}").status_code == 404
    assert logged_in.post(f"/appointments/{bad}/cancel").status_code == 404


@pytest.mark.parametrize("bad", [*BAD_IDS, UNREADABLE_ID, "abc"])
def test_the_admin_day_ignores_a_salon_switch_out_of_range(client, auth, users, salon, booking_clock, bad):
    auth.login("admin@example.com")
    response = client.get(f"/admin?salon={bad}")
    assert response.status_code == 200 and "Newcastle City Centre" in page_text(response)
    with client.session_transaction() as session:
        assert REMEMBERED not in session  # nothing remembered from an id no salon has


# --- a NUL character ---------------------------------------------------------------------------

NUL_ADVICE = "held a character we can't store"


def _every_form_field_name() -> set[str]:
    """The name of every field of every form in the portal (and the query fields read by hand)."""
    import importlib
    import pkgutil

    from wtforms import Form
    from wtforms.fields.core import UnboundField

    import portal

    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    names, forms = {"q", "range", "next", "day", "salon", "page"}, [Form]
    while forms:
        form = forms.pop()
        forms += form.__subclasses__()
        names |= {name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField)}
    return names


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_a_nul_character_in_any_field_of_any_route_is_refused_before_it_is_read(app, client, auth, users,
                                                                                 endpoint):
    """PostgreSQL can't store or compare a NUL: the admin's client search with one was a 500."""
    _, path, _ = MATRIX[endpoint]
    if callable(path):
        path = path(client.application, users)
    nul = dict.fromkeys(_every_form_field_name(), "a\x00b")
    assert len(nul) > 100
    for role in ("anonymous", "client"):
        if role != "anonymous":
            assert auth.login(f"{role}@example.com").status_code == 302
        for method, _rule in _methods(app, endpoint):
            response = _send(client, auth, method, path, nul)
            assert response.status_code == 400 and NUL_ADVICE in page_text(response), f"{role} {method} {path}"


def test_a_nul_character_is_refused_in_the_address_a_query_and_a_form(client, auth, users):
    auth.login("admin@example.com")
    assert client.get("/admin/clients", query_string={"q": "claire"}).status_code == 200
    for response in (client.get("/admin/clients", query_string={"q": "a\x00b"}),  # was a 500 on PostgreSQL
                     client.get("/admin/clients", query_string={"a\x00b": "claire"}),
                     client.get("/account/confirm/a%00b"),
                     auth.post("/account/logout", {"next\x00": "/"})):
        assert response.status_code == 400 and NUL_ADVICE in page_text(response)
    assert client.get("/account/").status_code == 200  # still logged in: the logout was refused
