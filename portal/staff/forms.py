"""Back-office forms for people: invite staff, edit a therapist, add a client who phoned."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.accounts.forms import email_field
from portal.accounts.phones import PhoneProblem, normalise_uk_phone
from portal.fields import CheckboxesField, ChoicesOnly, MaxChars, multiline, one_line, strip
from portal.roles import ADMIN, THERAPIST
from portal.salon import versions

BIO_MAX = 2000
ROLE_CHOICES = [SelectChoice(THERAPIST, "Therapist: sees their diary and their clients' briefs"),
                SelectChoice(ADMIN, "Admin: runs the salon's portal, every page of the back office")]


def _name_field(label: str) -> StringField:
    return StringField(label, validators=[
        DataRequired("Please enter their name."), Length(max=120, message="Please keep the name under 120 characters."),
    ], filters=[one_line])


class UkPhone:
    """Validator: a UK number, any common way of writing it; the form keeps it normalised."""

    def __call__(self, form, field):
        try:
            field.data = normalise_uk_phone(field.data or "")
        except PhoneProblem as problem:
            raise ValidationError(str(problem)) from None


class InviteForm(FlaskForm):
    name = _name_field("Their full name")
    email = email_field("Their email address", required="Please enter their email address.")
    role = RadioField("Their role", choices=ROLE_CHOICES, default=THERAPIST, validate_choice=False,
                      validators=[ChoicesOnly()])
    submit = SubmitField("Send the invitation")


class TherapistForm(FlaskForm):
    display_name = StringField("Name shown to clients", validators=[
        DataRequired("Please enter the name clients see."),
        Length(max=120, message="Please keep the name under 120 characters."),
    ], filters=[one_line])
    bio = TextAreaField("About them", validators=[MaxChars(BIO_MAX)], filters=[multiline])
    qualifications = CheckboxesField("Qualifications")
    services = CheckboxesField("Services they give")
    version = HiddenField()  # of the details the form was drawn from (portal.salon.versions)
    submit = SubmitField("Save")

    def seen_version(self) -> int | None:
        return versions.seen(self.version.data)


class PhoneClientForm(FlaskForm):
    name = _name_field("Client's full name")
    phone = TelField("Phone number", validators=[UkPhone()], filters=[strip])
    email = email_field("Email address (optional)", required=None)
    # Asked only when a client already has the number: someone else sharing a home phone, say.
    same_phone_ok = BooleanField("This is someone else with the same phone number: add them")
    submit = SubmitField("Add the client")
