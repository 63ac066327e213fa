"""Reception forms: the client search (a GET form) and recording a GP clearance (a POST)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.db_types import day_in_range
from portal.fields import MaxChars, strip
from portal.profile.content import SHORT_TEXT_MAX

SOURCE_MESSAGE = "Please say who gave the clearance, for example: Dr Patel, Gosforth Surgery."
DATE_MESSAGE = "Please give the date of the clearance, for example 14/03/2027."
COVERS_MESSAGE = "Please tick to confirm the clearance the client shows covers these conditions."


class SearchForm(FlaskForm):
    """Find a client: changes nothing, so no CSRF token, and the address can be shared."""

    class Meta:
        csrf = False

    q = StringField("Name, email or phone", filters=[strip], validators=[Optional(), Length(max=100)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class ClearanceDateField(DateField):
    """A required date with the portal's wording when it can't be read."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, [InputRequired(DATE_MESSAGE)], format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Please enter a real date, for example 14/03/2027.") from None


class ClearanceForm(FlaskForm):
    source = StringField("Who gave the clearance", filters=[strip],
                         validators=[InputRequired(SOURCE_MESSAGE), MaxChars(SHORT_TEXT_MAX)])
    cleared_on = ClearanceDateField("Date of the clearance")
    covers = BooleanField("The clearance the client shows covers these conditions",
                          validators=[InputRequired(COVERS_MESSAGE)])

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_source(self, field):
        if not field.data:  # only spaces
            raise ValidationError(SOURCE_MESSAGE)

    def validate_cleared_on(self, field):
        if field.data is None:
            return
        if field.data > self.today:
            raise ValidationError("The clearance date can't be in the future.")
        if not day_in_range(field.data):
            raise ValidationError("Please check the year of the clearance.")
