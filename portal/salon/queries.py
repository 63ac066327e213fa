"""Reads of the salon's own data, shaped for pages (eager loads so a page is a few queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.salon import catalogue_cache
from portal.salon.models import Location, Service, Therapist, WorkingHours


def active_services() -> list[Service]:
    return list(db.session.scalars(select(Service).where(Service.active).order_by(Service.price_pence)))


def catalogue() -> list[CatalogueService]:
    """The active services as plain data, for the guidance rule that suggests one (from the
    process's copy of the catalogue)."""
    return catalogue_cache.plain_services()


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.name)))


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
