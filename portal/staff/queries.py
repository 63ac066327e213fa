"""Reads for the back office's people pages (eager loads: each page is a few queries)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.extensions import db
from portal.roles import ADMIN, CLIENT, THERAPIST
from portal.salon.models import Qualification, Service, Therapist


def clients_with_phone(phone: str) -> list[User]:
    """The clients already kept with this (normalised) phone number, by name."""
    return list(db.session.scalars(select(User).where(User.role == CLIENT, User.phone == phone).order_by(User.name)))


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == ADMIN).order_by(User.name)))


def therapists() -> list[Therapist]:
    """Every therapist, with or without a login, with what the staff page shows of them."""
    return list(db.session.scalars(
        select(Therapist)
        .options(selectinload(Therapist.qualifications), selectinload(Therapist.services))
        .order_by(Therapist.display_name)
    ).unique())


def therapist(therapist_id: int) -> Therapist | None:
    return db.session.scalar(
        select(Therapist)
        .options(selectinload(Therapist.qualifications), selectinload(Therapist.services))
        .where(Therapist.id == therapist_id)
    )


def therapist_of(user_id: int) -> Therapist | None:
    return db.session.scalar(select(Therapist).where(Therapist.user_id == user_id))


def staff_member(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.role in (THERAPIST, ADMIN) else None


def qualifications() -> list[Qualification]:
    return list(db.session.scalars(select(Qualification).order_by(Qualification.name)))


def services() -> list[Service]:
    """The whole catalogue, retired services too (a therapist may keep giving one)."""
    return list(db.session.scalars(select(Service).order_by(Service.active.desc(), Service.price_pence, Service.name)))
