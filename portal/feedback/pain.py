"""Pain over time for one client: sessions and check-ins, per area, in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.booking.models import Appointment
from portal.extensions import db
from portal.feedback.chart import CHECKIN, SESSION, PainPoint, last_session, pain_chart_svg, pain_summary
from portal.feedback.meaning import label_words, relief_sentence
from portal.feedback.models import AREAS, WELLBEING, AppointmentFeedback, PainCheckIn
from portal.feedback.services import feedback_rows
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.timezones import SALON_TZ, to_local

# The optional answers charted beside pain: title, and what 0 and 10 mean.
WELLBEING_LABELS = {"stress": ("Stress", "0 no stress, 10 the most stressed"),
                    "sleep_quality": ("Sleep quality", "0 very poor sleep, 10 very good sleep")}

RANGES = {"3m": ("3 months", 91), "6m": ("6 months", 182), "1y": ("a year", 365), "all": ("all", None)}
DEFAULT_RANGE = "6m"


@dataclass(frozen=True)
class AreaTrend:
    area: str
    label: str
    points: list[PainPoint]
    summary: str | None
    svg: str

    @property
    def last_change(self) -> PainPoint | None:
        """The latest session with both scores: its change label is the area's "last label"."""
        return last_session(self.points)


@dataclass(frozen=True)
class WellbeingTrend:
    key: str  # "stress" or "sleep_quality"
    label: str
    scale: str  # what 0 and 10 mean
    points: list[PainPoint]  # sessions (circles) and check-ins (squares), the value in `before`
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


def _sorted(points: list[PainPoint]) -> list[PainPoint]:
    # Date order; on one day the session first (a check-in that day is read as after it).
    return sorted(points, key=lambda p: (p.on, 0 if p.kind == SESSION else 1))


def _read(client_id: int, since: datetime | None) -> tuple[list, list[PainCheckIn]]:
    """The client's session feedback and check-ins since `since`: two queries."""
    return feedback_rows(client_id, since=since), checkins_since(client_id, since)


def checkins_since(client_id: int, since: datetime | None) -> list[PainCheckIn]:
    """The client's check-ins recorded since `since` (None: all), oldest first; one query."""
    checkin_query = select(PainCheckIn).where(PainCheckIn.client_id == client_id).order_by(PainCheckIn.recorded_at)
    if since is not None:
        checkin_query = checkin_query.where(PainCheckIn.recorded_at >= since)
    return list(db.session.scalars(checkin_query))


def _pain_points(rows, checkins: list[PainCheckIn]) -> dict[str, list[PainPoint]]:
    # The 48-hour check-in tied to a session gives that session's "two days later" score (the
    # first answer per area: the service stores one).
    later: dict[int, dict[str, int]] = {}
    for checkin in checkins:
        if checkin.appointment_id is not None:
            for area, score in checkin.pain().items():
                later.setdefault(checkin.appointment_id, {}).setdefault(area, score)
    by_area: dict[str, list[PainPoint]] = {area: [] for area in AREAS}
    for feedback, starts_at in rows:
        before, after, day = feedback.pain("before"), feedback.pain("after"), to_local(starts_at).date()
        two_days = later.get(feedback.appointment_id, {})
        for area in AREAS:
            if area in before or area in after:
                by_area[area].append(PainPoint(day, SESSION, before.get(area), after.get(area), two_days.get(area)))
    for checkin in checkins:
        day = to_local(checkin.recorded_at).date()
        for area, score in checkin.pain().items():
            by_area[area].append(PainPoint(day, CHECKIN, score))
    return {area: _sorted(points) for area, points in by_area.items()}


def _wellbeing_points(rows, checkins: list[PainCheckIn]) -> dict[str, list[PainPoint]]:
    by_key: dict[str, list[PainPoint]] = {key: [] for key in WELLBEING}
    for feedback, starts_at in rows:
        for key, value in feedback.wellbeing().items():
            by_key[key].append(PainPoint(to_local(starts_at).date(), SESSION, value))
    for checkin in checkins:
        for key, value in checkin.wellbeing().items():
            by_key[key].append(PainPoint(to_local(checkin.recorded_at).date(), CHECKIN, value))
    return {key: _sorted(points) for key, points in by_key.items()}


def points_by_area(client_id: int, since: datetime | None = None) -> dict[str, list[PainPoint]]:
    """Every session score (with its two-days-later score) and check-in since `since`, in date
    order, per area; two queries."""
    return _pain_points(*_read(client_id, since))


def trends(client_id: int, start: date, end: date, since: datetime | None, chart_class: str = "") -> list[AreaTrend]:
    """Chart, summary and points for each area the client has scored."""
    return trends_of(*_read(client_id, since), start, end, chart_class)


def trends_of(rows, checkins: list[PainCheckIn], start: date, end: date, chart_class: str = "") -> list[AreaTrend]:
    """`trends` from feedback rows (`feedback_rows`) and check-ins the caller has read already."""
    return area_trends(_pain_points(rows, checkins), start, end, chart_class)


def area_trends(by_area: dict[str, list[PainPoint]], start: date, end: date, chart_class: str = "",
                id_prefix: str = "chart") -> list[AreaTrend]:
    result = []
    for area, points in by_area.items():
        if not points:
            continue
        label = AREA_LABELS[area]
        result.append(AreaTrend(area, label, points, pain_summary(label, points),
                                pain_chart_svg(label, points, start, end, chart_id=f"{id_prefix}-{area}",
                                               css_class=chart_class)))
    return result


def all_trends(client_id: int, start: date, end: date, since: datetime | None
               ) -> tuple[list[AreaTrend], list[WellbeingTrend]]:
    """Pain per area, and stress and sleep quality beside it, from the same two queries."""
    rows, checkins = _read(client_id, since)
    wellbeing = []
    for key, points in _wellbeing_points(rows, checkins).items():
        if points:
            label, scale = WELLBEING_LABELS[key]
            wellbeing.append(WellbeingTrend(key, label, scale, points, pain_chart_svg(
                label.lower(), points, start, end, chart_id=f"chart-{key}", title=f"{label} ({scale})")))
    return area_trends(_pain_points(rows, checkins), start, end), wellbeing


def session_outcomes(client_id: int) -> dict[int, list[str]]:
    """For the session history: per appointment id, one line per scored area, e.g. "Lower back:
    7 before, 3 after, 4 two days later: most of the relief lasted." (or, before the two-day
    answer, "Lower back: 7 before, 3 after: meaningful drop."); two queries."""
    rows, checkins = _read(client_id, None)
    later: dict[int, dict[str, int]] = {}
    for checkin in checkins:
        if checkin.appointment_id is not None:
            for area, score in checkin.pain().items():
                later.setdefault(checkin.appointment_id, {}).setdefault(area, score)
    outcomes: dict[int, list[str]] = {}
    for feedback, _ in rows:
        before, after = feedback.pain("before"), feedback.pain("after")
        lines = []
        for area in AREAS:
            if area not in before and area not in after:
                continue
            label = AREA_LABELS[area]
            two_days = later.get(feedback.appointment_id, {}).get(area)
            line = relief_sentence(label, before.get(area), after.get(area), two_days)
            if not line:
                scores = ", ".join(f"{value} {when}" for when, value in (("before", before.get(area)),
                                                                          ("after", after.get(area))) if value is not None)
                change = label_words(before.get(area), after.get(area))
                line = f"{label[:1].upper() + label[1:]}: {scores}{': ' + change if change else ''}."
            lines.append(line)
        if lines:
            outcomes[feedback.appointment_id] = lines
    return outcomes
