"""Health profiles: consent on the profile, contents sealed per revision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from portal import clock
from portal.db_types import UTCDateTime
from portal.encryption import Sealed
from portal.extensions import db
from portal.sealing import SealedBlob, SealedField


class HealthProfile(db.Model):
    """One per client. Holds the consent record; what the client told us lives in revisions."""

    __tablename__ = "health_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    consent_version: Mapped[str | None] = mapped_column(String(40))
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    revisions: Mapped[list["ProfileRevision"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProfileRevision.id",
    )

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None

    @property
    def seal_context(self) -> str:
        return f"health-profile:{self.id}:client:{self.client_id}"


class ProfileRevision(db.Model):
    """Every save of the profile, sealed with AES-GCM; the newest is the profile as it is now."""

    __tablename__ = "health_profile_revisions"
    # The latest revision of a profile is max(id) for its profile_id: with only the profile_id
    # index PostgreSQL walks the primary key backwards through every later client's revisions
    # (6 ms for an early client of a 20,000-client salon); this answers it from one index entry.
    __table_args__ = (Index("ix_health_profile_revisions_profile_id_id", "profile_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("health_profiles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    sealed: Mapped[Sealed] = mapped_column(SealedBlob())
    # Saved by a member of staff for the client (reception recording the GP clearance the
    # client showed); None: the client saved it. The name is kept as written at the time, so
    # the history still reads right if the staff account goes.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str | None] = mapped_column(String(120))

    profile: Mapped[HealthProfile] = relationship(back_populates="revisions")

    # The profile content as JSON, bound to the profile (and so to the client) it belongs to.
    content_json = SealedField("sealed", context=lambda revision: revision.profile.seal_context,
                               load=lambda: (selectinload(ProfileRevision.profile),))
