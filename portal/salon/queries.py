"""Reads of the salon's own data, shaped for pages (eager loads so a page is a few queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.guidance.rules import CatalogueService
from portal.salon.models import Location, Service, Therapist, WorkingHours, service_locations


def active_services() -> list[Service]:
    return list(db.session.scalars(select(Service).where(Service.active).order_by(Service.price_pence)))


def catalogue() -> list[CatalogueService]:
    """The active services as plain data, for the guidance rule that suggests one."""
    return [CatalogueService(s.id, s.name, frozenset(s.areas), s.price_pence) for s in active_services()]


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.name)))


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


def therapist_for_user(user_id: int) -> Therapist | None:
    return db.session.scalar(
        select(Therapist)
        .options(selectinload(Therapist.qualifications),
                 selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
        .where(Therapist.user_id == user_id)
    )
