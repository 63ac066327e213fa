"""Rows for tests that need a salon and appointments without going through booking's pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from portal.booking.models import Appointment
from portal.extensions import db
from portal.salon.models import PREGNANCY_MASSAGE, Location, Qualification, Service, Therapist, WorkingHours


@dataclass(frozen=True)
class Salon:
    location_id: int
    service_id: int
    therapist_id: int  # works for the therapist@example.com user
    other_therapist_id: int  # no login of their own here


def make_salon(app, therapist_user_id: int) -> Salon:
    with app.app_context():
        location = Location(slug="city-centre", name="Newcastle City Centre", address="Grey Street",
                            phone="0191 498 0123")
        service = Service(slug="back-neck-shoulder", name="Back, Neck & Shoulder Massage", price_pence=3500,
                          minutes=45, body_areas="neck,shoulders,upper_back,lower_back", locations=[location])
        trained = Qualification(slug=PREGNANCY_MASSAGE, name="Pregnancy massage")
        mine = Therapist(display_name="Amelia Hart", user_id=therapist_user_id, qualifications=[trained])
        other = Therapist(display_name="Daniel Okafor")
        for therapist in (mine, other):
            therapist.services = [service]
            therapist.working_hours = [WorkingHours(weekday=d, location=location, starts_at=time(9),
                                                    ends_at=time(17)) for d in range(7)]
        db.session.add_all([location, service, mine, other])
        db.session.commit()
        return Salon(location.id, service.id, mine.id, other.id)


def make_appointment(app, salon: Salon, client_id: int, starts_at: datetime, therapist_id: int | None = None,
                     minutes: int = 45, **fields) -> int:
    with app.app_context():
        appointment = Appointment(
            client_id=client_id, therapist_id=therapist_id or salon.therapist_id, location_id=salon.location_id,
            service_id=salon.service_id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
            idempotency_key=uuid.uuid4().hex, **{"price_pence": 3500, **fields})
        db.session.add(appointment)
        db.session.commit()
        return appointment.id
