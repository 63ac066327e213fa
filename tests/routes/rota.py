"""The rota: the admin's pages under /admin/rota, and a therapist's own time off."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from portal.extensions import db
from portal.salon.models import WorkingHours
from portal.timezones import SALON_TZ
from tests.routes import LOGIN

ADMIN_ONLY = {"anonymous": LOGIN, "client": 403, "therapist": 403, "admin": 200}
THERAPIST_ONLY = {"anonymous": LOGIN, "client": 403, "therapist": 200, "admin": 403}


def _admin(status: int) -> dict:
    return {**ADMIN_ONLY, "admin": status}


def _monday_after_next() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday() + 7)


def _salon(app, users):
    from tests.booking_support import seed_salon

    return seed_salon(app, users)


def _therapist(suffix: str = ""):
    def setup(app, users):
        return f"/admin/rota/therapists/{_salon(app, users).amelia}{suffix}"
    return setup


def _shift(suffix: str = ""):
    def setup(app, users):
        salon = _salon(app, users)
        with app.app_context():
            shift_id = db.session.scalar(db.select(WorkingHours.id).where(WorkingHours.therapist_id == salon.amelia)
                                         .limit(1))
        return f"/admin/rota/shifts/{shift_id}{suffix}"
    return setup


def _time_off(prefix: str):
    def setup(app, users):
        from portal.booking import time_off

        salon = _salon(app, users)
        day = _monday_after_next()
        with app.app_context():
            entry = time_off.add(salon.amelia, datetime.combine(day, time(0), tzinfo=SALON_TZ),
                                 datetime.combine(day, time(12), tzinfo=SALON_TZ))
            db.session.commit()
            return f"{prefix}/{entry.id}/remove"
    return setup


def _appointment(suffix: str):
    def setup(app, users):
        from tests.booking_support import add_appointment

        salon = _salon(app, users)
        appointment_id = add_appointment(app, users["client"].id, salon.amelia, salon.city, salon.back,
                                         datetime.combine(_monday_after_next(), time(10), tzinfo=SALON_TZ))
        return f"/admin/rota/appointments/{appointment_id}{suffix}"
    return setup


def _own(app, users):
    _salon(app, users)  # links the therapist login to Amelia
    return "/therapist/time-off"


ROUTES = {
    "rota.index": ("GET", "/admin/rota", ADMIN_ONLY),
    "rota.therapist": ("GET", _therapist(), ADMIN_ONLY),
    # Empty forms: refused with the reasons, nothing saved.
    "rota.add_shift": ("POST", _therapist("/shifts"), _admin(422)),
    "rota.update_shift": ("POST", _shift(), _admin(422)),
    # Not confirmed yet: the confirmation page.
    "rota.remove_shift": ("POST", _shift("/remove"), _admin(200)),
    "rota.add_time_off": ("POST", _therapist("/time-off"), _admin(422)),
    "rota.remove_time_off": ("POST", _time_off("/admin/rota/time-off"), _admin(200)),
    # No state asked for: a bad request.
    "rota.set_active": ("POST", _therapist("/active"), _admin(400)),
    "rota.attention": ("GET", "/admin/rota/attention", ADMIN_ONLY),
    "rota.reassign": ("POST", _appointment("/reassign"), _admin(422)),
    "rota.cancel": ("POST", _appointment("/cancel"), _admin(200)),
    "rota.settings_page": ("GET", "/admin/rota/settings", ADMIN_ONLY),
    "rota.own_time_off": ("GET", _own, THERAPIST_ONLY),
    # The salon's switch is off by default: therapists may look, not change.
    "rota.add_own_time_off": ("POST", _own, {**THERAPIST_ONLY, "therapist": 403}),
    "rota.remove_own_time_off": ("POST", _time_off("/therapist/time-off"), {**THERAPIST_ONLY, "therapist": 403}),
}
