"""The admin's catalogue and activity pages: admins only; therapists and clients are refused.

POSTs carry only a CSRF token here, so the admin's answer is the form again with its errors."""

from __future__ import annotations

from tests.routes import LOGIN

ADMIN_ONLY = {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}
ADMIN_POST = {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 422}


def _service(suffix: str):
    def setup(app, users):
        from tests.booking_support import seed_salon

        return f"/admin/services/{seed_salon(app, users).back}{suffix}"
    return setup


ROUTES = {
    "catalogue.index": ("GET", "/admin/services", ADMIN_ONLY),
    "catalogue.new": ("GET", "/admin/services/new", ADMIN_ONLY),
    "catalogue.create": ("POST", "/admin/services/new", ADMIN_POST),
    "catalogue.edit": ("GET", _service("/edit"), ADMIN_ONLY),
    "catalogue.row": ("GET", _service("/row"), ADMIN_ONLY),
    "catalogue.update": ("POST", _service("/edit"), ADMIN_POST),
    "catalogue.update_row": ("POST", _service("/row"), ADMIN_POST),
    "catalogue.confirm_retire": ("GET", _service("/retire"), ADMIN_ONLY),
    "catalogue.retire": ("POST", _service("/retire"), ADMIN_POST),
    "audit.activity": ("GET", "/admin/activity", ADMIN_ONLY),
}
