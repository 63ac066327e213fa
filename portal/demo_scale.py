"""A large salon for measuring the portal at chain size (`flask demo scale`): development only.

On top of the demo salon (loaded first, as `flask demo load` does) it adds about one therapist
per 250 clients, each giving every massage, with weekly hours at one or both locations, `clients` clients (four in
five with a consented, sealed health profile), `years` of past appointments (about six a client
a year) and the next eight weeks' diaries about 70% full. Past sessions mostly carry feedback
(a sealed note on some) and a pain check-in two days later; a few were cancelled or missed.

Everything is written with Core bulk inserts (lists of dicts, executemany) in batches, with
ids given here so the guard's cells (`appointment_slots`) can name their appointment without a
read-back; on PostgreSQL the id sequences are moved past them at the end. Appointments are laid
out shift by shift, one after another with the cleaning buffer between them, so no two of a
therapist's appointments share a guard cell (`flask booking check` reports nothing), and a
client is never booked twice on one day. Sealed fields go through the keyring with each row's
own context, as the models seal them. Flushes only; the caller commits once.
"""

from __future__ import annotations

import random
import time as timer
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select

from portal import clock
from portal.accounts.models import User
from portal.accounts.passwords import hash_password
from portal.booking import slots
from portal.booking.guard import held_cells
from portal.booking.models import BOOKED, CANCELLED, Appointment, AppointmentSlot
from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.encryption import keyring
from portal.extensions import db
from portal.feedback.models import AREAS, PRESSURES, AppointmentFeedback, PainCheckIn
from portal.profile.content import ProfileContent, to_json
from portal.profile.models import HealthProfile, ProfileRevision
from portal.profile.services import CONSENT_VERSION
from portal.salon import catalogue_cache
from portal.salon.models import Location, Service, Therapist, WorkingHours
from portal.timezones import SALON_TZ

EMAIL_DOMAIN = "scale.example.com"
CLIENTS_PER_THERAPIST = 250
APPOINTMENTS_PER_CLIENT_YEAR = 6
FUTURE_WEEKS = 8
FUTURE_FULL = 0.70
BATCH = 5000

FIRST_NAMES = ("Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Grace", "Ella", "Noah", "Oliver",
               "George", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Alfie", "Charlie", "Sophie", "Ruby", "Zara",
               "Aisha", "Priya", "Chen", "Tomasz", "Niamh", "Callum", "Ewan")
LAST_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Robson", "Armstrong", "Charlton", "Milburn", "Dodds",
              "Bell", "Hall", "Walker", "Patel", "Khan", "Nowak", "Murphy", "Scott", "Young", "Wright", "Elliott",
              "Fenwick", "Liddell", "Hedley", "Forster")
SHIFTS = ((time(9), time(17)), (time(10), time(18)), (time(12), time(20)), (time(9, 30), time(17, 30)))
NOTES = ("Shoulders very tight after a long week.", "Lower back better than last time.",
         "Please go a little lighter on the neck.", "Great session, thank you.", "Tension headache again.")


@dataclass
class Scaled:
    therapists: int = 0
    clients: int = 0
    profiles: int = 0
    appointments: int = 0
    cells: int = 0
    feedback: int = 0
    checkins: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"therapists": self.therapists, "clients": self.clients, "health profiles": self.profiles,
                "appointments": self.appointments, "guard cells": self.cells, "feedback": self.feedback,
                "check-ins": self.checkins}


class AlreadyScaled(RuntimeError):
    """The database already holds a scaled salon."""


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[start:start + BATCH])


def _move_sequences(models) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move each past its table's largest id."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        largest = select(func.coalesce(func.max(model.__table__.c.id), 1)).scalar_subquery()
        db.session.execute(select(func.setval(func.pg_get_serial_sequence(model.__tablename__, "id"), largest)))


def scale_salon(clients: int = 20_000, years: float = 2.0, seed: int = 14) -> Scaled:
    """Fill the database with a large salon; see the module docstring. Flushes only."""
    if clients < 1 or years <= 0:
        raise ValueError("clients must be at least 1 and years more than 0")
    if db.session.scalar(select(User.id).where(User.email.like(f"%@{EMAIL_DOMAIN}")).limit(1)) is not None:
        raise AlreadyScaled("This database already holds a scaled salon.")
    rng = random.Random(seed)
    done = Scaled()
    started = timer.perf_counter()

    def lap(what: str) -> None:
        nonlocal started
        now_ = timer.perf_counter()
        done.timings[what] = round(now_ - started, 2)
        started = now_

    load_demo_data()
    locations = list(db.session.scalars(select(Location).order_by(Location.id)))
    services = list(db.session.scalars(select(Service).where(Service.active).order_by(Service.id)))
    therapists = _therapists(rng, max(2, -(-clients // CLIENTS_PER_THERAPIST)), locations, services)
    done.therapists = len(therapists)
    lap("therapists")

    now = clock.now()
    password = hash_password(DEMO_PASSWORD)  # one hash for all: hashing 20,000 would take minutes
    first_client = _next_id(User)
    client_ids = list(range(first_client, first_client + clients))
    _bulk(User, [{
        "id": client_id, "email": f"client{n}@{EMAIL_DOMAIN}",
        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "role": "client",
        "password_hash": password, "created_at": now - timedelta(days=365 * years + 30),
        "email_confirmed_at": now - timedelta(days=365 * years + 30), "session_version": 1,
    } for n, client_id in enumerate(client_ids, start=1)])
    done.clients = clients
    lap("clients")

    consented = _profiles(rng, client_ids, now, years)
    done.profiles = len(consented)
    lap("profiles (sealed)")

    buffer = slots.policy().buffer
    today = clock.today()
    first_day = today - timedelta(days=int(365 * years))
    last_day = today + timedelta(weeks=FUTURE_WEEKS)
    past_capacity = sum(_shift_count(t, first_day, today) for t in therapists) * 7  # ~7 sessions a shift
    past_fill = min(0.95, APPOINTMENTS_PER_CLIENT_YEAR * years * clients / max(past_capacity, 1))

    appointments, cells = [], []
    busy_days: set[tuple[int, date]] = set()
    appointment_id = _next_id(Appointment)
    day = first_day
    while day <= last_day:
        for therapist in therapists:
            for weekday, location_id, shift_start, shift_end in therapist["hours"]:
                if weekday != day.weekday():
                    continue
                at = datetime.combine(day, shift_start, tzinfo=SALON_TZ).astimezone(timezone.utc)
                shift_ends = datetime.combine(day, shift_end, tzinfo=SALON_TZ).astimezone(timezone.utc)
                fill = past_fill if day < today else FUTURE_FULL
                while True:
                    service = rng.choice(services)
                    ends = at + timedelta(minutes=service.minutes)
                    if ends > shift_ends:
                        break
                    # (Nothing in the next two hours: online booking needs that notice.)
                    if (at < now or at > now + timedelta(hours=2)) and rng.random() < fill:
                        client_id = _free_client(rng, client_ids, busy_days, day)
                        if client_id is not None:
                            row = _appointment(rng, appointment_id, client_id, therapist["id"], location_id, service,
                                               at, ends, now, client_id in consented)
                            appointments.append(row)
                            if row["status"] == BOOKED:
                                cells.extend({"therapist_id": therapist["id"], "starts_at": cell,
                                              "appointment_id": appointment_id}
                                             for cell in held_cells(at, ends, buffer))
                            appointment_id += 1
                    # The next start: after this one's time and the cleaning buffer, on the grid.
                    at = _on_grid(ends + buffer)
        day += timedelta(days=1)
    lap("appointments laid out")
    _bulk(Appointment, appointments)
    _bulk(AppointmentSlot, cells)
    done.appointments, done.cells = len(appointments), len(cells)
    lap("appointments and cells inserted")

    done.feedback, done.checkins = _feedback(rng, appointments, consented, now)
    lap("feedback and check-ins (sealed notes)")
    _move_sequences([User, Therapist, WorkingHours, Appointment, HealthProfile, ProfileRevision,
                     AppointmentFeedback, PainCheckIn])
    catalogue_cache.invalidate()
    db.session.flush()
    return done


def _therapists(rng: random.Random, count: int, locations: list[Location], services: list[Service]) -> list[dict]:
    """`count` therapists through the ORM (a few rows; their flush stamps the catalogue), each
    giving every massage (their diaries hold all of them, and the booking page offers them) and
    working five days a week at one salon, or split between both."""
    made = []
    for n in range(count):
        therapist = Therapist(display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                              bio="Back, neck and shoulder massage.", services=list(services))
        days = sorted(rng.sample(range(7), 5))
        start, end = rng.choice(SHIFTS)
        home = locations[n % len(locations)]
        split = n % 5 == 0 and len(locations) > 1
        hours = [(d, (locations[(n + 1) % len(locations)] if split and d >= 5 else home).id, start, end) for d in days]
        therapist.working_hours = [WorkingHours(weekday=d, location_id=where, starts_at=s, ends_at=e)
                                   for d, where, s, e in hours]
        db.session.add(therapist)
        made.append((therapist, hours))
    db.session.flush()
    return [{"id": therapist.id, "hours": hours} for therapist, hours in made]


def _profiles(rng: random.Random, client_ids: list[int], now: datetime, years: float) -> set[int]:
    """Four clients in five keep a consented profile with one sealed revision."""
    ring = keyring()
    consented = [c for c in client_ids if rng.random() < 0.8]
    first = _next_id(HealthProfile)
    given = now - timedelta(days=365 * years)
    profiles, revisions = [], []
    revision_id = _next_id(ProfileRevision)
    for n, client_id in enumerate(consented):
        profile_id = first + n
        profiles.append({"id": profile_id, "client_id": client_id, "consent_version": CONSENT_VERSION,
                         "consent_given_at": given, "consent_withdrawn_at": None, "created_at": given,
                         "updated_at": given})
        content = ProfileContent(lifestyle=frozenset(rng.sample(["desk_worker", "athlete", "chronic_back_pain"],
                                                                 rng.randint(0, 2))),
                                 problem_areas=frozenset(rng.sample(list(AREAS), rng.randint(1, 3))))
        context = f"health-profile:{profile_id}:client:{client_id}"  # HealthProfile.seal_context
        revisions.append({"id": revision_id, "profile_id": profile_id, "created_at": given,
                          "sealed": ring.seal(to_json(content), context)})
        revision_id += 1
    _bulk(HealthProfile, profiles)
    _bulk(ProfileRevision, revisions)
    return set(consented)


def _shift_count(therapist: dict, first: date, last: date) -> int:
    weekdays = [weekday for weekday, *_ in therapist["hours"]]
    return sum(weekdays.count((first + timedelta(days=n)).weekday()) for n in range((last - first).days))


def _on_grid(moment: datetime) -> datetime:
    minutes = slots.policy().grid_minutes
    seconds = minutes * 60
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(-(-stamp // seconds) * seconds, tz=timezone.utc)


def _free_client(rng: random.Random, client_ids: list[int], busy_days: set, day: date) -> int | None:
    """A client with nothing else that day (a few tries, then the time stays free)."""
    for _ in range(5):
        client_id = rng.choice(client_ids)
        if (client_id, day) not in busy_days:
            busy_days.add((client_id, day))
            return client_id
    return None


def _appointment(rng: random.Random, appointment_id: int, client_id: int, therapist_id: int, location_id: int,
                 service: Service, starts: datetime, ends: datetime, now: datetime, consented: bool) -> dict:
    booked_at = starts - timedelta(days=rng.randint(1, 30))
    cancelled = rng.random() < 0.04
    return {
        "id": appointment_id, "client_id": client_id, "therapist_id": therapist_id, "location_id": location_id,
        "service_id": service.id, "starts_at": starts, "ends_at": ends, "price_pence": service.price_pence,
        "status": CANCELLED if cancelled else BOOKED, "idempotency_key": f"scale-{appointment_id}",
        "sequence": 1 if cancelled else 0, "created_at": booked_at, "updated_at": booked_at,
        "cancelled_at": booked_at + timedelta(hours=1) if cancelled else None,
        "no_show": not cancelled and ends < now and rng.random() < 0.03,
        "health_hold": None, "health_hold_at": None,
        "screening_confirmed_at": None if consented else booked_at,
    }


def _feedback(rng: random.Random, appointments: list[dict], consented: set[int], now: datetime) -> tuple[int, int]:
    """Feedback on most completed sessions of consenting clients (a sealed note on one in four of
    those) and a check-in two days after three in five."""
    ring = keyring()
    feedback, checkins = [], []
    feedback_id, checkin_id = _next_id(AppointmentFeedback), _next_id(PainCheckIn)
    for row in appointments:
        completed = row["status"] == BOOKED and not row["no_show"] and row["ends_at"] <= now
        if not completed or row["client_id"] not in consented:
            continue
        before = {area: rng.randint(2, 8) for area in AREAS}
        if rng.random() < 0.85:
            item = {"id": feedback_id, "appointment_id": row["id"], "client_id": row["client_id"],
                    "pressure": rng.choice(PRESSURES), "focus_areas": ",".join(rng.sample(list(AREAS), 2)),
                    "note_sealed": None, "created_at": row["ends_at"] + timedelta(hours=3),
                    "updated_at": row["ends_at"] + timedelta(hours=3)}
            for area in AREAS:
                item[f"{area}_before"] = before[area]
                item[f"{area}_after"] = max(0, before[area] - rng.randint(0, 3))
            if rng.random() < 0.25:
                context = f"feedback-note:{row['id']}:client:{row['client_id']}"  # AppointmentFeedback.seal_context
                item["note_sealed"] = ring.seal(rng.choice(NOTES).encode(), context)
            feedback.append(item)
            feedback_id += 1
        checked = row["ends_at"] + timedelta(days=2)
        if checked <= now and rng.random() < 0.6:
            checkins.append({"id": checkin_id, "client_id": row["client_id"], "recorded_at": checked,
                             "appointment_id": row["id"], "new_numbness": False,
                             **{area: max(0, before[area] - rng.randint(0, 4)) for area in AREAS}})
            checkin_id += 1
    _bulk(AppointmentFeedback, feedback)
    _bulk(PainCheckIn, checkins)
    return len(feedback), len(checkins)


def summary() -> dict[str, int]:
    """What the database holds now (for the command's report)."""
    return {
        "clients": db.session.scalar(select(func.count()).select_from(User).where(User.role == "client")),
        "therapists": db.session.scalar(select(func.count()).select_from(Therapist)),
        "appointments": db.session.scalar(select(func.count()).select_from(Appointment)),
    }

