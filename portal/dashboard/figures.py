"""The owner's figures at the top of /admin: bookings per week, rebooking, no-shows, late
cancellations and the average change in pain per service.

Every figure is an SQL aggregate (GROUP BY, SUM over CASE), never a walk over loaded rows, in
three statements however many appointments there are. A screen-level module (it reads booking
and feedback, the top two features); the definitions it puts into words on the page live here
beside the queries, so the words and the SQL cannot drift apart.

No health detail leaves here: pain is only an average per service, and only over at least
MIN_PAIN_SESSIONS sessions, so no one client's scores can be read back from a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Interval, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from portal import clock
from portal.booking.models import BOOKED, CANCELLED, Appointment
from portal.booking.status import completed
from portal.extensions import db
from portal.feedback.models import AREAS, AppointmentFeedback
from portal.guidance.rules import FREQUENCY
from portal.salon.models import Service
from portal.timezones import SALON_TZ, to_local

WEEKS = 12
# "Within their guidance interval": every client's interval is at most the longest the guidance
# ever suggests (the 4-week baseline). Reading each client's own interval would mean opening every
# sealed health profile for a headline figure, so the figure uses that longest interval.
REBOOK_DAYS = max(rule.days for rule in FREQUENCY.values())
MIN_PAIN_SESSIONS = 3
# The figures are weekly statistics: /admin keeps them this long in each process (per app)
# instead of aggregating the whole 12 weeks on every view; the page says when they were counted.
FRESH_FOR = timedelta(minutes=5)
CACHE = "owner_figures"


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        """Rounded to a whole percent; None when there is nothing to divide by."""
        return None if self.whole == 0 else round(100 * self.part / self.whole)


@dataclass(frozen=True)
class WeekCount:
    monday: date
    bookings: int


@dataclass(frozen=True)
class PainChange:
    service: str
    sessions: int  # sessions with at least one area scored before and after
    pairs: int  # (session, area) pairs scored before and after
    total_change: int  # the sum of after - before over those pairs

    @property
    def shown(self) -> bool:
        return self.sessions >= MIN_PAIN_SESSIONS

    @property
    def average(self) -> float | None:
        """Points on the 0-10 scale, after minus before (negative: less pain); None when hidden."""
        return round(self.total_change / self.pairs, 1) if self.shown and self.pairs else None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    week: WeekCount


@dataclass(frozen=True)
class Figures:
    weeks: list[WeekCount]  # oldest first, this week last
    rebooking: Rate  # completed massages (part: followed by another within REBOOK_DAYS)
    rebooking_from: date
    rebooking_to: date
    no_shows: Rate  # started massages not cancelled (part: marked no-show)
    late_cancellations: Rate  # all appointments in the weeks (part: cancelled inside the window)
    pain: list[PainChange]
    window_hours: int
    counted_at: datetime | None = None  # when the figures were counted (aware UTC)
    fresh_for: timedelta = FRESH_FOR
    rebook_days: int = REBOOK_DAYS
    min_pain_sessions: int = MIN_PAIN_SESSIONS

    @property
    def first_monday(self) -> date:
        return self.weeks[0].monday

    @property
    def total_bookings(self) -> int:
        return sum(week.bookings for week in self.weeks)

    def bars(self, width: int = 360, height: int = 120, gap: int = 4) -> list[Bar]:
        """The bookings-per-week chart's bars, scaled to the busiest week (all flat when empty)."""
        most = max((week.bookings for week in self.weeks), default=0)
        step = width / len(self.weeks)
        bars = []
        for n, week in enumerate(self.weeks):
            tall = 0 if most == 0 else height * week.bookings / most
            bars.append(Bar(x=round(n * step + gap / 2, 1), y=round(height - tall, 1), height=round(tall, 1),
                            week=week))
        return bars


def _within(earlier, later, span: timedelta, *, strictly: bool = False):
    """SQL: `later - earlier` is at most `span` (less than it, `strictly`), on either backend.

    PostgreSQL subtracts timestamps itself; SQLite keeps text, so it compares julian days in
    seconds with half a second's slack for the float (times are whole seconds)."""
    if db.session.get_bind().dialect.name == "sqlite":
        gap = (func.julianday(later) - func.julianday(earlier)) * 86400
        limit = span.total_seconds()
        return gap < limit - 0.5 if strictly else gap <= limit + 0.5
    # Typed as an interval: the column's own type would take it for a timestamp to bind.
    reach = earlier + literal(span, Interval())
    return later < reach if strictly else later <= reach


def owner_figures(window_hours: int, now: datetime | None = None) -> Figures:
    """The figures for the last WEEKS weeks (Monday to Sunday at the salon, this week last)."""
    now = now or clock.now()
    today = to_local(now).date()
    this_monday = today - timedelta(days=today.weekday())
    # WEEKS + 1 boundaries, each midnight at the salon, whatever clock change lies between.
    bounds = [datetime.combine(this_monday - timedelta(weeks=WEEKS - 1 - n), time(0), tzinfo=SALON_TZ)
              for n in range(WEEKS + 1)]
    return Figures(**_weekly(bounds, now, window_hours), **_rebooking(now), pain=_pain(bounds),
                   window_hours=window_hours, counted_at=now)


def recent_owner_figures(window_hours: int) -> Figures:
    """`owner_figures` as counted at most FRESH_FOR ago in this process (this app), else afresh.

    Counted again when the clock has moved back (a test, a corrected clock) or to another salon
    day, so a week boundary is never crossed with old figures."""
    now = clock.now()
    kept: dict = current_app.extensions.setdefault(CACHE, {})
    found = kept.get(window_hours)
    if found is None or not (found.counted_at <= now < found.counted_at + FRESH_FOR) \
            or to_local(found.counted_at).date() != to_local(now).date():
        found = kept[window_hours] = owner_figures(window_hours, now)
    return found


def forget_owner_figures() -> None:
    """Count the figures afresh on the next view (in this process)."""
    current_app.extensions.pop(CACHE, None)


def _weekly(bounds: list[datetime], now: datetime, window_hours: int) -> dict:
    """One statement: per week, bookings (not cancelled), started ones and their no-shows, and
    every appointment with its late cancellations."""
    week = case(*[(Appointment.starts_at < bounds[n + 1], n) for n in range(WEEKS)])
    late = and_(Appointment.status == CANCELLED, Appointment.cancelled_at.is_not(None),
                _within(Appointment.cancelled_at, Appointment.starts_at, timedelta(hours=window_hours), strictly=True))
    started = and_(Appointment.status == BOOKED, Appointment.starts_at <= now)
    rows = (
        select(
            week.label("week"),
            case((Appointment.status == BOOKED, 1), else_=0).label("booked"),
            case((started, 1), else_=0).label("started"),
            case((and_(started, Appointment.no_show.is_(True)), 1), else_=0).label("no_show"),
            case((late, 1), else_=0).label("late"),
        )
        .where(Appointment.starts_at >= bounds[0], Appointment.starts_at < bounds[WEEKS])
        .subquery()
    )
    per_week = {row.week: row for row in db.session.execute(
        select(rows.c.week, func.sum(rows.c.booked).label("booked"), func.sum(rows.c.started).label("started"),
               func.sum(rows.c.no_show).label("no_show"), func.sum(rows.c.late).label("late"),
               func.count().label("appointments"))
        .group_by(rows.c.week)
    )}
    total = {name: sum(int(getattr(row, name)) for row in per_week.values())
             for name in ("booked", "started", "no_show", "late", "appointments")}
    return {
        "weeks": [WeekCount(bounds[n].date(), int(per_week[n].booked) if n in per_week else 0) for n in range(WEEKS)],
        "no_shows": Rate(total["no_show"], total["started"]),
        "late_cancellations": Rate(total["late"], total["appointments"]),
    }


def _rebooking(now: datetime) -> dict:
    """One statement: of the massages completed in the WEEKS weeks up to REBOOK_DAYS ago (so each
    has had its whole interval), how many the same client followed with another booking (not
    cancelled, made whenever) starting within REBOOK_DAYS after it."""
    span = timedelta(days=REBOOK_DAYS)
    until = now - span
    since = until - timedelta(weeks=WEEKS)
    later = aliased(Appointment)
    followed = exists().where(
        later.client_id == Appointment.client_id, later.status == BOOKED, later.id != Appointment.id,
        later.starts_at > Appointment.starts_at, _within(Appointment.starts_at, later.starts_at, span),
    )
    visits, rebooked = db.session.execute(
        select(func.count(Appointment.id), func.coalesce(func.sum(case((followed, 1), else_=0)), 0))
        .where(completed(now), Appointment.starts_at >= since, Appointment.starts_at < until)
    ).one()
    return {"rebooking": Rate(int(rebooked), int(visits)),
            "rebooking_from": to_local(since).date(), "rebooking_to": to_local(until).date()}


def _pain(bounds: list[datetime]) -> list[PainChange]:
    """One statement: per service, the sum of (after - before) and the number of area pairs
    scored both before and after, over sessions in the weeks shown."""
    both = {area: and_(getattr(AppointmentFeedback, f"{area}_before").is_not(None),
                       getattr(AppointmentFeedback, f"{area}_after").is_not(None)) for area in AREAS}
    change = sum(case((both[area], getattr(AppointmentFeedback, f"{area}_after")
                       - getattr(AppointmentFeedback, f"{area}_before")), else_=0) for area in AREAS)
    pairs = sum(case((both[area], 1), else_=0) for area in AREAS)
    rows = db.session.execute(
        select(Service.name, func.count(AppointmentFeedback.id), func.sum(pairs), func.sum(change))
        .join(Appointment, Appointment.id == AppointmentFeedback.appointment_id)
        .join(Service, Service.id == Appointment.service_id)
        .where(Appointment.starts_at >= bounds[0], Appointment.starts_at < bounds[WEEKS], or_(*both.values()))
        .group_by(Service.id, Service.name)
        .order_by(Service.name)
    )
    return [PainChange(name, int(sessions), int(pair_count), int(total)) for name, sessions, pair_count, total in rows]
