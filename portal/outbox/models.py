"""One row per email the portal sends: queued in the sender's transaction, delivered by a job.

(kind, key) is unique, so queueing the same message twice adds nothing and a retried job finds
the row already sent. The body is rendered when queued (names and links as they were then) and
cleared once delivered: the row then only says what was sent, when, to whom (the client's
history), and a reset or confirmation link does not stay readable in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db_types import UTCDateTime
from portal.extensions import db

QUEUED = "queued"      # waiting for its first try (or its not_before time)
SENDING = "sending"    # a job holds it (until locked_until) and is talking to the mail server
SENT = "sent"
FAILED = "failed"      # a try failed; the next is at next_attempt_at
DEAD = "dead"          # out of tries (or refused for good): the admin's dead letters
STATUSES = (QUEUED, SENDING, SENT, FAILED, DEAD)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_outbox_messages_kind_key"),
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'dead')", name="status"),
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_messages_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))       # "booked", "reset_password", "reminder"...
    key: Mapped[str] = mapped_column(String(200))       # unique per kind: "12:3" (appointment 12, sequence 3)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)      # cleared once sent
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    transactional: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"),
                                                       index=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
