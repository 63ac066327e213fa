"""Which kinds of email each person wants (one row per user, created on first change)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db_types import UTCDateTime
from portal.extensions import db


class EmailPreferences(db.Model):
    """Per-kind opt-outs (clients) and the morning-list opt-in (therapists).

    No row means the defaults: every client message on, the morning list off."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    due_nudges: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    follow_ups: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    morning_list: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
