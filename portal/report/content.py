"""What the report says for one client and period: a cross-feature read (profile goals, booked
sessions, feedback and check-ins), like portal/data_export.py. Never treatment notes, and not
the client's free-text notes either: only scores, labels, sessions and goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal import clock
from portal.booking.models import Appointment
from portal.booking.status import completed
from portal.extensions import db
from portal.feedback.chart import SESSION, PainPoint
from portal.feedback.meaning import RELIEF_RULE_IN_WORDS, RULE_IN_WORDS
from portal.feedback.pain import points_by_area, session_outcomes
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.profile.services import goals_of
from portal.salon.models import Service, Therapist
from portal.timezones import SALON_TZ, to_local


@dataclass(frozen=True)
class AreaScores:
    area: str
    label: str  # "lower back"
    points: list[PainPoint]  # sessions and check-ins, in date order

    @property
    def title(self) -> str:
        return self.label[:1].upper() + self.label[1:]


@dataclass(frozen=True)
class SessionLine:
    on: date
    massage: str
    therapist: str
    outcomes: list[str]  # "Lower back: 7 before, 3 after, 4 two days later: most of the relief lasted."


@dataclass(frozen=True)
class Report:
    client_name: str
    start: date
    end: date
    made_on: date
    goals: list[str]
    areas: list[AreaScores]
    sessions: list[SessionLine]
    change_rule: str = RULE_IN_WORDS
    relief_rule: str = RELIEF_RULE_IN_WORDS


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SALON_TZ)


def report_for(client_id: int, client_name: str, start: date, end: date) -> Report:
    """The client's report from `start` to `end`, both days included (salon time)."""
    since, until = _instant(start), _instant(end + timedelta(days=1))
    areas = []
    for area, points in points_by_area(client_id, since).items():
        shown = [p for p in points if start <= p.on <= end]
        if shown:
            areas.append(AreaScores(area, AREA_LABELS[area], shown))
    outcomes = session_outcomes(client_id)
    rows = db.session.execute(
        select(Appointment.id, Appointment.starts_at, Service.name, Therapist.display_name)
        .join(Service, Service.id == Appointment.service_id)
        .join(Therapist, Therapist.id == Appointment.therapist_id)
        .where(Appointment.client_id == client_id, completed(clock.now()),
               Appointment.starts_at >= since, Appointment.starts_at < until)
        .order_by(Appointment.starts_at))
    sessions = [SessionLine(to_local(starts_at).date(), massage, therapist, outcomes.get(appointment_id, []))
                for appointment_id, starts_at, massage, therapist in rows]
    return Report(client_name, start, end, clock.today(), goals_of(client_id), areas, sessions)


CSV_COLUMNS = ("date", "kind", "area", "pain_before", "pain_after", "change", "two_days_later",
               "relief_lasted", "massage", "therapist")


def csv_rows(report: Report) -> list[dict]:
    """One row per score (a session's per area, or a check-in's), in date order; the session's
    massage and therapist beside its scores."""
    booked = {}
    for line in report.sessions:
        booked.setdefault(line.on, line)
    rows = []
    for scores in report.areas:
        for p in scores.points:
            session = booked.get(p.on) if p.kind == SESSION else None
            rows.append({"date": p.on.isoformat(), "kind": p.kind, "area": scores.label,
                         "pain_before": _cell(p.before), "pain_after": _cell(p.after), "change": p.change,
                         "two_days_later": _cell(p.later), "relief_lasted": p.lasted,
                         "massage": session.massage if session else "",
                         "therapist": session.therapist if session else ""})
    return sorted(rows, key=lambda r: (r["date"], r["kind"] != SESSION, r["area"]))


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)
