"""The health profile form: every condition, lifestyle, problem areas, pressure and notes.

Validation says what is wrong in the client's words; on any error nothing is stored and the
form comes back as it was typed.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from portal.db_types import day_in_range
from portal.fields import CheckboxesField, ChoicesOnly, DayInRange, MaxChars, multiline, offered, strip
from portal.guidance.rules import AREAS, CONDITIONS, PRESSURE_PREFERENCES
from portal.profile.content import (
    DETAIL_MAX,
    GOALS,
    GOALS_OWN_WORDS_MAX,
    NOTES_MAX,
    SHORT_TEXT_MAX,
    ConditionEntry,
    ProfileContent,
)

# A pregnancy lasts at most about 42 weeks: a due date further out than that is a typo.
LONGEST_PREGNANCY = timedelta(weeks=42)
# A pregnancy can run two weeks past its due date (42 weeks in all): an overdue client keeps
# pregnancy on their profile, and can still save it, until then.
OVERDUE_AT_MOST = timedelta(weeks=2)

LIFESTYLE_CHOICES = [
    SelectChoice("desk_worker", "I work at a desk most days"),
    SelectChoice("athlete", "I train or play sport regularly"),
    SelectChoice("chronic_back_pain", "I have chronic (long-term) back pain"),
]
# "Recovering from a back injury" is asked once, as a condition, because it needs clearance.

AREA_CHOICES = [SelectChoice(slug, label.capitalize()) for slug, label in AREAS.items()]
PRESSURE_CHOICES = [SelectChoice("", "No preference")] + [SelectChoice(p, p.capitalize()) for p in PRESSURE_PREFERENCES]
GOAL_CHOICES = [SelectChoice(slug, label[:1].upper() + label[1:]) for slug, label in GOALS.items()]
CONDITION_CHOICES = [SelectChoice(slug, rule.label) for slug, rule in CONDITIONS.items()]

# Conditions with an extra date asked beside them.
DIAGNOSED_CONDITION = "acute_back_injury"
PREGNANCY = "pregnancy"


class FriendlyDateField(DateField):
    """An optional date; one that can't be read, or is outside the days the portal works with
    (DayInRange: year 1 or 9999 is a typo or a probe), is refused with that message alone and
    taken as no date, so no other check or the preview acts on it."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [Optional(), *(validators or [])], format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Please enter a real date, for example 14/03/2027.") from None
        if self.data is not None and not day_in_range(self.data):
            self.data = None
            raise ValueError(DayInRange.message)


class ProfileForm(FlaskForm):
    conditions = CheckboxesField("Health conditions", choices=CONDITION_CHOICES)
    due_date = FriendlyDateField("Your due date")
    acute_injury_diagnosed_on = FriendlyDateField("Date a doctor diagnosed the injury")
    acute_injury_diagnosed_by = StringField("Who diagnosed it", validators=[MaxChars(SHORT_TEXT_MAX)],
                                            filters=[strip])
    medical_clearance_on = FriendlyDateField("Date your GP or specialist cleared you for massage")
    clearance_source = StringField("Who cleared you", validators=[MaxChars(SHORT_TEXT_MAX)],
                                   filters=[strip])
    lifestyle = CheckboxesField("Your everyday life", choices=LIFESTYLE_CHOICES)
    activity = StringField("Your sport or training", validators=[MaxChars(SHORT_TEXT_MAX)],
                           filters=[strip])
    problem_areas = CheckboxesField("Where you feel it most", choices=AREA_CHOICES)
    pressure_preference = RadioField("Pressure you usually like", choices=PRESSURE_CHOICES, default="",
                                     validate_choice=False, validators=[ChoicesOnly()])
    notes_for_therapist = TextAreaField("Anything else your therapist should know",
                                        validators=[MaxChars(NOTES_MAX)],
                                        filters=[multiline])
    goals = CheckboxesField("What you hope to achieve", choices=GOAL_CHOICES)
    goals_own_words = StringField("Or in your own words", validators=[MaxChars(GOALS_OWN_WORDS_MAX)],
                                  filters=[strip])
    consent = BooleanField("I agree to this")

    def __init__(self, *args, today: date, needs_consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.needs_consent = needs_consent

    def detail_field(self, slug: str):
        return self[f"detail_{slug}"]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # An empty optional date stops its own validators, so "required when pregnant" lives here.
        pregnant = PREGNANCY in (self.conditions.data or [])
        if pregnant and self.due_date.data is None and not self.due_date.errors:
            self.due_date.errors = ["Please give your due date, so your therapist can plan for it."]
            valid = False
        return self._diagnosis_is_complete() and valid

    def _diagnosis_is_complete(self) -> bool:
        """A diagnosis is the date and who made it: one without the other is refused."""
        if DIAGNOSED_CONDITION not in (self.conditions.data or []):
            return True  # to_content drops both with the injury
        on, by = self.acute_injury_diagnosed_on, self.acute_injury_diagnosed_by
        if on.errors or by.errors:
            return False
        if on.data and not by.data:
            by.errors = ["Please say who diagnosed the injury, for example: Dr Shah, RVI."]
        elif by.data and on.data is None:
            on.errors = ["Please give the date the injury was diagnosed."]
        return not (on.errors or by.errors)

    def validate_due_date(self, field):
        if PREGNANCY not in (self.conditions.data or []):
            return
        if field.data and field.data < self.today - OVERDUE_AT_MOST:
            raise ValidationError("Your due date was more than two weeks ago. If your baby has arrived, "
                                  "untick pregnancy; if not, please check the date.")
        if field.data and field.data > self.today + LONGEST_PREGNANCY:
            raise ValidationError("That is more than 42 weeks away. Please check the date.")

    def validate_acute_injury_diagnosed_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("The diagnosis date can't be in the future.")

    def validate_medical_clearance_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("The clearance date can't be in the future. Add it once you "
                                  "have been cleared.")

    def validate_consent(self, field):
        if self.needs_consent and not field.data:
            raise ValidationError("Please tick to agree, or we can't keep your health information.")

    def to_content(self) -> ProfileContent:
        """The answers as profile content; values never offered are left out (a preview of an
        invalid form still works, and a saved one never holds them)."""
        chosen = [slug for slug in CONDITIONS if slug in (self.conditions.data or [])]
        return ProfileContent(
            conditions={slug: ConditionEntry(detail=self.detail_field(slug).data or "") for slug in chosen},
            medical_clearance_on=self.medical_clearance_on.data,
            clearance_source=self.clearance_source.data or "",
            acute_injury_diagnosed_on=(self.acute_injury_diagnosed_on.data
                                       if DIAGNOSED_CONDITION in chosen else None),
            acute_injury_diagnosed_by=((self.acute_injury_diagnosed_by.data or "")
                                       if DIAGNOSED_CONDITION in chosen else ""),
            due_date=self.due_date.data if PREGNANCY in chosen else None,
            lifestyle=offered(self.lifestyle),
            activity=self.activity.data or "",
            problem_areas=offered(self.problem_areas),
            pressure_preference=(self.pressure_preference.data
                                 if self.pressure_preference.data in PRESSURE_PREFERENCES else None),
            notes_for_therapist=self.notes_for_therapist.data or "",
            goals=offered(self.goals),
            goals_own_words=self.goals_own_words.data or "",
        )


def form_data(content: ProfileContent | None) -> dict:
    """A stored profile as the form's initial values."""
    if content is None:
        return {}
    data = {
        "conditions": list(content.conditions),
        "due_date": content.due_date,
        "acute_injury_diagnosed_on": content.acute_injury_diagnosed_on,
        "acute_injury_diagnosed_by": content.acute_injury_diagnosed_by,
        "medical_clearance_on": content.medical_clearance_on,
        "clearance_source": content.clearance_source,
        "lifestyle": sorted(content.lifestyle),
        "activity": content.activity,
        "problem_areas": sorted(content.problem_areas),
        "pressure_preference": content.pressure_preference or "",
        "notes_for_therapist": content.notes_for_therapist,
        "goals": sorted(content.goals),
        "goals_own_words": content.goals_own_words,
    }
    for slug, entry in content.conditions.items():
        data[f"detail_{slug}"] = entry.detail
    return data


for _slug, _rule in CONDITIONS.items():
    setattr(ProfileForm, f"detail_{_slug}", StringField(
        "Details for your therapist", validators=[MaxChars(DETAIL_MAX)],
        filters=[strip],
    ))


def answered(field) -> bool:
    """Did the person type or choose anything in this field (blank text counts as nothing)?"""
    return any(str(value).strip() for value in (field.raw_data or []))
