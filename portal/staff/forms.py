"""Back-office forms for people: invite staff, edit a therapist, add a client who phoned."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, SubmitField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.accounts.phones import PhoneProblem, normalise_uk_phone
from portal.fields import CheckboxesField, ChoicesOnly, MaxChars, strip
from portal.roles import ADMIN, THERAPIST

BIO_MAX = 2000
ROLE_CHOICES = [SelectChoice(THERAPIST, "Therapist: sees their diary and their clients' briefs"),
                SelectChoice(ADMIN, "Admin: runs the salon's portal, every page of the back office")]


def _one_line(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _email(value):
    return value.strip().lower() if isinstance(value, str) else value


def _name_field(label: str) -> StringField:
    return StringField(label, validators=[
        DataRequired("Please enter their name."), Length(max=120, message="Please keep the name under 120 characters."),
    ], filters=[_one_line])


def _email_validators(required: bool) -> list:
    first = DataRequired("Please enter their email address.") if required else Optional()
    return [first, Length(max=254, message="That email address is too long."),
            Email("Please enter an email address like name@example.com.", check_deliverability=False)]


class UkPhone:
    """Validator: a UK number, any common way of writing it; the form keeps it normalised."""

    def __call__(self, form, field):
        try:
            field.data = normalise_uk_phone(field.data or "")
        except PhoneProblem as problem:
            raise ValidationError(str(problem)) from None


class InviteForm(FlaskForm):
    name = _name_field("Their full name")
    email = EmailField("Their email address", validators=_email_validators(required=True), filters=[_email])
    role = RadioField("Their role", choices=ROLE_CHOICES, default=THERAPIST, validate_choice=False,
                      validators=[ChoicesOnly()])
    submit = SubmitField("Send the invitation")


class TherapistForm(FlaskForm):
    display_name = StringField("Name shown to clients", validators=[
        DataRequired("Please enter the name clients see."),
        Length(max=120, message="Please keep the name under 120 characters."),
    ], filters=[_one_line])
    bio = TextAreaField("About them (shown to clients, plain text)", validators=[MaxChars(BIO_MAX)], filters=[strip])
    qualifications = CheckboxesField("Qualifications")
    services = CheckboxesField("Services they give")
    submit = SubmitField("Save")


class PhoneClientForm(FlaskForm):
    name = _name_field("Client's full name")
    phone = TelField("Phone number", validators=[UkPhone()], filters=[strip])
    email = EmailField("Email address (optional)", validators=_email_validators(required=False), filters=[_email])
    submit = SubmitField("Add the client")
