"""The account page's email choices and the two confirm buttons (unsubscribe, relief answer)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class PreferencesForm(FlaskForm):
    reminders = BooleanField("Appointment reminders, the day before")
    follow_ups = BooleanField('Follow-ups after a session ("How did it feel?", and how you are two days on)')
    due_nudges = BooleanField("A reminder when you are due again, with times to book")
    morning_list = BooleanField("Each morning, the list of my appointments that day")
    submit = SubmitField("Save email choices")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")
