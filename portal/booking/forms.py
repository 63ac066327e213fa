"""Booking forms: choosing (a GET form, no CSRF) and booking, moving, cancelling (POSTs)."""

from __future__ import annotations

from datetime import datetime, timezone

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import UUID, InputRequired, Length, Optional, ValidationError

ANY_THERAPIST = "any"

TIME_MESSAGE = "Please choose one of the free times."


def parse_start(value: str | None) -> datetime | None:
    """A submitted start time (ISO 8601 with its offset) as aware UTC, or None."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None  # a time without an offset could mean two different instants
    return moment.astimezone(timezone.utc)


def therapist_id(value: str | None) -> int | None:
    """"any" (or nothing) means any suitable therapist; otherwise a therapist's id."""
    if not value or value == ANY_THERAPIST:
        return None
    return int(value) if value.isdigit() else -1  # -1: no such therapist, refused as such


class StartTime:
    """Validator: a start time the server can read unambiguously."""

    def __call__(self, form, field):
        if parse_start(field.data) is None:
            raise ValidationError(TIME_MESSAGE)


class ChooseForm(FlaskForm):
    """The booking page's choices. A GET form: it changes nothing, so it needs no CSRF token,
    and its address can be bookmarked or shared."""

    class Meta:
        csrf = False

    service = SelectField("Massage", coerce=int, validate_choice=False, validators=[Optional()])
    location = SelectField("Salon", coerce=int, validate_choice=False, validators=[Optional()])
    therapist = SelectField("Therapist", validate_choice=False, validators=[Optional()])
    day = DateField("Day", validators=[Optional()])


class BookForm(FlaskForm):
    """Book one start time. Every field is re-checked by the booking service."""

    service = IntegerField(validators=[InputRequired("Please choose a massage.")])
    location = IntegerField(validators=[InputRequired("Please choose a salon.")])
    therapist = StringField(validators=[Optional(), Length(max=12)])
    starts_at = StringField(validators=[InputRequired(TIME_MESSAGE), Length(max=40), StartTime()])
    # Drawn into the form when the page is rendered; the same form sent twice books once.
    idempotency_key = HiddenField(validators=[InputRequired(), UUID()])
    # Shown (and required by the booking service) only without a consented health profile.
    screening_confirmed = BooleanField()


class DayForm(FlaskForm):
    """Which day to show free times for when moving an appointment (GET)."""

    class Meta:
        csrf = False

    day = DateField("Day", validators=[Optional()])


class RescheduleForm(FlaskForm):
    starts_at = StringField(validators=[InputRequired(TIME_MESSAGE), Length(max=40), StartTime()])
    # Empty: the same therapist. Otherwise another one the move page offered (re-checked in full).
    therapist = StringField(validators=[Optional(), Length(max=12)])


class ScreeningForm(FlaskForm):
    """The screening tick for one appointment, when there is no consented profile."""

    screening_confirmed = BooleanField(validators=[InputRequired(
        "Please tick to confirm that none of the listed conditions applies to you.")])
