"""Demo appointments, relative to today, so rebooking and schedules show on the first `make run`.

* The demo client (client@example.com) gets about six months of past appointments, every
  four weeks and mostly with Amelia Hart (the demo therapist), plus one in five days' time
  and one today with the demo therapist (so her brief shows Claire's feedback).
  Only if she has no appointments yet: loading again never stacks a second history.
* The demo therapist gets other demo clients today and every day this week. Each is keyed by
  its date, so loading again on the same day adds nothing and on a later day tops up the
  new week. A demo appointment that would clash with a real one is skipped.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal import clock
from portal.booking import queries, services
from portal.booking.models import BOOKED, Appointment
from portal.extensions import db
from portal.salon.models import Location, Service, Therapist, WorkingHours
from portal.timezones import SALON_TZ

DEMO_CLIENT = "client@example.com"
DEMO_THERAPIST = "therapist@example.com"
# Other clients in the therapist's week. They can't log in: their password is random and unknown.
OTHER_CLIENTS = [
    {"email": "priya.shah@example.com", "name": "Priya Shah"},
    {"email": "tom.elliott@example.com", "name": "Tom Elliott"},
    {"email": "hannah.moore@example.com", "name": "Hannah Moore"},
]
# Claire's history: days ago, service, therapist (None = the demo therapist).
HISTORY = [
    (9, "back-neck-shoulder", None),
    (37, "back-neck-shoulder", None),
    (65, "full-body", None),
    (93, "back-neck-shoulder", "Sofia Reyes"),
    (121, "back-neck-shoulder", None),
    (149, "indian-head", None),
    (177, "back-neck-shoulder", None),
]
UPCOMING_IN_DAYS = 5
# Where in a shift appointments go: others at these offsets, Claire's between them.
OTHERS_AT = (timedelta(hours=0), timedelta(hours=3), timedelta(hours=5))
CLAIRE_AT = timedelta(hours=1, minutes=30)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _ensure_client(spec: dict) -> User:
    user = _user(spec["email"])
    if user is None:
        user = User(email=spec["email"], name=spec["name"], role="client",
                    password_hash=hash_password(secrets.token_urlsafe(32)), email_confirmed_at=clock.now())
        db.session.add(user)
        db.session.flush()
    return user


def _shift_on(therapist: Therapist, day: date) -> WorkingHours | None:
    return next((h for h in therapist.working_hours if h.weekday == day.weekday()), None)


def _add(client: User, therapist: Therapist, service: Service, day: date, offset: timedelta, key: str) -> bool:
    """One demo appointment `offset` into the therapist's shift that day, if it fits and is free."""
    if queries.by_idempotency_key(client.id, key) is not None:
        return False
    shift = _shift_on(therapist, day)
    if shift is None:
        return False
    starts = datetime.combine(day, shift.starts_at, tzinfo=SALON_TZ) + offset
    if starts + timedelta(minutes=service.minutes) > datetime.combine(day, shift.ends_at, tzinfo=SALON_TZ):
        return False
    request = services.BookingRequest(service.id, shift.location_id, therapist.id, starts.astimezone(timezone.utc), key)
    location = db.session.get(Location, shift.location_id)
    return services.insert_if_free(client, service, location, therapist, request) is not None


def _working_day(therapist: Therapist, day: date) -> date:
    """`day`, or the nearest earlier day the therapist works."""
    for back in range(7):
        if _shift_on(therapist, day - timedelta(days=back)):
            return day - timedelta(days=back)
    return day


def load_demo_bookings() -> dict[str, int]:
    """Create the demo appointments (idempotent); returns how many booked appointments exist."""
    client, therapist_user = _user(DEMO_CLIENT), _user(DEMO_THERAPIST)
    therapist = db.session.scalar(select(Therapist).where(Therapist.user_id == therapist_user.id)) \
        if therapist_user else None
    if client is None or therapist is None:
        return {}
    service = {s.slug: s for s in db.session.scalars(select(Service))}
    today = clock.today()

    has_history = db.session.scalar(select(Appointment.id).where(Appointment.client_id == client.id).limit(1))
    if has_history is None:
        for days_ago, slug, other in HISTORY:
            who = db.session.scalar(select(Therapist).where(Therapist.display_name == other)) if other else therapist
            day = _working_day(who, today - timedelta(days=days_ago))
            _add(client, who, service[slug], day, timedelta(hours=1), f"demo-history-{days_ago}")
        _add(client, therapist, service["back-neck-shoulder"], today + timedelta(days=UPCOMING_IN_DAYS),
             CLAIRE_AT, "demo-upcoming")
    # Claire is also on the demo therapist's list today, so both sides of the brief show at once.
    _add(client, therapist, service["back-neck-shoulder"], today, CLAIRE_AT, f"demo-today-{today.isoformat()}")

    others = [_ensure_client(spec) for spec in OTHER_CLIENTS]
    slugs = ("back-neck-shoulder", "full-body", "indian-head")
    for n in range(7):
        day = today + timedelta(days=n)
        for i, offset in enumerate(OTHERS_AT):
            other = others[(n + i) % len(others)]
            _add(other, therapist, service[slugs[(n + i) % len(slugs)]], day, offset,
                 f"demo-week-{day.isoformat()}-{i}")

    booked = db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.status == BOOKED))
    return {"appointments": booked}
