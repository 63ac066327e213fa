"""Pain over time for one client: sessions and check-ins, per area, in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.booking.models import Appointment
from portal.extensions import db
from portal.feedback.chart import CHECKIN, SESSION, PainPoint, pain_chart_svg, pain_summary
from portal.feedback.models import AREAS, AppointmentFeedback, PainCheckIn
from portal.feedback.services import feedback_rows
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.timezones import SALON_TZ, to_local

RANGES = {"3m": ("3 months", 91), "6m": ("6 months", 182), "1y": ("a year", 365), "all": ("all", None)}
DEFAULT_RANGE = "6m"


@dataclass(frozen=True)
class AreaTrend:
    area: str
    label: str
    points: list[PainPoint]
    summary: str | None
    svg: str


def window_for(client_id: int, range_key: str, today: date) -> tuple[date, datetime | None]:
    """First day shown and the instant to read from (None: everything) for a range."""
    days = RANGES[range_key][1]
    if days is None:
        earliest = _earliest_score(client_id)
        return min(earliest or today, today - timedelta(days=30)), None
    start = today - timedelta(days=days)
    return start, datetime.combine(start, time(0), tzinfo=SALON_TZ)


def _earliest_score(client_id: int) -> date | None:
    first_session = db.session.scalar(
        select(func.min(Appointment.starts_at))
        .join(AppointmentFeedback, AppointmentFeedback.appointment_id == Appointment.id)
        .where(AppointmentFeedback.client_id == client_id))
    first_checkin = db.session.scalar(
        select(func.min(PainCheckIn.recorded_at)).where(PainCheckIn.client_id == client_id))
    moments = [to_local(m).date() for m in (first_session, first_checkin) if m is not None]
    return min(moments, default=None)


def points_by_area(client_id: int, since: datetime | None = None) -> dict[str, list[PainPoint]]:
    """Every session score and check-in since `since`, oldest first, per area."""
    checkin_query = select(PainCheckIn).where(PainCheckIn.client_id == client_id).order_by(PainCheckIn.recorded_at)
    if since is not None:
        checkin_query = checkin_query.where(PainCheckIn.recorded_at >= since)

    by_area: dict[str, list[PainPoint]] = {area: [] for area in AREAS}
    for feedback, starts_at in feedback_rows(client_id, since=since):
        before, after, day = feedback.pain("before"), feedback.pain("after"), to_local(starts_at).date()
        for area in AREAS:
            if area in before or area in after:
                by_area[area].append(PainPoint(day, SESSION, before.get(area), after.get(area)))
    for checkin in db.session.scalars(checkin_query):
        day = to_local(checkin.recorded_at).date()
        for area, score in checkin.pain().items():
            by_area[area].append(PainPoint(day, CHECKIN, score))
    return by_area


def trends(client_id: int, start: date, end: date, since: datetime | None) -> list[AreaTrend]:
    """Chart, summary and points for each area the client has scored."""
    result = []
    for area, points in points_by_area(client_id, since).items():
        label = AREA_LABELS[area]
        result.append(AreaTrend(area, label, points, pain_summary(label, points),
                                pain_chart_svg(label, points, start, end, chart_id=f"chart-{area}")))
    return [trend for trend in result if trend.points]
