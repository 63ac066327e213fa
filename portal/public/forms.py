"""The visitor's free-times choices (a GET form) and the admin's form for a salon's details."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from portal.booking.forms import DayInRange
from portal.salon import versions

# Each platform's own domain: a listing URL must point at the platform it is filed under.
PLATFORM_DOMAINS = {"treatwell_url": "treatwell.co.uk", "fresha_url": "fresha.com", "booksy_url": "booksy.com"}


class FreeTimesForm(FlaskForm):
    """Which free times a visitor wants to see. A GET form: it changes nothing and needs no
    CSRF token (so the page sets no cookie), and its address can be shared."""

    class Meta:
        csrf = False

    service = SelectField("Massage", coerce=int, validate_choice=False, validators=[Optional()])
    location = SelectField("Salon", coerce=int, validate_choice=False, validators=[Optional()])
    day = DateField("Day", validators=[Optional(), DayInRange()])


class ListingUrl:
    """Validator: an https address on the platform's own site (www. or not), nothing else."""

    def __init__(self, domain: str):
        self.domain = domain

    def __call__(self, form, field):
        value = (field.data or "").strip()
        field.data = value or None
        if not value:
            return
        try:
            parts = urlsplit(value)
            host = (parts.hostname or "").lower()
        except ValueError:
            raise ValidationError(f"Please enter a web address starting https://www.{self.domain}/.")
        if parts.scheme != "https" or any(ch.isspace() for ch in value) or parts.username or parts.port:
            raise ValidationError(f"Please enter a web address starting https://www.{self.domain}/.")
        if host != self.domain and not host.endswith("." + self.domain):
            raise ValidationError(f"That is not a {self.domain} address. Please paste the salon's own "
                                  f"page from {self.domain}.")


class LocationForm(FlaskForm):
    address = StringField("Address", validators=[InputRequired("Please enter the salon's address."),
                                                 Length(max=255, message="Please keep the address under 255 characters.")])
    phone = StringField("Phone", validators=[
        InputRequired("Please enter the salon's phone number."),
        Regexp(r"^\+?[0-9][0-9 ()-]{5,38}$", message="Please enter a phone number: digits and spaces, "
                                                      "e.g. 0191 498 0123."),
    ])
    treatwell_url = StringField("Treatwell page", validators=[
        Length(max=500, message="That address is too long."), ListingUrl(PLATFORM_DOMAINS["treatwell_url"])])
    fresha_url = StringField("Fresha page", validators=[
        Length(max=500, message="That address is too long."), ListingUrl(PLATFORM_DOMAINS["fresha_url"])])
    booksy_url = StringField("Booksy page", validators=[
        Length(max=500, message="That address is too long."), ListingUrl(PLATFORM_DOMAINS["booksy_url"])])
    version = HiddenField()  # of the details the form was drawn from (portal.salon.versions)

    def seen_version(self) -> int | None:
        return versions.seen(self.version.data)
