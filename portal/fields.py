"""Form fields and validators shared by the features: messages in the client's words."""

from __future__ import annotations

from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from portal.db_types import FIRST_DAY, LAST_DAY, day_in_range

CHOICE_MESSAGE = "Please choose from the options shown."


class DayInRange:
    """Validator: a day the portal can work with (a year like 9999 is a typo or a probe)."""

    message = f"Please choose a day between {FIRST_DAY.year} and {LAST_DAY.year}."

    def __call__(self, form, field):
        if field.data is not None and not day_in_range(field.data):
            raise ValidationError(self.message)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def multiline(value):
    """Filter for a text box: each line break as one character, as the person sees it (a browser
    sends CR LF, which would count twice against a limit), then stripped."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def one_line(value):
    """Filter: runs of spaces and line breaks become one space (names)."""
    return " ".join(value.split()) if isinstance(value, str) else value


class MaxChars:
    """Length check that tells the client how far over they are."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        if field.data and len(field.data) > self.limit:
            raise ValidationError(
                f"Please keep this under {self.limit:,} characters (it is {len(field.data):,} now).")


class ChoicesOnly:
    """Refuse values that were never offered (a tampered form), with a plain message."""

    def __call__(self, form, field):
        offered = {choice.value for choice in field.choices}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in offered for value in chosen if value is not None):
            raise ValidationError(CHOICE_MESSAGE)


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes; an unknown value gets our message rather than WTForms'."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    validate_choice = False  # ChoicesOnly says it in the client's words

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [ChoicesOnly(), *(validators or [])], **kwargs)


def offered(field) -> frozenset[str]:
    """The field's chosen values that were actually offered."""
    allowed = {choice.value for choice in field.choices}
    return frozenset(value for value in field.data or [] if value in allowed)


PAIN_MESSAGE = "Pain is a whole number from 0 (none) to 10 (the worst you can imagine)."


class PainField(IntegerField):
    """0-10, or blank when the area is not relevant."""

    widget = NumberInput(min=0, max=10, step=1)

    def __init__(self, label=None, validators=None, message: str = PAIN_MESSAGE, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message  # what a score outside 0-10 is told (stress and sleep say their own)

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        if raw == "":
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        if self.data is not None and not 0 <= self.data <= 10:
            raise ValidationError(self.message)
