"""`flask demo scale`: a large salon by bulk inserts, small here (50 clients, one month), on
whichever database the suite runs (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from portal import clock
from portal.accounts.models import User
from portal.booking.models import BOOKED, Appointment, AppointmentSlot
from portal.demo_scale import EMAIL_DOMAIN, FUTURE_WEEKS, NOTES
from portal.extensions import db
from portal.feedback.models import AppointmentFeedback, PainCheckIn
from portal.profile.services import content_for_use
from portal.salon import catalogue_cache
from portal.salon.models import Therapist, WorkingHours
from portal.timezones import SALON_TZ


def _scale(app, *args):
    return app.test_cli_runner().invoke(args=["demo", "scale", "--clients", "50", "--years", "0.084", *args])


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_scale_fills_a_small_salon_that_the_guard_check_passes(app):
    result = _scale(app)
    assert result.exit_code == 0, result.output
    assert "Scaled salon ready: 2 therapists, 50 clients" in result.output

    check = app.test_cli_runner().invoke(args=["booking", "check"])
    assert check.exit_code == 0, check.output
    assert check.output.count("0 cell(s)") == 3

    with app.app_context():  # the planner's statistics were gathered for what was loaded
        if db.engine.dialect.name == "postgresql":
            analysed = db.session.scalar(text(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'appointments' AND attname = 'client_id'"))
            # and, vacuumed, its pages are marked all-visible: an index-only scan reads no table page
            assert db.session.scalar(text("SELECT relallvisible FROM pg_class WHERE relname = 'appointments'")) >= 1
        else:
            analysed = db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'appointments'"))
        assert analysed >= 1

    with app.app_context():
        buffer = timedelta(minutes=app.config["BOOKING_BUFFER_MINUTES"])
        assert _count(User, User.email.like(f"%@{EMAIL_DOMAIN}")) == 50
        assert _count(Therapist) == 4 + 2  # the demo's four and one per 250 clients (at least two)
        booked = list(db.session.execute(
            select(Appointment.therapist_id, Appointment.client_id, Appointment.starts_at, Appointment.ends_at)
            .where(Appointment.status == BOOKED).order_by(Appointment.starts_at)))
        # No therapist is booked twice (the cleaning buffer included), no client twice in a day.
        by_therapist, client_days = defaultdict(list), set()
        for therapist_id, client_id, starts_at, ends_at in booked:
            by_therapist[therapist_id].append((starts_at, ends_at))
        for times in by_therapist.values():
            for (_, ends), (next_starts, _) in zip(times, times[1:]):
                assert next_starts >= ends + buffer
        scaled_clients = set(db.session.scalars(select(User.id).where(User.email.like(f"%@{EMAIL_DOMAIN}"))))
        scaled = [row for row in booked if row.client_id in scaled_clients]
        for row in scaled:
            key = (row.client_id, row.starts_at.astimezone(SALON_TZ).date())
            assert key not in client_days
            client_days.add(key)
        # Every booked appointment holds its cells: one row per 15 minutes of time and buffer
        # (the demo's time off holds cells of its own).
        cells = _count(AppointmentSlot, AppointmentSlot.appointment_id.is_not(None))
        assert cells == sum(-(-int((e + buffer - s).total_seconds()) // 900) for _, _, s, e in booked)

        now = clock.now()
        past = [row for row in scaled if row.ends_at <= now]
        future = [row for row in scaled if row.starts_at > now]
        assert len(past) >= 20 and len(future) >= 200
        # The next eight weeks are about 70% full: booked time (with its buffer) over working time.
        scale_ids = {t.id for t in db.session.scalars(select(Therapist).where(Therapist.user_id.is_(None))
                                                      .order_by(Therapist.id.desc()).limit(2))}
        shifts = list(db.session.scalars(select(WorkingHours).where(WorkingHours.therapist_id.in_(scale_ids))))
        today = clock.today()
        working = sum(
            (datetime.combine(today, h.ends_at) - datetime.combine(today, h.starts_at)).total_seconds()
            for n in range(1, FUTURE_WEEKS * 7) for h in shifts
            if h.weekday == (today + timedelta(days=n)).weekday())
        busy = sum((e + buffer - s).total_seconds() for t, _, s, e in booked
                   if t in scale_ids and s.astimezone(SALON_TZ).date() > today)
        assert 0.5 <= busy / working <= 0.85

        # Feedback and check-ins on most past sessions, sealed fields opening with their row's context.
        feedback = _count(AppointmentFeedback)
        assert feedback >= len(past) * 0.4 and _count(PainCheckIn) > 0
        notes = list(db.session.scalars(select(AppointmentFeedback).where(
            AppointmentFeedback.note_sealed.is_not(None), AppointmentFeedback.client_id.in_(scaled_clients))))
        assert all(note.note in NOTES for note in notes)
        profiles = [content_for_use(c) for c in scaled_clients]
        assert sum(p is not None for p in profiles) >= 25
        assert all(p.problem_areas for p in profiles if p is not None)

        # The ids were given by the loader: new rows still get fresh ones (PostgreSQL's sequences moved).
        user = User(email="after-scale@example.com", name="After", role="client", password_hash="x")
        db.session.add(user)
        db.session.flush()
        assert user.id > 53
        db.session.rollback()
        assert catalogue_cache.current_stamp() is not None  # the new therapists changed the catalogue


def test_the_booking_page_offers_the_scaled_therapists_and_their_diaries_fill_it(app):
    """A chain's booking page reads dozens of diaries: the scaled therapists give the massages
    their appointments are for, so the page offers them (and the large salon measures that)."""
    assert _scale(app).exit_code == 0
    with app.app_context():
        scaled = list(db.session.scalars(select(Therapist).where(Therapist.user_id.is_(None))))
        given = {(a.therapist_id, a.service_id) for a in db.session.scalars(
            select(Appointment).where(Appointment.therapist_id.in_([t.id for t in scaled])))}
        assert given and all(any(s.id == service_id for s in t.services)
                             for t in scaled for therapist_id, service_id in given if therapist_id == t.id)
        assert all(len(t.services) == 3 for t in scaled)
        offered = {t.id for t in catalogue_cache.active_therapists() if t.services}
        assert {t.id for t in scaled} <= offered


def test_scale_refuses_a_second_run_and_production(app):
    assert _scale(app).exit_code == 0
    again = _scale(app)
    assert again.exit_code != 0 and "already holds a scaled salon" in again.output
    app.config["PORTAL_ENV"] = "production"
    try:
        refused = app.test_cli_runner().invoke(args=["demo", "scale", "--clients", "5"])
    finally:
        app.config["PORTAL_ENV"] = "testing"
    assert refused.exit_code != 0 and "never loaded into production" in refused.output
