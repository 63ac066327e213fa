"""Share links: the client's own, each for one period, until it expires or is revoked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.accounts.models import User
from portal.db_types import UTCDateTime
from portal.extensions import db


class ReportShare(db.Model):
    """A link that opens the client's report without logging in. Like the calendar feed, only a
    hash of the token is kept: a leaked database does not leak working links."""

    __tablename__ = "report_shares"
    __table_args__ = (Index("ix_report_shares_client_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The period the client chose when making the link: the shared report shows just that.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    views: Mapped[int] = mapped_column(default=0)

    client: Mapped[User] = relationship()
