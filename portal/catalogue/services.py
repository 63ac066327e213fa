"""Catalogue operations: plain data and the acting admin in, the flushed Service out.

They flush and never commit (the request commits once), and every change goes to the activity
log (`audit.services.record_change`) in the same transaction. A price or length change touches
only the catalogue: each appointment keeps the price and length it was booked at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.audit.services import record_change
from portal.extensions import db
from portal.salon import versions
from portal.salon.models import Location, Service, Therapist, format_price, therapist_services
from portal.salon.pricing import minutes_problem
from portal.vocabulary import join_labels

SUBJECT = "service"


@dataclass(frozen=True)
class ServiceInput:
    """What the admin typed, already parsed: pence, not "35.50"; location ids, not names."""

    name: str
    description: str
    minutes: int
    price_pence: int
    areas: tuple[str, ...]
    location_ids: tuple[int, ...]
    active: bool = True
    slug: str = ""  # empty: made from the name


class CatalogueProblem(ValueError):
    """A change the catalogue refuses; `field` is the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleService(CatalogueProblem):
    """The service was saved by someone else since the form was drawn (its version moved on)."""

    def __init__(self, current: Service):
        super().__init__(
            f"Someone else saved {current.name} after you opened this form. Nothing of yours was "
            "saved: check the values now saved (shown below the form), then save again to keep yours.")
        self.current = current


def slugify(name: str) -> str:
    """"Hot Stone Massage" -> "hot-stone-massage" (ASCII, for addresses and the demo loader)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "service"


def _check(data: ServiceInput, service_id: int | None) -> tuple[str, list[Location]]:
    """Refuse what the database would refuse, with messages: a length off the booking grid,
    a name or address already used, unknown salons. Returns the slug and the locations."""
    problem = minutes_problem(data.minutes, current_app.config["BOOKING_GRID_MINUTES"])
    if problem:
        raise CatalogueProblem(problem, "minutes")
    slug = data.slug or slugify(data.name)
    others = select(Service).where(Service.id != service_id) if service_id else select(Service)
    if db.session.scalar(others.where(func.lower(Service.name) == data.name.lower()).limit(1)):
        raise CatalogueProblem(f"There is already a service called {data.name}. Please choose another name.", "name")
    if db.session.scalar(others.where(Service.slug == slug).limit(1)):
        raise CatalogueProblem(f"The web address name {slug} is already used by another service. "
                               "Please choose another.", "slug")
    locations = list(db.session.scalars(select(Location).where(Location.id.in_(data.location_ids))
                                        .order_by(Location.name)))
    if len(locations) != len(set(data.location_ids)):
        raise CatalogueProblem("Please choose from the salons shown.", "locations")
    if not locations:
        raise CatalogueProblem("Please tick at least one salon that offers it.", "locations")
    return slug, locations


def _snapshot(service: Service) -> dict:
    """The fields the activity log shows, as people read them (prices in pounds)."""
    return {
        "name": service.name, "slug": service.slug, "description": service.description,
        "length": f"{service.minutes} min", "price": format_price(service.price_pence),
        "body areas": join_labels(service.areas), "locations": ", ".join(loc.name for loc in service.locations),
        "active": service.active,
    }


def _apply(service: Service, data: ServiceInput, slug: str, locations: list[Location]) -> None:
    service.name, service.slug, service.description = data.name, slug, data.description
    service.minutes, service.price_pence, service.active = data.minutes, data.price_pence, data.active
    service.areas = data.areas
    service.locations = locations


def _flush_unique() -> None:
    """Flush; a name or slug taken between our check and now is a message, not a 500."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise CatalogueProblem("Another service took that name or address a moment ago. "
                               "Please choose another.", "name") from error


def create_service(admin: User, data: ServiceInput) -> Service:
    slug, locations = _check(data, None)
    service = Service(version=1)
    _apply(service, data, slug, locations)
    with db.session.begin_nested():
        db.session.add(service)
        _flush_unique()
    record_change(admin, "created", SUBJECT, service.id, service.name,
                  {field: (None, value) for field, value in _snapshot(service).items()})
    # Booking offers a therapist only for the services they give: a new massage starts as given
    # by every active therapist (the staff pages take it away from whoever does not give it).
    db.session.execute(insert(therapist_services).from_select(
        ["therapist_id", "service_id"],
        select(Therapist.id, literal(service.id)).where(Therapist.active)))
    return service


def get_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound()
    return service


def _claim(service: Service, seen_version: int | None) -> None:
    """Move the row to its next version, only if it is still the version the form was drawn
    from: one UPDATE, so two admins saving at once cannot both pass (the second waits for the
    first's row lock, then matches nothing)."""
    if not versions.claim(Service, service, seen_version):
        raise StaleService(service)


def update_service(admin: User, service_id: int, data: ServiceInput, seen_version: int | None) -> Service:
    """Save the admin's edit of a service drawn at `seen_version`; StaleService if it moved on."""
    service = get_service(service_id)
    slug, locations = _check(data, service.id)
    before = _snapshot(service)
    with db.session.begin_nested():
        _claim(service, seen_version)
        _apply(service, data, slug, locations)
        _flush_unique()
    after = _snapshot(service)
    action = {(True, False): "retired", (False, True): "reinstated"}.get((before["active"], after["active"]), "updated")
    record_change(admin, action, SUBJECT, service.id, service.name,
                  {field: (before[field], after[field]) for field in before})
    return service


def retire_service(admin: User, service_id: int, seen_version: int | None) -> Service:
    """Stop offering a service. Nothing is deleted: its appointments, past and booked, keep
    their service, price and length; it just can't be booked any more."""
    service = get_service(service_id)
    if not service.active:
        return service  # retired already (a second click): nothing to do, nothing to log
    with db.session.begin_nested():
        _claim(service, seen_version)
        service.active = False
        db.session.flush()
    record_change(admin, "retired", SUBJECT, service.id, service.name, {"active": (True, False)})
    return service
