"""Reads of the salon's own data, shaped for pages (eager loads so a page is a few queries)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from portal.extensions import db
from portal.guidance.rules import CatalogueService
from portal.salon import catalogue_cache
from portal.salon.models import Location, Service, Therapist, WorkingHours, service_locations
from portal.salon.opening import Shift


def active_services() -> list[Service]:
    return list(db.session.scalars(select(Service).where(Service.active).order_by(Service.price_pence)))


def catalogue() -> list[CatalogueService]:
    """The active services as plain data, for the guidance rule that suggests one (from the
    process's copy of the catalogue)."""
    return catalogue_cache.plain_services()


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.name)))


def location(location_id: int) -> Location | None:
    return db.session.get(Location, location_id)


def active_therapists() -> list[Therapist]:
    """The therapists clients can book, with qualifications and hours (three statements)."""
    return list(db.session.scalars(
        select(Therapist).where(Therapist.active)
        .options(selectinload(Therapist.qualifications),
                 selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
        .order_by(Therapist.display_name)
    ).unique())


def shifts() -> list[Shift]:
    """Every weekly shift of an active therapist, as plain data (one statement): what the
    salons' opening hours are worked out from."""
    rows = db.session.execute(
        select(WorkingHours.location_id, WorkingHours.weekday, WorkingHours.starts_at, WorkingHours.ends_at)
        .join(Therapist, Therapist.id == WorkingHours.therapist_id).where(Therapist.active)
    )
    return [Shift(*row) for row in rows]


def all_services() -> list[Service]:
    """Every service, retired ones too, with where each is offered: the admin's catalogue."""
    return list(db.session.scalars(
        select(Service).options(selectinload(Service.locations))
        .order_by(Service.active.desc(), Service.name)
    ))


def locations_offering(service_id: int) -> list[Location]:
    """The locations that offer this service (whether or not it is active)."""
    return list(db.session.scalars(
        select(Location).join(service_locations, service_locations.c.location_id == Location.id)
        .where(service_locations.c.service_id == service_id).order_by(Location.name)
    ))


def offered_at(service_id: int, location_id: int) -> bool:
    """Does this location offer this service? (Active or not: ask `Service.active` for that.)"""
    return db.session.scalar(
        select(service_locations.c.service_id)
        .where(service_locations.c.service_id == service_id, service_locations.c.location_id == location_id)
    ) is not None


def therapists() -> list[Therapist]:
    return list(db.session.scalars(
        select(Therapist)
        .options(selectinload(Therapist.qualifications),
                 selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
        .order_by(Therapist.display_name)
    ).unique())


# Built once: the therapist's day reads it on every request.
_THERAPIST_FOR_USER = (
    select(Therapist)
    .options(joinedload(Therapist.qualifications), joinedload(Therapist.working_hours).joinedload(WorkingHours.location),
             lazyload(Therapist.user))
    .where(Therapist.user_id == bindparam("user_id"))
)


def therapist_for_user(user_id: int) -> Therapist | None:
    """The therapist a login belongs to, with their qualifications and weekly hours (and each
    shift's salon), for reading: an active one is the process's catalogue copy (no statement);
    one no longer active is read (one statement: a few shifts times a few qualifications),
    without the login itself, which the caller has."""
    active = catalogue_cache.worked_out(("therapists by login",), lambda catalogue: {
        therapist.user_id: therapist for therapist in catalogue.therapists if therapist.user_id is not None})
    found = active.get(user_id)
    if found is not None:
        return found
    return db.session.scalars(_THERAPIST_FOR_USER, {"user_id": user_id}).unique().first()
