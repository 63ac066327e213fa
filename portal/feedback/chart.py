"""Pain over time as a small server-side SVG: no script, no network, no inline styles (CSP).

Per body area: the pain before (hollow) and after (filled) each session, joined by a short
bar so the drop a session brings shows at a glance, plus check-ins between visits. Session
dates are marked on the time axis. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from portal.feedback.meaning import label_words

SESSION = "session"
CHECKIN = "check-in"

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 40  # margins for the axes and their labels
MAX_PAIN = 10


@dataclass(frozen=True)
class PainPoint:
    on: date
    kind: str  # SESSION or CHECKIN
    before: int | None = None  # a session's pain before, or a check-in's pain
    after: int | None = None  # a session's pain after

    @property
    def change(self) -> str:
        """A session's before-to-after change in words ("meaningful drop", ...); "" otherwise."""
        return label_words(self.before, self.after) if self.kind == SESSION else ""

    @property
    def latest(self) -> int | None:
        return self.after if self.after is not None else self.before


def _x(day: date, start: date, end: date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span


def _y(pain: int) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (MAX_PAIN - pain) / MAX_PAIN


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _polyline(points: list[tuple[float, float]], css_class: str) -> str:
    if len(points) < 2:
        return ""
    path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
    return f'<polyline class="{css_class}" points="{path}" fill="none"/>'


def pain_chart_svg(area_label: str, points: list[PainPoint], start: date, end: date, chart_id: str) -> str:
    """One area's chart; `chart_id` keeps its title ids unique on a page with several."""
    ordered = sorted(points, key=lambda p: (p.on, p.kind))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pain-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">Pain in your {escape(area_label)}, 0 to 10, '
        f'{start.strftime("%d %b %Y")} to {end.strftime("%d %b %Y")}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(ordered))}</desc>',
    ]
    for pain in (0, 5, 10):
        y = _fmt(_y(pain))
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        parts.append(f'<text class="axis-label" x="{LEFT - 8}" y="{y}" text-anchor="end" '
                     f'dominant-baseline="middle">{pain}</text>')
    axis_y = HEIGHT - BOTTOM
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"/>')
    parts.append(f'<text class="axis-label" x="{LEFT}" y="{HEIGHT - 8}">{start.strftime("%d %b %Y")}</text>')
    parts.append(f'<text class="axis-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
                 f'{end.strftime("%d %b %Y")}</text>')

    sessions = [p for p in ordered if p.kind == SESSION]
    for point in sessions:  # session dates marked on the axis
        x = _fmt(_x(point.on, start, end))
        parts.append(f'<line class="session-mark" x1="{x}" y1="{axis_y}" x2="{x}" y2="{axis_y + 6}"/>')
    parts.append(_polyline([(_x(p.on, start, end), _y(p.before)) for p in sessions if p.before is not None],
                           "line-before"))
    parts.append(_polyline([(_x(p.on, start, end), _y(p.after)) for p in sessions if p.after is not None],
                           "line-after"))
    for point in ordered:
        x = _fmt(_x(point.on, start, end))
        label = point.on.strftime("%d %b %Y")
        if point.kind == CHECKIN and point.before is not None:
            y = _y(point.before)
            parts.append(f'<rect class="dot-checkin" x="{_fmt(float(x) - 4)}" y="{_fmt(y - 4)}" width="8" height="8">'
                         f'<title>Check-in {label}: {point.before}</title></rect>')
            continue
        if point.before is not None and point.after is not None:
            parts.append(f'<line class="session-bar" x1="{x}" y1="{_fmt(_y(point.before))}" x2="{x}" '
                         f'y2="{_fmt(_y(point.after))}"/>')
        if point.before is not None:
            parts.append(f'<circle class="dot-before" cx="{x}" cy="{_fmt(_y(point.before))}" r="5">'
                         f'<title>Session {label}, before: {point.before}</title></circle>')
        if point.after is not None:
            parts.append(f'<circle class="dot-after" cx="{x}" cy="{_fmt(_y(point.after))}" r="5">'
                         f'<title>Session {label}, after: {point.after}</title></circle>')
    parts.append("</svg>")
    return "".join(part for part in parts if part)


def _describe(points: list[PainPoint]) -> str:
    sessions = sum(1 for p in points if p.kind == SESSION)
    checkins = sum(1 for p in points if p.kind == CHECKIN)
    return f"{sessions} session(s) and {checkins} check-in(s); the table below lists every score."


def pain_summary(area_label: str, points: list[PainPoint]) -> str | None:
    """'Lower back: from 7 to 3 since 14 March 2026.' None without two scores to compare."""
    scored = [p for p in sorted(points, key=lambda p: (p.on, p.kind)) if p.latest is not None]
    if len(scored) < 2:
        return None
    first, last = scored[0], scored[-1]
    start_value = first.before if first.before is not None else first.after
    end_value = last.latest
    since = f"{first.on.day} {first.on:%B %Y}"
    name = area_label[:1].upper() + area_label[1:]
    if end_value == start_value:
        return f"{name}: steady at {end_value} since {since}."
    return f"{name}: from {start_value} to {end_value} since {since}."
