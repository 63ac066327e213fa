"""Rota forms: a shift, time off, the active switch, the salon's settings, an appointment action.

Every one is a POST with its CSRF token. Hidden `seen` values carry what the page showed, so a
change someone else made meanwhile is noticed (and the form keeps what was typed); `accepted`
carries the ids of the booked appointments the admin saw and confirmed.
"""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.booking.forms import DayInRange
from portal.db_types import MAX_ID
from portal.rota.rules import WEEKDAYS, ShiftSpec

TIME_HINT = "24-hour clock, e.g. 09:00"


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(value: str | None) -> set[int]:
    """"12,15" -> {12, 15}; anything unreadable is left out."""
    return {n for n in (_number(part) for part in (value or "").split(",")) if n is not None}


def format_ids(ids) -> str:
    return ",".join(str(i) for i in sorted(ids))


def encode_shift(spec: ShiftSpec) -> str:
    return f"{spec.weekday}|{spec.starts_at:%H:%M}|{spec.ends_at:%H:%M}|{spec.location_id}"


def decode_shift(value: str | None) -> ShiftSpec | None:
    try:
        weekday, starts, ends, location = (value or "").split("|")
        return ShiftSpec(int(weekday), time.fromisoformat(starts), time.fromisoformat(ends), int(location))
    except ValueError:
        return None


def parse_flag(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get((value or "").strip())


class ShiftForm(FlaskForm):
    weekday = SelectField("Day", coerce=int, choices=[SelectChoice(str(n), day) for n, day in enumerate(WEEKDAYS)],
                          validators=[InputRequired("Please choose a day of the week.")])
    location_id = SelectField("Salon", coerce=int, validate_choice=False,
                              validators=[InputRequired("Please choose a salon.")])
    starts_at = TimeField("Starts", validators=[InputRequired("Please give the time the shift starts, e.g. 09:00.")])
    ends_at = TimeField("Ends", validators=[InputRequired("Please give the time the shift ends, e.g. 17:00.")])
    seen = HiddenField()
    accepted = HiddenField()

    def spec(self) -> ShiftSpec:
        return ShiftSpec(self.weekday.data, self.starts_at.data, self.ends_at.data, self.location_id.data)


class TimeOffForm(FlaskForm):
    first_day = DateField("First day", validators=[InputRequired("Please give the day the time off starts."),
                                                    DayInRange()])
    last_day = DateField("Last day", validators=[Optional(), DayInRange()])
    starts_at = TimeField("From", validators=[Optional()])
    ends_at = TimeField("Until", validators=[Optional()])
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=120)])
    accepted = HiddenField()


class ConfirmForm(FlaskForm):
    """A destructive action: `confirmed` comes from the confirmation page (or htmx's hx-confirm)."""

    confirmed = HiddenField()
    seen = HiddenField()
    accepted = HiddenField()


class ActiveForm(FlaskForm):
    active = HiddenField()
    seen = HiddenField()
    confirmed = HiddenField()


class SettingsForm(FlaskForm):
    therapists_manage_own_time_off = BooleanField("Therapists may add and remove their own time off")
    seen = HiddenField()


class AppointmentActionForm(FlaskForm):
    therapist = StringField(validators=[Optional(), Length(max=12)])
    sequence = HiddenField()
    confirmed = HiddenField()
