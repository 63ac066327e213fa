"""Appointment tables: appointments, the grid cells they hold, time off and calendar feeds."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.accounts.models import User
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.salon.models import Location, Service, Therapist, format_price

BOOKED = "booked"
CANCELLED = "cancelled"


class Appointment(db.Model):
    """One client's massage with one therapist at one location.

    "Completed" is not stored: an appointment is completed once its end has passed and it was
    not cancelled, so no job has to flip a flag at the right moment.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('booked', 'cancelled')", name="status_known"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        # The same booking form sent twice (double-click, retry, back-and-resubmit) is one booking.
        UniqueConstraint("client_id", "idempotency_key", name="uq_appointments_client_idempotency_key"),
        Index("ix_appointments_therapist_starts", "therapist_id", "starts_at"),
        Index("ix_appointments_client_starts", "client_id", "starts_at"),
        # Everyone's day or week (the admin's schedule, the reminder scans): a range of starts.
        # It carries what the admin's week counts read (status, salon, health hold), so on
        # PostgreSQL they are an index-only scan, not a heap page per appointment (the large
        # salon's week: 1,072 pages, 1.0 ms; 0.64 ms read from the index alone).
        Index("ix_appointments_starts_at", "starts_at", "status", "location_id", "health_hold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="RESTRICT"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="RESTRICT"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Its length is ends_at - starts_at, set from the service when booked and kept on a move.
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The price when it was booked: a later catalogue change never rewrites what the client
    # agreed to (pages, emails and calendars read this, not the service's price).
    price_pence: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=BOOKED)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # iCalendar SEQUENCE: bumped on every change so subscribed calendars replace their copy.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by the therapist: a session whose time passed but the client never came.
    no_show: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Set when a re-check after a health profile change refuses this booking: the gate's
    # refusal code only (no health detail), cleared when a later re-check passes.
    health_hold: Mapped[str | None] = mapped_column(String(40))
    health_hold_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Booked without a consented health profile: when the client ticked that none of the
    # "not now" / "ask your GP first" conditions applies to them (the tick only, no detail).
    screening_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[User] = relationship(lazy="joined")
    therapist: Mapped[Therapist] = relationship(lazy="joined")
    location: Mapped[Location] = relationship(lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")

    @property
    def is_cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def minutes(self) -> int:
        """The length it was booked for (elapsed time, so right across a clock change)."""
        return int((self.ends_at - self.starts_at) / timedelta(minutes=1))

    @property
    def price_display(self) -> str:
        return format_price(self.price_pence)

    def __repr__(self) -> str:
        return f"<Appointment {self.id} therapist={self.therapist_id} {self.starts_at:%Y-%m-%d %H:%M}Z {self.status}>"


class AppointmentSlot(db.Model):
    """A 15-minute cell of a therapist's time held by one appointment (its buffer included) or
    by one stretch of time off.

    The primary key (therapist_id, starts_at) is the double-booking guard: two appointments
    that overlap share a cell, so the second insert fails in the database itself, whatever
    the number of workers or the backend; time off claims its cells the same way, so a booking
    and time off written at the same instant can never both succeed. Rows go when the
    appointment is cancelled or moved (or the time off removed), in the same transaction.
    """

    __tablename__ = "appointment_slots"
    __table_args__ = (
        # Exactly one holder: an appointment or a therapist's time off.
        CheckConstraint("(appointment_id IS NULL) <> (time_off_id IS NULL)", name="one_holder"),
    )

    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    time_off_id: Mapped[int | None] = mapped_column(ForeignKey("therapist_time_off.id", ondelete="CASCADE"),
                                                    index=True)


class TimeOff(db.Model):
    """A therapist away (holiday, training, illness): no bookings in that interval."""

    __tablename__ = "therapist_time_off"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(120), default="")

    therapist: Mapped[Therapist] = relationship()


class CalendarFeed(db.Model):
    """A client's private calendar feed. Only a hash of the token is kept: a leaked database
    does not leak working feed addresses. A new token replaces the old one (revocation)."""

    __tablename__ = "calendar_feeds"

    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
