"""Pain over time for one client: sessions and check-ins, per area, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import SmallInteger, bindparam, cast, literal_column, null, select, union_all

from portal.booking.models import Appointment
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.feedback.chart import CHECKIN, SESSION, PainPoint, last_session, pain_chart_svg, pain_summary
from portal.feedback.meaning import label_words, relief_sentence
from portal.feedback.models import AREAS, WELLBEING, AppointmentFeedback, PainCheckIn, answered
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


def _first_day(rows, checkins: list[_Scores], today: date) -> date:
    """The first day of "all": the earliest score read (rows and check-ins are oldest first), and
    at least 30 days back."""
    moments = [to_local(m).date() for m in (rows[0][1] if rows else None,
                                            checkins[0].recorded_at if checkins else None) if m is not None]
    return min(min(moments, default=today), today - timedelta(days=30))


def _sorted(points: list[PainPoint]) -> list[PainPoint]:
    # Date order; on one day the session first (a check-in that day is read as after it).
    return sorted(points, key=lambda p: (p.on, 0 if p.kind == SESSION else 1))


@dataclass(frozen=True)
class _Scores:
    """One session's feedback or one check-in, as these pages read it (the columns they need)."""
    appointment_id: int | None  # the session; for a check-in, the session it answers, if any
    recorded_at: datetime  # the session's start, or when the check-in was made
    before: dict[str, int]  # a session's pain before, or a check-in's pain, per area
    after: dict[str, int]  # a session's pain after (none for a check-in)
    answers: dict[str, int]  # stress and sleep quality, where answered

    def pain(self, when: str = "before") -> dict[str, int]:
        return self.before if when == "before" else self.after

    def wellbeing(self) -> dict[str, int]:
        return self.answers


def checkins_since(client_id: int, since: datetime | None) -> list[PainCheckIn]:
    """The client's check-ins recorded since `since` (None: all), oldest first; one query."""
    parameters = {"client_id": client_id} if since is None else {"client_id": client_id, "since": since}
    return list(db.session.scalars(_checkins_statement(since is not None), parameters))


@cache
def _checkins_statement(with_since: bool):
    """`checkins_since`' statement for the bound `client_id` (and `since`): built once per shape."""
    checkin_query = (select(PainCheckIn).where(PainCheckIn.client_id == bindparam("client_id"))
                     .order_by(PainCheckIn.recorded_at))
    if with_since:
        checkin_query = checkin_query.where(PainCheckIn.recorded_at >= bindparam("since", type_=UTCDateTime()))
    return checkin_query


@cache
def _scores_statement(with_since: bool):
    """Sessions' and check-ins' scores side by side (UNION ALL), oldest first, for the bound
    `client_id` (and `since`): built once per shape, as building it costs more than running it."""
    feedback, checkin = AppointmentFeedback, PainCheckIn
    sessions = (select(literal_column("0").label("kind"), Appointment.starts_at.label("at"), feedback.id,
                       feedback.appointment_id,
                       *(getattr(feedback, f"{area}_before") for area in AREAS),
                       *(getattr(feedback, f"{area}_after") for area in AREAS),
                       *(getattr(feedback, name) for name in WELLBEING))
                .join(Appointment, Appointment.id == feedback.appointment_id)
                .where(feedback.client_id == bindparam("client_id")))
    checkins = (select(literal_column("1"), checkin.recorded_at, checkin.id, checkin.appointment_id,
                       *(getattr(checkin, area) for area in AREAS),
                       *(cast(null(), SmallInteger) for _ in AREAS),
                       *(getattr(checkin, name) for name in WELLBEING))
                .where(checkin.client_id == bindparam("client_id")))
    if with_since:
        sessions = sessions.where(Appointment.starts_at >= bindparam("since", type_=UTCDateTime()))
        checkins = checkins.where(checkin.recorded_at >= bindparam("since", type_=UTCDateTime()))
    return union_all(sessions, checkins).order_by(literal_column("kind"), literal_column("at"), literal_column("id"))


def _read(client_id: int, since: datetime | None) -> tuple[list[tuple[_Scores, datetime]], list[_Scores]]:
    """The client's session feedback, as (scores, session start), and check-ins since `since`,
    each oldest first: one statement."""
    n = len(AREAS)
    parameters = {"client_id": client_id} if since is None else {"client_id": client_id, "since": since}
    rows, checkin_rows = [], []
    for row in db.session.execute(_scores_statement(since is not None), parameters):
        scores = _Scores(row[3], row[1], answered(AREAS, row[4:4 + n]), answered(AREAS, row[4 + n:4 + 2 * n]),
                         answered(WELLBEING, row[4 + 2 * n:]))
        if row[0] == 0:
            rows.append((scores, row[1]))
        else:
            checkin_rows.append(scores)
    return rows, checkin_rows


def pain_points(rows, checkins) -> dict[str, list[PainPoint]]:
    """Per area, in date order: `rows` as (feedback, session start), oldest first, and check-ins
    oldest first; each with `pain()` and `appointment_id` (the scores read here, or stored rows)."""
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


def _wellbeing_points(rows, checkins: list[_Scores]) -> dict[str, list[PainPoint]]:
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
    order, per area; one query."""
    return pain_points(*_read(client_id, since))


def trends(client_id: int, start: date, end: date, since: datetime | None, chart_class: str = "") -> list[AreaTrend]:
    """Chart, summary and points for each area the client has scored."""
    return trends_of(*_read(client_id, since), start, end, chart_class)


def trends_of(rows, checkins, start: date, end: date, chart_class: str = "") -> list[AreaTrend]:
    """`trends` from feedback rows and check-ins the caller has read already (see `pain_points`)."""
    return area_trends(pain_points(rows, checkins), start, end, chart_class)


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


def range_trends(client_id: int, range_key: str, today: date
                 ) -> tuple[date, list[AreaTrend], list[WellbeingTrend]]:
    """The first day shown, pain per area, and stress and sleep quality beside it, for a range
    (RANGES) ending today: one query (for "all", the first day is read from what it returns)."""
    days = RANGES[range_key][1]
    if days is None:
        rows, checkins = _read(client_id, None)
        start = _first_day(rows, checkins, today)
    else:
        start = today - timedelta(days=days)
        rows, checkins = _read(client_id, datetime.combine(start, time(0), tzinfo=SALON_TZ))
    wellbeing = []
    for key, points in _wellbeing_points(rows, checkins).items():
        if points:
            label, scale = WELLBEING_LABELS[key]
            wellbeing.append(WellbeingTrend(key, label, scale, points, pain_chart_svg(
                label.lower(), points, start, today, chart_id=f"chart-{key}", title=f"{label} ({scale})")))
    return start, area_trends(pain_points(rows, checkins), start, today), wellbeing


def session_outcomes(client_id: int) -> dict[int, list[str]]:
    """For the session history: per appointment id, one line per scored area, e.g. "Lower back:
    7 before, 3 after, 4 two days later: most of the relief lasted." (or, before the two-day
    answer, "Lower back: 7 before, 3 after: meaningful drop."); one query."""
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
