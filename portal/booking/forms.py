"""Booking forms: choosing (a GET form, no CSRF) and booking, moving, cancelling (POSTs)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import UUID, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.db_types import MAX_ID, day_in_range, valid_id
from portal.fields import DayInRange
from portal.salon import catalogue_cache
from portal.timezones import SALON_TZ

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
    if not day_in_range(moment):
        return None  # years like 0001 or 9999 overflow as soon as anything is added to them
    return moment.astimezone(timezone.utc)


_TIME_OF_DAY = re.compile(r"[0-2][0-9]:[0-5][0-9]")


def local_start(day: str | None, time_of_day: str | None) -> str | None:
    """A day and a time on the salon's clock ("2026-03-15", "09:30"), as the booking page's free
    times send them (the day once, each time as its label), as ISO 8601 with its offset; None if
    unreadable, or if the clocks change then (a skipped or repeated local time is not one instant)."""
    day, time_of_day = (day or "").strip(), (time_of_day or "").strip()
    if not _TIME_OF_DAY.fullmatch(time_of_day):
        return None
    try:
        moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(time_of_day), tzinfo=SALON_TZ)
    except ValueError:
        return None
    if not day_in_range(moment) or moment.utcoffset() != moment.replace(fold=1).utcoffset():
        return None
    return moment.isoformat()


def chosen_time_data(args):
    """The confirm step's query: the booking page's free times send `day` and `time` (fewer bytes
    than a full instant per time); other forms send `starts_at` itself."""
    if args.get("starts_at") or "time" not in args:
        return args
    args = args.copy()
    args["starts_at"] = local_start(args.get("day"), args.get("time")) or ""
    return args


def therapist_id(value: str | None) -> int | None:
    """"any" (or nothing) means any suitable therapist; otherwise a therapist's id."""
    if not value or value == ANY_THERAPIST:
        return None
    number = _whole_number(value)
    return number if valid_id(number) else -1  # -1: no such therapist, refused as such


def seen_sequence(value: str | None) -> int | None:
    """The appointment version a move or cancel form was drawn from; None if missing or unreadable."""
    number = _whole_number((value or "").strip())
    return number if number is not None and number <= MAX_ID else None


def optional_id(value: str | None) -> int | None:
    """A row id sent back in a form (e.g. the appointment a rebooked time came from), or None."""
    number = _whole_number((value or "").strip())
    return number if valid_id(number) else None


def _whole_number(value: str) -> int | None:
    """ASCII digits only: `str.isdigit` also passes "²", which `int` then refuses."""
    return int(value) if value.isascii() and value.isdigit() else None


class StartTime:
    """Validator: a start time the server can read unambiguously."""

    def __call__(self, form, field):
        if parse_start(field.data) is None:
            raise ValidationError(TIME_MESSAGE)


SERVICE_MESSAGE = "Please choose a massage."
UNKNOWN_THERAPIST_MESSAGE = "That therapist doesn't work at that salon. Please choose again."
LOCATION_MESSAGE = "Please choose a salon."
REBOOK_MESSAGE = "That rebook offer can't be found. Please choose a time again."


def id_range(message: str) -> NumberRange:
    """Validator: a number that could be a row's id (the field's own message otherwise)."""
    return NumberRange(min=1, max=MAX_ID, message=message)


class ChooseForm(FlaskForm):
    """The booking page's choices. A GET form: it changes nothing, so it needs no CSRF token,
    and its address can be bookmarked or shared."""

    class Meta:
        csrf = False

    service = SelectField("Massage", coerce=int, validate_choice=False, validators=[Optional()])
    location = SelectField("Salon", coerce=int, validate_choice=False, validators=[Optional()])
    therapist = SelectField("Therapist", validate_choice=False, validators=[Optional()])
    day = DateField("Day", validators=[Optional(), DayInRange()])


class BookForm(FlaskForm):
    """Book one start time. Every field is re-checked by the booking service."""

    service = IntegerField(validators=[InputRequired(SERVICE_MESSAGE), id_range(SERVICE_MESSAGE)])
    location = IntegerField(validators=[InputRequired(LOCATION_MESSAGE), id_range(LOCATION_MESSAGE)])
    # Too long to be an id: the same words as for any therapist we don't have.
    therapist = StringField(validators=[Optional(), Length(max=12, message=UNKNOWN_THERAPIST_MESSAGE)])
    starts_at = StringField(validators=[InputRequired(TIME_MESSAGE), Length(max=40), StartTime()])
    # Drawn into the form when the page is rendered; the same form sent twice books once.
    idempotency_key = HiddenField(validators=[InputRequired(), UUID()])
    # Shown (and required by the booking service) only without a consented health profile.
    screening_confirmed = BooleanField()


class ChosenTimeForm(FlaskForm):
    """A chosen free time, before it is booked (GET): the confirm step reads it and shows a
    summary. It changes nothing, so no CSRF token; the booking itself is the POST (BookForm).

    `rebook`: the appointment whose rebook offer the time came from, for the way back."""

    class Meta:
        csrf = False

    service = IntegerField(validators=[InputRequired(SERVICE_MESSAGE), id_range(SERVICE_MESSAGE)])
    location = IntegerField(validators=[InputRequired(LOCATION_MESSAGE), id_range(LOCATION_MESSAGE)])
    therapist = StringField(validators=[Optional(), Length(max=12, message=UNKNOWN_THERAPIST_MESSAGE)])
    starts_at = StringField(validators=[InputRequired(TIME_MESSAGE), Length(max=40), StartTime()])
    idempotency_key = HiddenField(validators=[Optional(), UUID()])
    rebook = IntegerField(validators=[Optional(), id_range(REBOOK_MESSAGE)])


class DayForm(FlaskForm):
    """Which day to show free times for when moving an appointment (GET)."""

    class Meta:
        csrf = False

    day = DateField("Day", validators=[Optional(), DayInRange()])


class RescheduleForm(FlaskForm):
    starts_at = StringField(validators=[InputRequired(TIME_MESSAGE), Length(max=40), StartTime()])
    # Empty: the same therapist. Otherwise another one the move page offered (re-checked in full).
    therapist = StringField(validators=[Optional(), Length(max=12)])


class ScreeningForm(FlaskForm):
    """The screening tick for one appointment, when there is no consented profile."""

    screening_confirmed = BooleanField(validators=[InputRequired(
        "Please tick to confirm that none of the listed conditions applies to you.")])


def therapist_label(therapist) -> str:
    """A therapist as the booking form lists them: "Amelia Hart (Gosforth, Newcastle City Centre)"."""
    return f"{therapist.display_name} ({', '.join(loc.name for loc in therapist.locations)})"


def fill_choices(form: ChooseForm, offer) -> ChooseForm:
    """Fill the choice lists from a booking offer (`offer.BookingOffer`) and show what it settled
    on: the client's booking page and reception's booking for a client draw the same form."""
    form.service.choices = [(s.id, f"{s.name} · {s.minutes} min · {s.price_display}") for s in offer.services]
    form.location.choices = [(loc.id, loc.name) for loc in offer.locations]
    labels = catalogue_cache.per_therapist("choice label", offer.therapists, therapist_label)
    form.therapist.choices = [("any", "Any suitable therapist")] + [(str(t.id), labels[t.id]) for t in offer.therapists]
    form.service.data = offer.service.id if offer.service else None
    form.location.data = offer.location.id if offer.location else None
    form.therapist.data = offer.therapist_value
    form.day.data = offer.day
    return form
