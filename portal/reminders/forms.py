"""The account page's email choices and the two confirm buttons (unsubscribe, relief answer)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField
from wtforms.validators import ValidationError

from portal.fields import PainField


class PreferencesForm(FlaskForm):
    reminders = BooleanField("Appointment reminders, the day before")
    follow_ups = BooleanField('Follow-ups after a session ("How did it feel?", and how you are two days on)')
    due_nudges = BooleanField("A reminder when you are due again, with times to book")
    morning_list = BooleanField("Each morning, the list of my appointments that day")
    submit = SubmitField("Save email choices")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")


class ReliefForm(FlaskForm):
    """The dashboard's lasting-relief question for one area of one session (prefixed per area,
    so several sit on one page). The page's one CSRF token (CSRFProtect checks every POST) is
    drawn unprefixed, as the other small forms do."""

    class Meta:
        csrf = False

    score = PainField("Pain now, 0 (none) to 10 (the worst)")

    def validate_score(self, field):
        if field.data is None:
            raise ValidationError("Please give a score from 0 to 10 (0 means no pain).")
