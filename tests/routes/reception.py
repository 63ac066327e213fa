"""Reception: admins act as reception; clients and therapists are refused, visitors log in."""

from __future__ import annotations

from tests.routes import LOGIN
from tests.routes.booking import _next_monday_10am

ADMIN_ONLY = {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}


def _admin(status):
    return {**ADMIN_ONLY, "admin": status}


def _client_page(suffix: str = ""):
    def setup(app, users):
        return f"/admin/clients/{users['client'].id}{suffix}"
    return setup


def _appointment(suffix: str):
    def setup(app, users):
        from tests.booking_support import add_appointment, seed_salon

        salon = seed_salon(app, users)
        appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                         _next_monday_10am())
        return f"/admin/clients/{users['client'].id}/appointments/{appointment_id}{suffix}"
    return setup


ROUTES = {
    "reception.search": ("GET", "/admin/clients", ADMIN_ONLY),
    "reception.client": ("GET", _client_page(), ADMIN_ONLY),
    "reception.book": ("GET", _client_page("/book"), ADMIN_ONLY),
    # An empty form: refused with the reason, nothing booked.
    "reception.create": ("POST", _client_page("/book"), _admin(422)),
    "reception.move": ("GET", _appointment("/move"), ADMIN_ONLY),
    # No time chosen: refused with the reason, nothing moved.
    "reception.reschedule": ("POST", _appointment("/move"), _admin(422)),
    "reception.cancel": ("POST", _appointment("/cancel"), _admin(302)),
    # GET shows the form; an empty POST would be 422 (nothing on the profile to clear).
    "reception.clearance": ("GET", _client_page("/clearance"), ADMIN_ONLY),
}
