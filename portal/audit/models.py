"""Health-data access log: who, when, what kind of view; never the data itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db_types import UTCDateTime
from portal.extensions import db


class HealthAccess(db.Model):
    __tablename__ = "health_access_log"
    __table_args__ = (Index("ix_health_access_log_client_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written at the time, so the entry still reads right if the account goes.
    viewer_name: Mapped[str] = mapped_column(String(120))
    viewer_role: Mapped[str] = mapped_column(String(20))
    what: Mapped[str] = mapped_column(String(120))  # e.g. "pre-session brief for 3 Dec 2026"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    request_id: Mapped[str | None] = mapped_column(String(64))


class AdminChange(db.Model):
    """One change staff made in the back office: who, when, to what, old and new values.

    Never health data: callers pass catalogue, rota, account and booking fields only (the
    health gate's clearance goes to the health access log instead). `changes` maps each field
    to [old, new] as plain JSON values (strings, numbers, booleans, null).
    """

    __tablename__ = "admin_changes"
    __table_args__ = (
        Index("ix_admin_changes_at", "at"),
        Index("ix_admin_changes_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept as written at the time, so the entry still reads right if the account goes.
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))  # "created", "updated", "retired", "cancelled"...
    subject_type: Mapped[str] = mapped_column(String(40))  # "service", "therapist", "time_off"...
    subject_id: Mapped[int | None]
    subject_label: Mapped[str] = mapped_column(String(200))  # "Deep Tissue Massage"
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
