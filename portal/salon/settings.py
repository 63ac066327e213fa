"""The salon's own switches, kept as key/value rows with typed getters.

A setting that has never been saved reads as its default, so a new switch needs no data
migration. Values are stored as text; each key has one type, declared in SETTINGS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db_types import UTCDateTime
from portal.extensions import db

THERAPISTS_MANAGE_OWN_TIME_OFF = "therapists_manage_own_time_off"


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    hint: str
    default: bool


# Every setting the admin can change, in the order the settings page shows them.
SETTINGS = {
    THERAPISTS_MANAGE_OWN_TIME_OFF: Setting(
        THERAPISTS_MANAGE_OWN_TIME_OFF, "Therapists may add and remove their own time off",
        "When off, only an admin changes time off; therapists still see theirs.", False),
}


class SalonSetting(db.Model):
    __tablename__ = "salon_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


def _as_bool(text: str | None, default: bool) -> bool:
    if text is None:
        return default
    return text == "1"


def get_bool(key: str) -> bool:
    setting = SETTINGS[key]
    return _as_bool(db.session.scalar(select(SalonSetting.value).where(SalonSetting.key == key)), setting.default)


def set_bool(key: str, value: bool) -> bool:
    """Store the switch (flushes); returns what it was before."""
    before = get_bool(key)
    row = db.session.get(SalonSetting, key)
    if row is None:
        db.session.add(SalonSetting(key=key, value="1" if value else "0", updated_at=clock.now()))
    else:
        row.value, row.updated_at = ("1" if value else "0"), clock.now()
    db.session.flush()
    return before


def therapists_manage_own_time_off() -> bool:
    return get_bool(THERAPISTS_MANAGE_OWN_TIME_OFF)
