"""The report's period (a GET form: it changes nothing) and the share-link form (a POST)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice

from portal.report.rules import DEFAULT_LINK_DAYS, LINK_DAYS, period_problems

DATE_HINT = "for example 1 June 2026"


class PeriodDateField(DateField):
    """A day; text that is not a date is reported by the period check, in the client's words."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
        self.process_errors = []


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = PeriodDateField("First day")
    end = PeriodDateField("Last day")

    def check(self, today: date) -> bool:
        """Fill each field's errors from the period rules; True when the period is fine."""
        problems = period_problems(self.start.data, self.end.data, today)
        for name, message in problems.items():
            field = getattr(self, name)
            if field.data is None and getattr(field, "raw", ""):
                message = f"Please enter a date the calendar has, {DATE_HINT}."
            field.errors = [message]
        return not problems


class ShareForm(FlaskForm):
    """Make a share link for the period on the page, lasting 1, 7 or 30 days."""

    start = HiddenField()
    end = HiddenField()
    days = RadioField("The link works for", coerce=int, default=DEFAULT_LINK_DAYS,
                      choices=[SelectChoice(d, f"{d} day" if d == 1 else f"{d} days") for d in LINK_DAYS])
