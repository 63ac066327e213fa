"""Feedback after a session and a pain check-in between sessions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import ValidationError
from wtforms.fields.choices import SelectChoice

from portal.feedback.meaning import NUMBNESS_QUESTION
from portal.feedback.models import AREAS, PRESSURES, WELLBEING
from portal.feedback.services import FeedbackInput
from portal.fields import CheckboxesField, ChoicesOnly, MaxChars, PainField, multiline, offered
from portal.guidance.rules import AREAS as AREA_LABELS

NOTE_MAX = 1000
# "a_little_firm" -> "A little firm": the stored words, read aloud.
PRESSURE_LABELS = {pressure: pressure.replace("_", " ").capitalize() for pressure in PRESSURES}
PRESSURE_CHOICES = [SelectChoice(pressure, label) for pressure, label in PRESSURE_LABELS.items()]
AREA_CHOICES = [SelectChoice(area, AREA_LABELS[area].capitalize()) for area in AREAS]


STRESS_MESSAGE = "Stress is a whole number from 0 (none) to 10 (the most), or leave it blank."
SLEEP_MESSAGE = "Sleep quality is a whole number from 0 (very poor) to 10 (very good), or leave it blank."


def _wellbeing_fields():
    return (PainField("Stress, 0 (none) to 10 (the most)", message=STRESS_MESSAGE),
            PainField("Sleep quality, 0 (very poor) to 10 (very good)", message=SLEEP_MESSAGE))


CONSENT_MESSAGE = "Please tick to agree, or we can't keep your pain scores and notes."


class ConsentMixin:
    """A consent box, required only while the client has not (or no longer) agreed."""

    consent = BooleanField("I agree to this")

    def __init__(self, *args, needs_consent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_consent = needs_consent

    def validate_consent(self, field):
        if self.needs_consent and not field.data:
            raise ValidationError(CONSENT_MESSAGE)


class FeedbackForm(ConsentMixin, FlaskForm):
    pressure = RadioField("How was the pressure?", choices=PRESSURE_CHOICES, validate_choice=False,
                          validators=[ChoicesOnly()])
    focus_areas = CheckboxesField("Where should we focus next time?", choices=AREA_CHOICES)
    note = TextAreaField("A note for your therapist (optional)", validators=[MaxChars(NOTE_MAX)], filters=[multiline])
    stress, sleep_quality = _wellbeing_fields()

    def pain_fields(self):
        """(area, label, before field, after field) rows for the template."""
        return [(area, AREA_LABELS[area].capitalize(), self[f"{area}_before"], self[f"{area}_after"])
                for area in AREAS]

    def to_input(self) -> FeedbackInput:
        pressure = self.pressure.data if self.pressure.data in PRESSURE_LABELS else None
        return FeedbackInput(
            pressure=pressure,
            pain_before={a: self[f"{a}_before"].data for a in AREAS if self[f"{a}_before"].data is not None},
            pain_after={a: self[f"{a}_after"].data for a in AREAS if self[f"{a}_after"].data is not None},
            focus_areas=offered(self.focus_areas),
            note=self.note.data or "",
            stress=self.stress.data,
            sleep_quality=self.sleep_quality.data,
        )


class CheckInForm(ConsentMixin, FlaskForm):
    # Optional: a form posted without it (an older page, a script) records "no".
    numbness = RadioField(NUMBNESS_QUESTION, choices=[SelectChoice("no", "No"), SelectChoice("yes", "Yes")],
                          validate_choice=False, validators=[ChoicesOnly()])
    stress, sleep_quality = _wellbeing_fields()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "checkin")  # its fields sit beside the feedback form's
        super().__init__(*args, **kwargs)

    def pain_fields(self):
        return [(area, AREA_LABELS[area].capitalize(), self[area]) for area in AREAS]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        scored = [*AREAS, *WELLBEING]
        if not any(self[name].errors for name in scored) and all(self[name].data is None for name in scored):
            self[AREAS[0]].errors = ["Please score at least one area (0 means no pain), or your stress or sleep."]
            return False
        return valid

    def pain(self) -> dict[str, int]:
        return {area: self[area].data for area in AREAS if self[area].data is not None}

    def wellbeing(self) -> dict[str, int]:
        return {name: self[name].data for name in WELLBEING if self[name].data is not None}

    def new_numbness(self) -> bool:
        return self.numbness.data == "yes"


for _area in AREAS:
    _label = AREA_LABELS[_area]
    setattr(FeedbackForm, f"{_area}_before", PainField(f"{_label.capitalize()}: pain before"))
    setattr(FeedbackForm, f"{_area}_after", PainField(f"{_label.capitalize()}: pain after"))
    setattr(CheckInForm, _area, PainField(_label.capitalize()))
