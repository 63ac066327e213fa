"""Session feedback, pain check-ins and therapists' treatment notes."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db_types import UTCDateTime
from portal.encryption import Sealed
from portal.extensions import db
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.guidance.rules import PRESSURE_FEEDBACK
from portal.sealing import SealedBlob, SealedField

# The guidance rules own the vocabulary; the tables store the same words.
AREAS = tuple(AREA_LABELS)
PRESSURES = PRESSURE_FEEDBACK


def _pain_checks(columns: list[str]) -> tuple:
    return tuple(CheckConstraint(f"{c} IS NULL OR ({c} BETWEEN 0 AND 10)", name=f"{c}_range") for c in columns)


_SESSION_COLUMNS = [f"{area}_{when}" for area in AREAS for when in ("before", "after")]
# Optional 0-10 answers beside pain, in check-ins and session feedback: how stressed the client
# feels (0 none, 10 the most) and how well they slept (0 very badly, 10 very well).
WELLBEING = ("stress", "sleep_quality")


def answered(names, values) -> dict[str, int]:
    """{name: value} for scores read column by column (`values` in `names`' order), leaving out
    what was not answered: what `pain()` and `wellbeing()` below give, for reads of the columns."""
    return {name: value for name, value in zip(names, values) if value is not None}


# Each set of scores read off a row in one call (a page reads them a few dozen times).
_READ_SCORES = {when: attrgetter(*(f"{area}_{when}" for area in AREAS)) for when in ("before", "after")}
_READ_WELLBEING = attrgetter(*WELLBEING)
_READ_CHECKIN_PAIN = attrgetter(*AREAS)


class AppointmentFeedback(db.Model):
    """What the client said about one completed appointment (editable for a week)."""

    __tablename__ = "appointment_feedback"
    __table_args__ = (
        CheckConstraint("pressure IS NULL OR pressure IN (" + ", ".join(f"'{p}'" for p in PRESSURES) + ")",
                        name="pressure_known"),
        *_pain_checks(_SESSION_COLUMNS),
        *_pain_checks(list(WELLBEING)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pressure: Mapped[str | None] = mapped_column(String(20))
    neck_before: Mapped[int | None] = mapped_column(SmallInteger)
    neck_after: Mapped[int | None] = mapped_column(SmallInteger)
    shoulders_before: Mapped[int | None] = mapped_column(SmallInteger)
    shoulders_after: Mapped[int | None] = mapped_column(SmallInteger)
    upper_back_before: Mapped[int | None] = mapped_column(SmallInteger)
    upper_back_after: Mapped[int | None] = mapped_column(SmallInteger)
    lower_back_before: Mapped[int | None] = mapped_column(SmallInteger)
    lower_back_after: Mapped[int | None] = mapped_column(SmallInteger)
    stress: Mapped[int | None] = mapped_column(SmallInteger)
    sleep_quality: Mapped[int | None] = mapped_column(SmallInteger)
    focus_areas: Mapped[str] = mapped_column(String(80), default="")  # comma-separated AREAS
    # The free-text note for the therapist is sealed like the health profile.
    note_sealed: Mapped[Sealed | None] = mapped_column(SealedBlob())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    def pain(self, when: str) -> dict[str, int]:
        """{area: score} for "before" or "after", leaving out areas the client left blank."""
        return answered(AREAS, _READ_SCORES[when](self))

    def wellbeing(self) -> dict[str, int]:
        """{"stress": n, "sleep_quality": n}, leaving out what was not answered."""
        return answered(WELLBEING, _READ_WELLBEING(self))

    @property
    def focus(self) -> list[str]:
        return [a for a in self.focus_areas.split(",") if a]

    @property
    def seal_context(self) -> str:
        return f"feedback-note:{self.appointment_id}:client:{self.client_id}"

    note = SealedField("note_sealed", context=lambda feedback: feedback.seal_context)


class PainCheckIn(db.Model):
    """Today's pain per area, between visits."""

    __tablename__ = "pain_checkins"
    __table_args__ = (
        *_pain_checks(list(AREAS)),
        *_pain_checks(list(WELLBEING)),
        Index("ix_pain_checkins_client_at", "client_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # The session this check-in answers ("how is your lower back now?", 48 hours after it),
    # or None for a check-in between visits.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"),
                                                       index=True)
    neck: Mapped[int | None] = mapped_column(SmallInteger)
    shoulders: Mapped[int | None] = mapped_column(SmallInteger)
    upper_back: Mapped[int | None] = mapped_column(SmallInteger)
    lower_back: Mapped[int | None] = mapped_column(SmallInteger)
    # "Any new numbness, tingling or weakness?" answered yes: health data like the scores (the
    # row goes with the health profile), and a reason to send the client to a clinician.
    new_numbness: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    stress: Mapped[int | None] = mapped_column(SmallInteger)
    sleep_quality: Mapped[int | None] = mapped_column(SmallInteger)

    def wellbeing(self) -> dict[str, int]:
        """{"stress": n, "sleep_quality": n}, leaving out what was not answered."""
        return answered(WELLBEING, _READ_WELLBEING(self))

    def pain(self) -> dict[str, int]:
        return answered(AREAS, _READ_CHECKIN_PAIN(self))


class TreatmentNote(db.Model):
    """A therapist's private note after a session: staff only, sealed at rest."""

    __tablename__ = "treatment_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))
    sealed: Mapped[Sealed] = mapped_column(SealedBlob())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    @property
    def seal_context(self) -> str:
        return f"treatment-note:{self.appointment_id}"

    text = SealedField("sealed", context=lambda note: note.seal_context)
