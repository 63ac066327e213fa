"""Locations, services and therapists, as the admin keeps them."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.extensions import db
from portal.vocabulary import checked_areas

PREGNANCY_MASSAGE = "pregnancy-massage"


def format_price(pence: int) -> str:
    """£35 or £35.50: one way to show money, for the catalogue and for booked appointments."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds}" if rest == 0 else f"£{pounds}.{rest:02d}"


def price_decimal(pence: int) -> str:
    """35.00: the price as a plain decimal in pounds, for machines (schema.org offers)."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"

therapist_qualifications = Table(
    "therapist_qualifications",
    db.metadata,
    Column("therapist_id", ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True),
    Column("qualification_id", ForeignKey("qualifications.id", ondelete="CASCADE"), primary_key=True),
)

# Which services each therapist gives: booking offers a therapist only for these.
therapist_services = Table(
    "therapist_services",
    db.metadata,
    Column("therapist_id", ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)

# Which locations offer which service: the booking page and availability offer a service only
# at these. A service with no row here is offered nowhere (the admin ticks at least one).
service_locations = Table(
    "service_locations",
    db.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(40))
    # This salon's own page on each booking platform (https), set by the admin; None: not listed.
    treatwell_url: Mapped[str | None] = mapped_column(String(500))
    fresha_url: Mapped[str | None] = mapped_column(String(500))
    booksy_url: Mapped[str | None] = mapped_column(String(500))
    # Bumped by every edit of these details in the back office (portal.salon.versions).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def listings(self) -> list[tuple[str, str]]:
        """(platform, url) for each platform this salon is listed on, in a fixed order."""
        found = (("Treatwell", self.treatwell_url), ("Fresha", self.fresha_url), ("Booksy", self.booksy_url))
        return [(name, url) for name, url in found if url]

    def __repr__(self) -> str:
        return f"<Location {self.slug}>"


class Service(db.Model):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        UniqueConstraint("name", name="uq_services_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    price_pence: Mapped[int]
    minutes: Mapped[int]
    # The body areas it works on: comma-separated keys of portal.vocabulary.BODY_AREAS, e.g.
    # "neck,shoulders,upper_back,lower_back", checked and put in vocabulary order on every write.
    body_areas: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by every edit in the back office, so a form drawn from an older version is noticed
    # (catalogue.services compares it in the UPDATE itself).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    locations: Mapped[list[Location]] = relationship(secondary=service_locations, order_by="Location.name")

    @validates("body_areas")
    def _check_body_areas(self, _key: str, value: str) -> str:
        return ",".join(checked_areas(a.strip() for a in value.split(",") if a.strip()))

    @property
    def price_display(self) -> str:
        return format_price(self.price_pence)

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(a for a in self.body_areas.split(",") if a)

    @areas.setter
    def areas(self, areas) -> None:
        self.body_areas = ",".join(areas)

    def __repr__(self) -> str:
        return f"<Service {self.slug}>"


class Qualification(db.Model):
    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Therapist(db.Model):
    __tablename__ = "therapists"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by every edit of the details page in the back office (portal.salon.versions).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    user = relationship("User", lazy="joined")
    qualifications: Mapped[list[Qualification]] = relationship(
        secondary=therapist_qualifications, order_by="Qualification.name"
    )
    services: Mapped[list[Service]] = relationship(secondary=therapist_services, order_by="Service.price_pence")
    working_hours: Mapped[list["WorkingHours"]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan",
        order_by="(WorkingHours.weekday, WorkingHours.starts_at)",
    )

    def has_qualification(self, slug: str) -> bool:
        return any(q.slug == slug for q in self.qualifications)

    def service_ids(self) -> frozenset[int]:
        """The services they give, by id (booking offers them for nothing else)."""
        return frozenset(s.id for s in self.services)

    def gives(self, service: Service) -> bool:
        """Whether they give this service (booking offers them for nothing else)."""
        return service.id in self.service_ids()

    def location_ids(self) -> frozenset[int]:
        """The salons they work at, by id, read from their hours (as `locations`)."""
        return frozenset(hours.location_id for hours in self.working_hours)

    @property
    def locations(self) -> list[Location]:
        """Where they work, read from their hours so the two can never disagree."""
        seen: dict[int, Location] = {}
        for hours in self.working_hours:
            seen.setdefault(hours.location.id, hours.location)
        return sorted(seen.values(), key=lambda loc: loc.name)

    def __repr__(self) -> str:
        return f"<Therapist {self.display_name}>"


class WorkingHours(db.Model):
    """One weekly shift: a therapist at a location on a weekday (0 = Monday), local time."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("therapist_id", "weekday", "starts_at", name="uq_working_hours_shift"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="RESTRICT"))
    weekday: Mapped[int]
    starts_at: Mapped[time] = mapped_column(Time())
    ends_at: Mapped[time] = mapped_column(Time())

    therapist: Mapped[Therapist] = relationship(back_populates="working_hours")
    location: Mapped[Location] = relationship(lazy="joined")


class CatalogueVersion(db.Model):
    """One row: a stamp that changes with every write to the catalogue (services, locations,
    qualifications, therapists and their hours), so each process knows when its cached copy
    (portal.salon.catalogue_cache) is out of date. A random stamp rather than a counter: a
    stamp written by a transaction that rolled back is never written again."""

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
