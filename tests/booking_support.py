"""The booking tests' shared helpers: the dates they use, a small salon, a settable clock,
appointments straight into the database and the booking form's fields.

A plain module, not a test module: the fixtures built on it (booking_clock, salon, logged_in,
consented) live in tests/conftest.py, so no test module imports another's fixtures.
"""

from __future__ import annotations
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import func, select

from portal.accounts.models import User
from portal import clock
from portal.booking import services
from portal.booking.models import Appointment, AppointmentSlot
from portal.demo import LOCATIONS, SERVICES
from portal.extensions import db
from portal.guidance.rules import HealthFacts
from portal.profile import gate
from portal.salon.models import PREGNANCY_MASSAGE, Location, Qualification, Service, Therapist, WorkingHours
from portal.timezones import SALON_TZ

UTC = timezone.utc
MONDAY = date(2027, 3, 15)  # an ordinary GMT Monday
NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)  # the Monday before, 09:00
SPRING_SUNDAY = date(2027, 3, 28)  # clocks go forward at 01:00 GMT
AUTUMN_SUNDAY = date(2027, 10, 31)  # clocks go back at 02:00 BST
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def at(day: date, label: str) -> datetime:
    """The UTC instant of a salon wall-clock time ("10:15") on `day`."""
    return datetime.combine(day, time.fromisoformat(label), tzinfo=SALON_TZ).astimezone(UTC)


def offered_times(page: str) -> list[datetime]:
    """The free times a page offers, as UTC instants: the booking page's buttons (the day sent
    once, each time as its salon wall-clock label) or, on other pages, one `starts_at` per time."""
    day = re.search(r'<input type=hidden name=day value=(\d{4}-\d\d-\d\d)>', page)
    if day is not None:
        labels = re.findall(r'<button name=time value=(\d\d:\d\d)[ >]', page)
        return [at(date.fromisoformat(day.group(1)), label) for label in labels]
    return [datetime.fromisoformat(v).astimezone(UTC) for v in re.findall(r'name="starts_at"\s+value="([^"]+)"', page)]


def chosen_on_page(page: str) -> list[datetime]:
    """The booking page's times marked as the one chosen (?at=), as UTC instants."""
    day = re.search(r'<input type=hidden name=day value=(\d{4}-\d\d-\d\d)>', page)
    labels = re.findall(r'<button name=time value=(\d\d:\d\d) class=chosen>', page)
    return [at(date.fromisoformat(day.group(1)), label) for label in labels] if day else []


@dataclass(frozen=True)
class Salon:
    city: int
    gosforth: int
    back: int  # Back, Neck & Shoulder, 45 min
    full: int  # Full Body, 60 min
    retired: int  # an inactive service
    amelia: int  # pregnancy trained; City Centre Mon-Fri 9-17, Gosforth Sat-Sun 10-16; the therapist login
    daniel: int  # not pregnancy trained; City Centre Mon-Sat 9-17
    sofia: int  # pregnancy trained; Gosforth only, Mon-Fri 9-17


def seed_salon(app, users: dict) -> Salon:
    """Both salons, the services and three therapists; Amelia is the `therapist` user."""
    with app.app_context():
        locations = {spec["slug"]: Location(**spec) for spec in LOCATIONS}
        services_ = {spec["slug"]: Service(**spec) for spec in SERVICES}
        retired = Service(slug="hot-stones", name="Hot Stone Massage", price_pence=6000, minutes=60,
                          body_areas="upper_back,lower_back", active=False)
        trained = Qualification(slug=PREGNANCY_MASSAGE, name="Pregnancy massage")
        city, gosforth = locations["city-centre"], locations["gosforth"]
        for service in (*services_.values(), retired):
            service.locations = [city, gosforth]  # the same at both salons (docs: DOMAIN.md)

        def hours(days, where, start="09:00", end="17:00"):
            return [WorkingHours(weekday=d, location=where, starts_at=time.fromisoformat(start),
                                 ends_at=time.fromisoformat(end)) for d in days]

        amelia = Therapist(display_name="Amelia Hart", user_id=users["therapist"].id, qualifications=[trained],
                           working_hours=hours((MON, TUE, WED, THU, FRI), city)
                           + hours((SAT, SUN), gosforth, "10:00", "16:00"))
        daniel = Therapist(display_name="Daniel Okafor", working_hours=hours((MON, TUE, WED, THU, FRI, SAT), city))
        sofia = Therapist(display_name="Sofia Reyes", qualifications=[trained],
                          working_hours=hours((MON, TUE, WED, THU, FRI), gosforth))
        for therapist in (amelia, daniel, sofia):  # everyone gives every service, as the demo salon
            therapist.services = [*services_.values(), retired]
        db.session.add_all([*locations.values(), *services_.values(), retired, amelia, daniel, sofia])
        db.session.commit()
        return Salon(city=city.id, gosforth=gosforth.id, back=services_["back-neck-shoulder"].id,
                     full=services_["full-body"].id, retired=retired.id, amelia=amelia.id, daniel=daniel.id,
                     sofia=sofia.id)


class Clock:
    """The booking clock, set by the test."""

    def __init__(self, now: datetime):
        self.now = now


def page_text(response) -> str:
    """The page's HTML with entities decoded, so messages read as the client reads them."""
    return html.unescape(response.get_data(as_text=True))


def facts_gate(monkeypatch, facts: HealthFacts) -> None:
    """Make the booking gate read these health facts (as if the client's stored profile said so)."""
    monkeypatch.setattr(gate, "facts_for", lambda client_id: facts)


def add_appointment(app, client_id: int, therapist_id: int, location_id: int, service_id: int,
                    starts_at: datetime, key: str | None = None) -> int:
    """An appointment straight into the database (through the guard, past the rules)."""
    with app.app_context():
        client = db.session.get(User, client_id)
        request = services.BookingRequest(service_id, location_id, therapist_id, starts_at,
                                          key or services.new_idempotency_key())
        appointment = services.insert_if_free(client, db.session.get(Service, service_id),
                                              db.session.get(Location, location_id),
                                              db.session.get(Therapist, therapist_id), request)
        assert appointment is not None, "the test's appointment clashed"
        db.session.commit()  # the service flushes; its caller commits
        return appointment.id


def count_appointments(app, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Appointment)
        for name, value in where.items():
            query = query.where(getattr(Appointment, name) == value)
        return db.session.scalar(query)


def held(app, appointment_id: int) -> list[datetime]:
    with app.app_context():
        return list(db.session.scalars(
            select(AppointmentSlot.starts_at).where(AppointmentSlot.appointment_id == appointment_id)
            .order_by(AppointmentSlot.starts_at)))


def booking_form(salon: Salon, starts_at: datetime, therapist="amelia", service=None, location=None,
                 key: str | None = None) -> dict:
    """What the booking page's form sends for one time."""
    return {
        "service": str(service or salon.back),
        "location": str(location or salon.city),
        "therapist": "any" if therapist == "any" else str(getattr(salon, therapist)),
        "starts_at": starts_at.isoformat(),
        "idempotency_key": key or services.new_idempotency_key(),
        # The screening tick the page shows to clients without a health profile (most test
        # clients); ignored when there is a consented profile. tests/test_recheck.py covers it.
        "screening_confirmed": "y",
    }
