"""The catalogue (active services, locations, active therapists with their qualifications and
weekly hours) kept in each process, so pages that only show it read nothing but one stamp.

Every write to the catalogue changes the stamp in `catalogue_version` (its own transaction's
flush does it: the after_flush hook below watches the catalogue's models, so any back-office
form or script that changes them through the ORM invalidates every process's copy without
calling anything). Code that changes the catalogue another way (Core inserts, raw SQL) calls
`invalidate()` itself. A process compares the stamp once per transaction (it is remembered
with `portal.read_memo`) and reloads the whole catalogue when it differs. A logged-in request
reads it with its login (`STAMP`, selected by `accounts.services.load_user`), so its pages read no
stamp of their own.

The cached objects are detached copies, for reading only: pages and the read side of booking
use them; anything that writes (booking a therapist, editing a service) loads its own rows
through `db.session` as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, selectinload

from portal.extensions import EventSession, db
from portal.guidance.rules import CatalogueService
from portal.read_memo import remember, remembered
from portal.salon.models import (CatalogueVersion, Location, Qualification, Service, Therapist, WorkingHours,
                                 service_locations, therapist_qualifications, therapist_services)

CATALOGUE_MODELS = (Service, Location, Qualification, Therapist, WorkingHours)
_ROW_ID = 1


@dataclass(frozen=True)
class Catalogue:
    stamp: str | None
    services: tuple[Service, ...]  # active, cheapest first
    locations: tuple[Location, ...]  # by name
    therapists: tuple[Therapist, ...]  # active, by name, qualifications and hours loaded
    plain: tuple[CatalogueService, ...]  # the active services as the guidance rules take them
    # What pages work out from this copy alone (`worked_out`), kept with it: a change brings a new copy.
    derived: dict = field(default_factory=dict, compare=False, repr=False)


_cached: Catalogue | None = None
loads = 0  # how many times this process has read the catalogue from the database (for tests)


def invalidate(connection=None) -> None:
    """The catalogue changed in this transaction: give it a new stamp (committed with the change,
    so other processes reload once they see it) and drop this process's copy."""
    global _cached
    connection = connection if connection is not None else db.session.connection()
    stamp = uuid.uuid4().hex
    changed = connection.execute(update(CatalogueVersion).where(CatalogueVersion.id == _ROW_ID).values(stamp=stamp))
    if changed.rowcount == 0:
        connection.execute(insert(CatalogueVersion).values(id=_ROW_ID, stamp=stamp))
    _cached = None


# The stamp as a column another statement can carry: the per-request login check selects it with
# the user and their login session, so a logged-in page's catalogue costs no round trip of its own.
STAMP = select(CatalogueVersion.stamp).where(CatalogueVersion.id == _ROW_ID).scalar_subquery().label("catalogue_stamp")


@remembered
def current_stamp() -> str | None:
    return db.session.scalar(select(CatalogueVersion.stamp).where(CatalogueVersion.id == _ROW_ID))


def stamp_read_with(stamp: str | None) -> None:
    """`stamp` was read by another statement of this transaction (selecting `STAMP`): it is the
    current one until the transaction writes, as if `current_stamp()` had read it."""
    remember(current_stamp, (), stamp)


def catalogue() -> Catalogue:
    """The catalogue as of this transaction: this process's copy if its stamp is current."""
    global _cached, loads
    stamp = current_stamp()
    cached = _cached
    if cached is not None and stamp is not None and cached.stamp == stamp:
        return cached
    fresh = _load(stamp)
    loads += 1
    if stamp is not None:  # no stamp yet (a database no catalogue write has reached): never cache
        _cached = fresh
    return fresh


def active_services() -> list[Service]:
    return list(catalogue().services)


def locations() -> list[Location]:
    return list(catalogue().locations)


def active_therapists() -> list[Therapist]:
    return list(catalogue().therapists)


def plain_services() -> list[CatalogueService]:
    return list(catalogue().plain)


def worked_out(key: tuple, compute: Callable[[Catalogue], Any]) -> Any:
    """`compute(catalogue)` for something that depends on the catalogue alone (who works at a
    salon, say), worked out once per copy of it: a catalogue change makes a new copy, so it is
    worked out again. Two requests at once may both work it out; either result is the same."""
    current = catalogue()
    if key not in current.derived:
        current.derived[key] = compute(current)
    return current.derived[key]


def per_therapist(key: str, therapists: list[Therapist], compute: Callable[[Therapist], Any]) -> dict[int, Any]:
    """`compute(therapist)` for each of `therapists`, by id: worked out once per copy of the
    catalogue for the copy's own therapists (what the pages offer: a chain's dozens, on every
    booking page), afresh for any other row (one a write loaded itself, maybe changed since).
    Reads nothing: the latest copy is used whether current or not, as its objects are its own."""
    known = _per_therapist(key, compute)
    return {therapist.id: _known_or_computed(known, therapist, compute) for therapist in therapists}


def of_therapist(key: str, therapist: Therapist, compute: Callable[[Therapist], Any]) -> Any:
    """`per_therapist` for one therapist: what it gives for them, without building a dict."""
    return _known_or_computed(_per_therapist(key, compute), therapist, compute)


def _per_therapist(key: str, compute: Callable[[Therapist], Any]) -> dict[int, tuple[Therapist, Any]]:
    current = _cached
    if current is None:
        return {}
    known = current.derived.get(("per therapist", key))
    if known is None:
        known = current.derived[("per therapist", key)] = {id(t): (t, compute(t)) for t in current.therapists}
    return known


def _known_or_computed(known: dict, therapist: Therapist, compute: Callable[[Therapist], Any]) -> Any:
    entry = known.get(id(therapist))
    return entry[1] if entry is not None and entry[0] is therapist else compute(therapist)


def _load(stamp: str | None) -> Catalogue:
    # A session of its own on the request's connection (so it sees this transaction), closed at
    # once: what it loaded is detached, with every attribute the pages read already loaded.
    with Session(bind=db.session.connection(), expire_on_commit=False) as session:
        services = tuple(session.scalars(select(Service).where(Service.active).order_by(Service.price_pence)
                                         .options(selectinload(Service.locations))))
        locations = tuple(session.scalars(select(Location).order_by(Location.name)))
        therapists = tuple(session.scalars(
            select(Therapist).where(Therapist.active)
            .options(selectinload(Therapist.qualifications), selectinload(Therapist.services),
                     selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
            .order_by(Therapist.display_name)
        ).unique())
        session.expunge_all()
    plain = tuple(CatalogueService(s.id, s.name, frozenset(s.areas), s.price_pence) for s in services)
    return Catalogue(stamp, services, locations, therapists, plain)


@event.listens_for(EventSession, "after_flush")
def _stamp_catalogue_writes(session, flush_context) -> None:
    if any(isinstance(row, CATALOGUE_MODELS) for row in (*session.new, *session.dirty, *session.deleted)):
        invalidate(session.connection())


_CATALOGUE_TABLES = {model.__table__ for model in CATALOGUE_MODELS} | {
    therapist_qualifications, therapist_services, service_locations}


@event.listens_for(EventSession, "do_orm_execute")
def _stamp_catalogue_statements(state) -> None:
    # An INSERT, UPDATE or DELETE statement on a catalogue table (a bulk price change, say).
    if (state.is_insert or state.is_update or state.is_delete) and \
            getattr(state.statement, "table", None) in _CATALOGUE_TABLES:
        invalidate(state.session.connection())
