"""The activity page's filters: a plain GET form (it changes nothing, so no CSRF token), its
address bookmarkable; anything unreadable is simply not applied, and says so."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from portal.fields import DayInRange

ANYONE = ""


class ActivityForm(FlaskForm):
    class Meta:
        csrf = False

    who = SelectField("Who", validate_choice=False, validators=[Optional()])
    kind = SelectField("What", validate_choice=False, validators=[Optional()])
    since = DateField("From", validators=[Optional(), DayInRange()])
    until = DateField("To", validators=[Optional(), DayInRange()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")

    def chosen_actor(self) -> int | None:
        text = self.who.data or ""
        offered = {choice.value for choice in self.who.choices}
        return int(text) if text in offered and text.isdigit() else None

    def chosen_kind(self) -> str | None:
        offered = {choice.value for choice in self.kind.choices}
        return self.kind.data if self.kind.data in offered and self.kind.data else None
