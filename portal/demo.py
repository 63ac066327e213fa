"""Demo data for development: the salon as it is, and one login per role.

Idempotent: running it again updates rows in place (matched by slug or email), never duplicates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.accounts.passwords import hash_password, verify_password
from portal.accounts.phones import normalise_uk_phone
from portal.booking import time_off
from portal.booking.models import Appointment, TimeOff
from portal.booking.demo import load_demo_bookings
from portal.extensions import db
from portal.feedback.demo import load_demo_feedback
from portal.profile.demo import load_demo_profiles
from portal.rota import services as rota
from portal.salon.models import PREGNANCY_MASSAGE, Location, Qualification, Service, Therapist, WorkingHours
from portal.timezones import SALON_TZ
from portal.vocabulary import BODY_AREAS

DEMO_PASSWORD = "demo-massage-2026"

LOCATIONS = [
    # 0191 498 0xxx numbers are set aside by Ofcom for drama and examples: safe to print.
    {"slug": "city-centre", "name": "Newcastle City Centre",
     "address": "Grey Street, Newcastle upon Tyne NE1", "phone": "0191 498 0123"},
    {"slug": "gosforth", "name": "Gosforth",
     "address": "High Street, Gosforth, Newcastle upon Tyne NE3", "phone": "0191 498 0456"},
]

# Each salon's booking-site pages, made up (the real ones go in on /admin/locations/<id>): they show
# the links on the salons page and a filled-in location form. Kept apart from LOCATIONS, which the
# tests' salon is built from.
LISTINGS = {
    "city-centre": {"treatwell_url": "https://www.treatwell.co.uk/place/mesmerising-beauty-newcastle-city-centre/",
                    "fresha_url": "https://www.fresha.com/a/mesmerising-beauty-newcastle-city-centre"},
    "gosforth": {"treatwell_url": "https://www.treatwell.co.uk/place/mesmerising-beauty-gosforth/",
                 "booksy_url": "https://booksy.com/en-gb/mesmerising-beauty-gosforth"},
}

SERVICES = [
    {"slug": "back-neck-shoulder", "name": "Back, Neck & Shoulder Massage", "price_pence": 3500, "minutes": 45,
     "body_areas": "neck,shoulders,upper_back,lower_back",
     "description": "Focused work on the back, neck and shoulders: where desk work and stress settle."},
    {"slug": "full-body", "name": "Full Body Massage", "price_pence": 5000, "minutes": 60,
     "body_areas": ",".join(BODY_AREAS),  # the whole body, back included
     "description": "A complete massage from head to toe, back included."},
    {"slug": "indian-head", "name": "Indian Head Massage (includes upper back)", "price_pence": 3000,
     "minutes": 45, "body_areas": "head,neck,shoulders,upper_back",
     "description": "Head, neck and shoulders, with the upper back included."},
]

QUALIFICATIONS = [
    {"slug": PREGNANCY_MASSAGE, "name": "Pregnancy massage"},
    {"slug": "sports-massage", "name": "Sports massage"},
    {"slug": "deep-tissue", "name": "Deep tissue massage"},
]

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

THERAPISTS = [
    {"name": "Amelia Hart", "email": "therapist@example.com",
     "bio": "Fifteen years of back care; trained in pregnancy massage.",
     "qualifications": [PREGNANCY_MASSAGE, "deep-tissue"],
     "hours": [(d, "city-centre", "09:00", "17:00") for d in (MON, TUE, WED, THU, FRI)]
     + [(SAT, "gosforth", "10:00", "16:00"), (SUN, "gosforth", "10:00", "16:00")]},
    {"name": "Sofia Reyes", "email": None,
     "bio": "Gentle, unhurried sessions; trained in pregnancy massage.",
     "qualifications": [PREGNANCY_MASSAGE],
     "hours": [(d, "gosforth", "09:30", "17:30") for d in (MON, TUE, WED, THU)]
     + [(FRI, "city-centre", "12:00", "20:00")]},
    {"name": "Daniel Okafor", "email": None,
     "bio": "Sports and deep tissue massage for runners, cyclists and gym-goers.",
     "qualifications": ["sports-massage", "deep-tissue"],
     "hours": [(d, "city-centre", "12:00", "20:00") for d in (TUE, WED, THU, FRI)]
     + [(SAT, "city-centre", "09:00", "15:00")]},
    {"name": "Grace Liddell", "email": None,
     "bio": "Desk-worker tension and Indian head massage.",
     "qualifications": [],
     "hours": [(MON, "gosforth", "12:00", "20:00"), (WED, "gosforth", "09:00", "13:00"),
               (WED, "city-centre", "14:00", "20:00"), (SAT, "gosforth", "09:00", "17:00")]},
]

USERS = [
    # 07700 900xxx: Ofcom's drama range, like the salons' numbers.
    {"email": "client@example.com", "name": "Claire Robson", "role": "client", "phone": "07700 900123"},
    {"email": "therapist@example.com", "name": "Amelia Hart", "role": "therapist"},
    {"email": "admin@example.com", "name": "Morag Fenwick", "role": "admin"},
]


def _upsert(model, key: str, values: dict):
    row = db.session.scalar(select(model).where(getattr(model, key) == values[key]))
    if row is None:
        row = model(**values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _ensure_user(spec: dict) -> User:
    user = db.session.scalar(select(User).where(User.email == spec["email"]))
    if user is None:
        user = User(email=spec["email"], name=spec["name"], role=spec["role"],
                    password_hash=hash_password(DEMO_PASSWORD), email_confirmed_at=clock.now())
        db.session.add(user)
    else:
        user.name, user.role = spec["name"], spec["role"]
        if not verify_password(user.password_hash, DEMO_PASSWORD):
            user.password_hash = hash_password(DEMO_PASSWORD)
        user.email_confirmed_at = user.email_confirmed_at or clock.now()
    if spec.get("phone"):
        user.phone = normalise_uk_phone(spec["phone"])
    return user


def _set_hours(therapist: Therapist, hours: list[tuple], locations: dict[str, Location]) -> None:
    wanted = {(day, where, _clock(start), _clock(end)) for day, where, start, end in hours}
    current = {(h.weekday, h.location.slug, h.starts_at, h.ends_at) for h in therapist.working_hours}
    if wanted == current:
        return
    therapist.working_hours.clear()
    db.session.flush()  # old shifts go before new ones arrive, or the unique shift key clashes
    therapist.working_hours.extend(
        WorkingHours(weekday=day, location=locations[where], starts_at=start, ends_at=end)
        for day, where, start, end in sorted(wanted)
    )


# Time off to come, so the rota and "My time off" show some: (therapist, weeks ahead, weekday,
# days, from, until, reason); from/until None is whole days. Far enough ahead to miss the demo bookings.
TIME_OFF = [
    ("Sofia Reyes", 3, MON, 5, None, None, "Holiday"),
    ("Grace Liddell", 1, WED, 1, "14:00", "20:00", "Training course"),
    ("Amelia Hart", 2, FRI, 1, None, None, "Advanced pregnancy massage course"),
]


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=SALON_TZ).astimezone(timezone.utc)


def _add_time_off(admin: User) -> int:
    """The demo's time off, entered by the demo admin through the rota (so Activity shows it too).

    Skipped where the therapist already has time off then (a second load), or a booking is in it."""
    today = clock.now().astimezone(SALON_TZ).date()
    monday = today - timedelta(days=today.weekday())
    for name, weeks, weekday, days, start, until, reason in TIME_OFF:
        who = db.session.scalar(select(Therapist).where(Therapist.display_name == name))
        first = monday + timedelta(weeks=weeks, days=weekday)
        if start is None:
            starts_at, ends_at = _local(first, time(0)), _local(first + timedelta(days=days), time(0))
        else:
            starts_at, ends_at = _local(first, _clock(start)), _local(first, _clock(until))
        if who is None or time_off.overlapping(who.id, starts_at, ends_at) is not None:
            continue
        try:
            rota.add_time_off(admin, who.id, starts_at, ends_at, reason)
        except rota.Refused:
            continue
    return db.session.scalar(select(func.count()).select_from(TimeOff).where(TimeOff.ends_at > clock.now()))


def brief_appointment_id() -> int | None:
    """The demo client's latest appointment (the demo therapist's, soon): the one whose
    pre-session brief the benchmarks and the swap-size test open."""
    return db.session.scalar(select(Appointment.id).join(User, User.id == Appointment.client_id)
                             .where(User.email == "client@example.com")
                             .order_by(Appointment.starts_at.desc(), Appointment.id.desc()).limit(1))


def load_demo_data() -> dict[str, int]:
    """Create or refresh the demo salon; returns how many of each thing exist afterwards.

    Flushes only, like the services it calls: the caller (`flask demo load`, a test) commits once."""
    locations = {spec["slug"]: _upsert(Location, "slug", {**spec, **LISTINGS[spec["slug"]]}) for spec in LOCATIONS}
    services = []
    for spec in SERVICES:
        # The same services at both salons.
        service = _upsert(Service, "slug", spec)
        service.locations = sorted(locations.values(), key=lambda loc: loc.name)
        services.append(service)
    qualifications = {spec["slug"]: _upsert(Qualification, "slug", spec) for spec in QUALIFICATIONS}
    users = {spec["email"]: _ensure_user(spec) for spec in USERS}
    db.session.flush()

    for spec in THERAPISTS:
        therapist = db.session.scalar(select(Therapist).where(Therapist.display_name == spec["name"]))
        if therapist is None:
            therapist = Therapist(display_name=spec["name"])
            db.session.add(therapist)
        therapist.bio = spec["bio"]
        therapist.user = users.get(spec["email"]) if spec["email"] else None
        therapist.qualifications = [qualifications[slug] for slug in spec["qualifications"]]
        therapist.services = list(services)  # the demo therapists give every service
        _set_hours(therapist, spec["hours"], locations)
    db.session.flush()
    counts = {"locations": len(LOCATIONS), "services": len(SERVICES), "therapists": len(THERAPISTS),
              "users": len(USERS)}
    # Each feature adds its own demo rows on top of the salon.
    counts.update(load_demo_profiles())
    counts.update(load_demo_bookings())
    counts.update(load_demo_feedback())
    counts["time off"] = _add_time_off(users["admin@example.com"])
    return counts
