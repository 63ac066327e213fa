"""The admin's service form: typed text in, `ServiceInput` out, with messages for each field."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from portal.catalogue.services import ServiceInput
from portal.fields import CheckboxesField, MaxChars, multiline, strip
from portal.salon import versions
from portal.salon.models import Location, Service
from portal.salon.pricing import PriceProblem, minutes_problem, parse_price, price_text
from portal.vocabulary import BODY_AREAS

MINUTES_MESSAGE = "Please enter the length as a whole number of minutes, like 45."


class RowForm(FlaskForm):
    """What a service's row shows, edited in place (htmx): name, length, price, offered or not.
    Description, body areas and salons are the full form's (the "More details" page)."""

    name = StringField("Name", filters=[strip],
                       validators=[InputRequired("Please give the service a name."), Length(max=120)])
    minutes = StringField("Length in minutes", filters=[strip])
    price = StringField("Price in pounds", filters=[strip])
    active = BooleanField("Offered for booking", default=True)
    version = HiddenField()

    def fresh_ids(self, key: str) -> "RowForm":
        """Give every control an id new to this render (names unchanged). htmx carries
        attributes over between elements that keep their id across a swap, and Chromium then
        reports an inline style our CSP blocks (as booking's swapped forms found)."""
        for field in self:
            field.id = f"{field.id}-{key}"
            field.label.field_id = field.id
        return self

    def validate_minutes(self, field):
        text = field.data or ""
        if not (text.isascii() and text.isdigit() and len(text) < 6):
            raise ValidationError(MINUTES_MESSAGE)
        # The service checks it again; here it shows beside the other fields' messages.
        problem = minutes_problem(int(text), current_app.config["BOOKING_GRID_MINUTES"])
        if problem:
            raise ValidationError(problem)

    def validate_price(self, field):
        try:
            self.price_pence = parse_price(field.data)
        except PriceProblem as problem:
            raise ValidationError(str(problem)) from None

    def seen_version(self) -> int | None:
        return versions.seen(self.version.data)

    def to_input(self, service: Service) -> ServiceInput:
        """The row's fields over everything else as `service` has it now (a stale version is
        still refused by the service: nothing someone else saved is overwritten unseen)."""
        return ServiceInput(
            name=self.name.data, slug=service.slug, description=service.description, minutes=int(self.minutes.data),
            price_pence=self.price_pence, areas=tuple(service.areas),
            location_ids=tuple(loc.id for loc in service.locations), active=bool(self.active.data),
        )

    @classmethod
    def for_service(cls, service: Service, prefix: str = "", **extra) -> "RowForm":
        """The form showing a service as saved (for an edit that starts now)."""
        return cls(formdata=None, prefix=prefix, name=service.name, minutes=str(service.minutes),
                   price=price_text(service.price_pence), active=service.active, version=str(service.version),
                   **extra)


class ServiceForm(RowForm):
    """Everything about a service (its own page, and adding one)."""

    slug = StringField("Web address name", filters=[strip], validators=[
        Optional(), Length(max=60),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Use lower-case letters, digits and single hyphens, "
                                                     "like hot-stone-massage."),
    ])
    description = TextAreaField("Description", filters=[multiline], validators=[MaxChars(2000)])
    areas = CheckboxesField("Body areas it works on",
                            choices=[SelectChoice(key, label) for key, label in BODY_AREAS.items()])
    locations = CheckboxesField("Offered at")

    def __init__(self, *args, salons: list[Location], **kwargs):
        super().__init__(*args, **kwargs)
        self.locations.choices = [SelectChoice(str(loc.id), loc.name) for loc in salons]

    def validate_areas(self, field):
        if not field.data:
            raise ValidationError("Please tick at least one body area.")

    def validate_locations(self, field):
        if not field.data:
            raise ValidationError("Please tick at least one salon that offers it.")

    def to_input(self, service: Service | None = None) -> ServiceInput:
        """Everything as typed (`service`, the row form's, is not needed here)."""
        return ServiceInput(
            name=self.name.data, slug=self.slug.data or "", description=self.description.data or "",
            minutes=int(self.minutes.data), price_pence=self.price_pence, areas=tuple(self.areas.data),
            location_ids=tuple(int(v) for v in self.locations.data), active=bool(self.active.data),
        )

    @classmethod
    def for_service(cls, service: Service, salons: list[Location], prefix: str = "") -> "ServiceForm":
        """The form showing a service as saved (for an edit that starts now)."""
        form = super().for_service(service, prefix, salons=salons, slug=service.slug,
                                   description=service.description, areas=list(service.areas))
        form.locations.data = [str(loc.id) for loc in service.locations]
        return form


class RetireForm(FlaskForm):
    """Without JavaScript, retiring asks for a tick (htmx asks with a confirm dialog instead)."""

    confirm = BooleanField("Yes, stop offering this service",
                           validators=[InputRequired("Please tick the box to confirm.")])
    version = HiddenField()

    def seen_version(self) -> int | None:
        return versions.seen(self.version.data)
