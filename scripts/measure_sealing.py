"""What would sealing pain scores, pressure and focus areas cost? (Measured, not guessed.)

    .venv/bin/python scripts/measure_sealing.py [--repeat 20] [--database-url URL]

Builds a throwaway database like scripts/benchmark.py (SQLite in a temp folder unless
--database-url names an EMPTY PostgreSQL database) and prints three tables:

1. The pain page and the therapist's brief for a client with 100 sessions (each with feedback)
   and 100 check-ins, as stored today (plain scores) and with every score row sealed: each
   feedback row and check-in the request reads opens an AES-GCM blob of its scores (the same
   keyring, context binding and JSON a sealed column would use) once, as a real sealed column
   would. The blobs are kept in memory, so the sealed figures leave out reading ~100 extra bytes
   per row from the database: they are a lower bound.
2. Opening N sealed score rows on their own (N = 100, 300, 1000).
3. A salon-wide figure, the average change in pain per service over N sessions: one SQL query
   on plain columns, against reading the rows and opening a sealed copy of each in Python.

It is a script to run and compare, not a test.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from benchmark import demo_app_from_args, log_in, measure  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.accounts.passwords import hash_password  # noqa: E402
from portal.booking.models import Appointment  # noqa: E402
from portal import clock  # noqa: E402
from portal.demo import DEMO_PASSWORD  # noqa: E402
from portal.encryption import keyring  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.feedback import services as feedback_services  # noqa: E402
from portal.feedback.models import AREAS, AppointmentFeedback, PainCheckIn  # noqa: E402
from portal.profile.content import ProfileContent  # noqa: E402
from portal.profile.services import save_profile  # noqa: E402
from portal.salon.models import Location, Service, Therapist  # noqa: E402

SESSIONS = 100
EMAIL = "hundred@example.com"


def _scores(index: int) -> tuple[dict, dict]:
    before = {area: (index + offset) % 8 + 2 for offset, area in enumerate(AREAS)}
    return before, {area: max(0, score - 3) for area, score in before.items()}


def add_client_with_history(app) -> int:
    """A client with 100 weekly sessions (feedback on each) and 100 check-ins; today's session's id."""
    with app.app_context():
        now = clock.now()
        amelia = db.session.scalar(select(Therapist).where(Therapist.display_name == "Amelia Hart"))
        location_id = db.session.scalar(select(Location.id).order_by(Location.id))
        service_id = db.session.scalar(select(Service.id).order_by(Service.id))
        client = User(email=EMAIL, name="Hannah Hundred", role="client", password_hash=hash_password(DEMO_PASSWORD),
                      email_confirmed_at=now)
        db.session.add(client)
        db.session.commit()
        save_profile(client, ProfileContent(lifestyle=frozenset({"desk_worker"})), consent_given=True)

        def appointment(starts_at):
            row = Appointment(client_id=client.id, therapist_id=amelia.id, location_id=location_id,
                              service_id=service_id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45),
                              price_pence=3500, idempotency_key=uuid.uuid4().hex)
            db.session.add(row)
            db.session.flush()
            return row.id

        for index in range(SESSIONS):
            starts_at = now - timedelta(days=7 * (SESSIONS - index), hours=2)
            before, after = _scores(index)
            feedback_services.save_feedback(client, appointment(starts_at), feedback_services.FeedbackInput(
                pressure="just_right", pain_before=before, pain_after=after,
                focus_areas=frozenset({"neck", "lower_back"}), note="Felt looser afterwards"), now=starts_at + timedelta(hours=2))
            feedback_services.record_checkin(client, {"neck": index % 10, "lower_back": (index + 3) % 10},
                                             now=starts_at + timedelta(days=3))
        today = appointment(now + timedelta(hours=1))
        db.session.commit()
        return today


class SealedScores:
    """Swaps the score readers of both tables for ones that open a sealed blob of the row's
    scores first (once per row and request), then puts the plain readers back."""

    def __init__(self, app):
        with app.app_context():
            ring = keyring()
            self.feedback = {f.id: ring.seal(json.dumps({"pressure": f.pressure, "focus": f.focus_areas,
                                                         "before": f.pain("before"), "after": f.pain("after")}).encode(),
                                             f.seal_context)
                             for f in db.session.scalars(select(AppointmentFeedback))}
            self.checkins = {c.id: ring.seal(json.dumps(c.pain()).encode(), f"pain-checkin:{c.id}:client:{c.client_id}")
                             for c in db.session.scalars(select(PainCheckIn))}
        self.plain = (AppointmentFeedback.pain, PainCheckIn.pain)
        self.opened = 0  # blobs opened: shows the sealed run really read every row

    def __enter__(self):
        feedback_blobs, checkin_blobs, scores = self.feedback, self.checkins, self

        def feedback_pain(row, when):
            opened = row.__dict__.get("_opened")
            if opened is None:
                opened = row.__dict__["_opened"] = json.loads(keyring().open(feedback_blobs[row.id], row.seal_context))
                scores.opened += 1
            return opened[when]

        def checkin_pain(row):
            opened = row.__dict__.get("_opened")
            if opened is None:
                context = f"pain-checkin:{row.id}:client:{row.client_id}"
                opened = row.__dict__["_opened"] = json.loads(keyring().open(checkin_blobs[row.id], context))
                scores.opened += 1
            return opened

        AppointmentFeedback.pain, PainCheckIn.pain = feedback_pain, checkin_pain
        return self

    def __exit__(self, *_exc):
        AppointmentFeedback.pain, PainCheckIn.pain = self.plain


def open_rows(app, count: int, repeat: int) -> float:
    """Median ms to open `count` sealed score rows."""
    with app.app_context():
        ring = keyring()
        payload = json.dumps({"pressure": "just_right", "focus": "neck,lower_back",
                              "before": dict.fromkeys(AREAS, 7), "after": dict.fromkeys(AREAS, 4)}).encode()
        rows = [(ring.seal(payload, f"feedback:{i}"), f"feedback:{i}") for i in range(count)]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            for sealed, context in rows:
                json.loads(ring.open(sealed, context))
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def salon_wide(app, count: int, repeat: int) -> tuple[float, float]:
    """Median ms for the average change in pain per service over `count` sessions: SQL vs open-each."""
    with app.app_context():
        client_id = db.session.scalar(select(User.id).where(User.email == EMAIL))
        amelia_id = db.session.scalar(select(Therapist.id).where(Therapist.display_name == "Amelia Hart"))
        location_id = db.session.scalar(select(Location.id).order_by(Location.id))
        service_ids = list(db.session.scalars(select(Service.id).order_by(Service.id)))
        existing = db.session.scalar(select(func.count()).select_from(AppointmentFeedback))
        now = clock.now()
        for index in range(max(0, count - existing)):
            starts_at = now - timedelta(days=800 + index)
            appointment_id = db.session.execute(insert(Appointment).values(
                client_id=client_id, therapist_id=amelia_id, location_id=location_id,
                service_id=service_ids[index % len(service_ids)], starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=45), price_pence=3500, status="booked",
                idempotency_key=uuid.uuid4().hex,
                sequence=0, created_at=now, updated_at=now).returning(Appointment.id)).scalar()
            before, after = _scores(index)
            db.session.execute(insert(AppointmentFeedback).values(
                appointment_id=appointment_id, client_id=client_id, pressure="just_right", focus_areas="",
                created_at=now, updated_at=now,
                **{f"{a}_before": s for a, s in before.items()}, **{f"{a}_after": s for a, s in after.items()}))
        db.session.commit()

        ids = select(AppointmentFeedback.id).order_by(AppointmentFeedback.id).limit(count).scalar_subquery()
        change = AppointmentFeedback.lower_back_before - AppointmentFeedback.lower_back_after
        in_sql = (select(Appointment.service_id, func.avg(change))
                  .join(Appointment, Appointment.id == AppointmentFeedback.appointment_id)
                  .where(AppointmentFeedback.id.in_(ids)).group_by(Appointment.service_id))
        ring = keyring()
        rows = db.session.execute(
            select(AppointmentFeedback, Appointment.service_id)
            .join(Appointment, Appointment.id == AppointmentFeedback.appointment_id)
            .where(AppointmentFeedback.id.in_(ids))).all()
        sealed = {f.id: ring.seal(json.dumps({"before": f.pain("before"), "after": f.pain("after")}).encode(),
                                  f.seal_context) for f, _ in rows}
        contexts = {f.id: f.seal_context for f, _ in rows}
        db.session.expunge_all()

        sql_times, sealed_times = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            db.session.execute(in_sql).all()
            sql_times.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            totals: dict[int, list[int]] = {}
            for feedback_id, service_id in db.session.execute(
                    select(AppointmentFeedback.id, Appointment.service_id)
                    .join(Appointment, Appointment.id == AppointmentFeedback.appointment_id)
                    .where(AppointmentFeedback.id.in_(ids))):
                scores = json.loads(ring.open(sealed[feedback_id], contexts[feedback_id]))
                if "lower_back" in scores["before"] and "lower_back" in scores["after"]:
                    totals.setdefault(service_id, []).append(
                        scores["before"]["lower_back"] - scores["after"]["lower_back"])
            averages = {service: sum(v) / len(v) for service, v in totals.items()}
            assert averages, "no sessions were averaged"
            sealed_times.append((time.perf_counter() - started) * 1000)
    return statistics.median(sql_times), statistics.median(sealed_times)


def main() -> None:
    with demo_app_from_args(__doc__) as (app, args):
        today_id = add_client_with_history(app)
        client, therapist = log_in(app, EMAIL), log_in(app, "therapist@example.com")
        hx = {"HX-Request": "true"}
        pages = [("client", client, "/pain?range=all", None),
                 ("client", client, "/pain?range=all (htmx swap)", hx),
                 ("therapist", therapist, f"/therapist/appointments/{today_id}/brief", None),
                 ("therapist", therapist, f"/therapist/appointments/{today_id}/brief (htmx swap)", hx)]
        sealed = SealedScores(app)
        print(f"1. {SESSIONS} sessions and {SESSIONS} check-ins: scores plain (today) vs sealed")
        print(f"{'page':<48} {'queries':>7} {'plain ms':>9} {'p95':>6} {'sealed ms':>10} {'p95':>6} {'opened':>7} "
              f"{'bytes':>7}")
        for _who, user_client, label, headers in pages:
            path = label.split(" ")[0]
            plain = measure(app, user_client, path, args.repeat, headers)
            sealed.opened = 0
            with sealed:
                closed = measure(app, user_client, path, args.repeat, headers)
            assert plain["status"] == closed["status"] == 200 and plain["bytes"] == closed["bytes"], label
            print(f"{label:<48} {plain['queries']:>7.0f} {plain['median_ms']:>9.1f} {plain['p95_ms']:>6.1f} "
                  f"{closed['median_ms']:>10.1f} {closed['p95_ms']:>6.1f} {sealed.opened // args.repeat:>7} "
                  f"{plain['bytes']:>7}")

        print("\n2. opening sealed score rows (AES-256-GCM + JSON), median ms")
        for count in (100, 300, 1000):
            print(f"{count:>6} rows {open_rows(app, count, args.repeat):>8.2f}")

        print("\n3. average change in pain per service, median ms: SQL on plain columns vs open every row")
        for count in (1000, 10000):
            in_sql, opened = salon_wide(app, count, max(3, args.repeat // 4))
            print(f"{count:>6} sessions  SQL {in_sql:>8.2f}   sealed {opened:>8.2f}")


if __name__ == "__main__":
    main()
