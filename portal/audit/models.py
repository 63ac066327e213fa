"""Health-data access log: who, when, what kind of view; never the data itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
