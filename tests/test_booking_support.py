"""The booking tests' shared set-up (a small salon, a clock the tests can set, helpers), and
tests of the double-booking guard's cell arithmetic, which needs no app at all.

Other booking test modules import the fixtures from here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal import clock
from portal.booking import services
from portal.booking.guard import held_cells
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
                          body_areas="back", active=False)
        trained = Qualification(slug=PREGNANCY_MASSAGE, name="Pregnancy massage")
        city, gosforth = locations["city-centre"], locations["gosforth"]

        def hours(days, where, start="09:00", end="17:00"):
            return [WorkingHours(weekday=d, location=where, starts_at=time.fromisoformat(start),
                                 ends_at=time.fromisoformat(end)) for d in days]

        amelia = Therapist(display_name="Amelia Hart", user_id=users["therapist"].id, qualifications=[trained],
                           working_hours=hours((MON, TUE, WED, THU, FRI), city)
                           + hours((SAT, SUN), gosforth, "10:00", "16:00"))
        daniel = Therapist(display_name="Daniel Okafor", working_hours=hours((MON, TUE, WED, THU, FRI, SAT), city))
        sofia = Therapist(display_name="Sofia Reyes", qualifications=[trained],
                          working_hours=hours((MON, TUE, WED, THU, FRI), gosforth))
        db.session.add_all([*locations.values(), *services_.values(), retired, amelia, daniel, sofia])
        db.session.commit()
        return Salon(city=city.id, gosforth=gosforth.id, back=services_["back-neck-shoulder"].id,
                     full=services_["full-body"].id, retired=retired.id, amelia=amelia.id, daniel=daniel.id,
                     sofia=sofia.id)


class Clock:
    """The booking clock, set by the test."""

    def __init__(self, now: datetime):
        self.now = now


@pytest.fixture
def booking_clock(monkeypatch) -> Clock:
    frozen = Clock(NOW)
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def salon(app, users) -> Salon:
    return seed_salon(app, users)


@pytest.fixture
def logged_in(auth, users, salon, booking_clock):
    """The client logged in, with the salon seeded and the clock at NOW."""
    assert auth.login("client@example.com").status_code == 302
    return auth


@pytest.fixture
def consented(app, users) -> None:
    """The client keeps a consented (empty) health profile, so booking asks no screening tick."""
    from portal.profile.content import ProfileContent
    from portal.profile.services import save_profile

    with app.app_context():
        save_profile(db.session.get(User, users["client"].id), ProfileContent(), consent_given=True)


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


# --- the guard's cells ----------------------------------------------------------------


def test_an_appointment_holds_its_time_and_buffer_in_quarter_hours():
    start = at(MONDAY, "10:00")
    cells = held_cells(start, start + timedelta(minutes=45), timedelta(minutes=15))
    assert cells == [start + timedelta(minutes=15 * n) for n in range(4)]


def test_touching_appointments_share_no_cell_overlapping_ones_do():
    buffer = timedelta(minutes=15)
    first = held_cells(at(MONDAY, "10:00"), at(MONDAY, "10:45"), buffer)
    after_cleaning = held_cells(at(MONDAY, "11:00"), at(MONDAY, "12:00"), buffer)
    during_cleaning = held_cells(at(MONDAY, "10:45"), at(MONDAY, "11:30"), buffer)
    assert not set(first) & set(after_cleaning)
    assert set(first) & set(during_cleaning)


def test_a_service_length_off_the_quarter_hour_still_blocks_what_it_touches():
    # 50 minutes + 15 buffer = 65 minutes: the fifth cell is partly used, so it is held.
    cells = held_cells(at(MONDAY, "10:00"), at(MONDAY, "10:50"), timedelta(minutes=15))
    assert cells[-1] == at(MONDAY, "11:00") and len(cells) == 5


def test_cells_are_utc_instants_so_clock_changes_do_not_shift_them():
    start = at(SPRING_SUNDAY, "00:30")  # 00:30 GMT; an hour later the clocks read 02:30 BST
    cells = held_cells(start, start + timedelta(minutes=60), timedelta(0))
    assert [c.astimezone(SALON_TZ).strftime("%H:%M") for c in cells] == ["00:30", "00:45", "02:00", "02:15"]


def test_cells_need_aware_times():
    with pytest.raises(ValueError):
        held_cells(datetime(2027, 3, 15, 10), datetime(2027, 3, 15, 11), timedelta(0))
