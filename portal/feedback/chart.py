"""Pain over time as a small server-side SVG: no script, no network, no inline styles (CSP).

Per body area: the pain before (hollow) and after (filled) each session, joined by a short
bar so the drop a session brings shows at a glance, plus check-ins between visits. Session
dates are marked on the time axis. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from portal.feedback.meaning import label_words, lasted_words

SESSION = "session"
CHECKIN = "check-in"

# A small drawing space, so its text stays legible when a phone scales it down: at 390 px the
# chart is about 330 px wide (scale 0.9), so the 14-unit labels (static/css/site.css) draw at
# about 13 CSS px; the stylesheet caps the chart's width, so they never pass about 18 px.
WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 28, 14, 12, 34  # margins for the axes and their labels
MAX_PAIN = 10
DATE_TICKS = 3  # dates along the time axis: the first day, the middle and the last


@dataclass(frozen=True)
class PainPoint:
    on: date
    kind: str  # SESSION or CHECKIN
    before: int | None = None  # a session's pain before, or a check-in's pain
    after: int | None = None  # a session's pain after
    later: int | None = None  # a session's 48-hour check-in score for this area, if answered

    @property
    def change(self) -> str:
        """A session's before-to-after change in words ("meaningful drop", ...); "" otherwise."""
        return label_words(self.before, self.after) if self.kind == SESSION else ""

    @property
    def lasted(self) -> str:
        """How much of a session's relief lasted two days ("most of the relief lasted"); "" otherwise."""
        return lasted_words(self.before, self.after, self.later) if self.kind == SESSION else ""

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


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def date_ticks(start: date, end: date, count: int = DATE_TICKS) -> list[date]:
    """Evenly spaced days from `start` to `end` (both included) to write along the time axis."""
    span = (end - start).days
    if span <= 0:
        return [start]
    days = sorted({start + (end - start) * i // (count - 1) for i in range(count)})
    return days


def _order(point: PainPoint) -> tuple:
    # On one day, the session first: a check-in that day is read as coming after it.
    return point.on, 0 if point.kind == SESSION else 1


def pain_chart_svg(area_label: str, points: list[PainPoint], start: date, end: date, chart_id: str,
                   title: str | None = None, css_class: str = "") -> str:
    """One area's chart; `chart_id` keeps its title ids unique on a page with several. `title`
    replaces "Pain in your <area>" (the stress and sleep charts)."""
    ordered = sorted(points, key=_order)
    what = escape(title) if title else f"Pain in your {escape(area_label)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pain-chart{" " + css_class if css_class else ""}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{what}, 0 to 10, '
        f'{start.strftime("%d %b %Y")} to {end.strftime("%d %b %Y")}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(ordered))}</desc>',
    ]
    for pain in (0, 5, 10):
        y = _fmt(_y(pain))
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        parts.append(f'<text class="axis-label" x="{LEFT - 6}" y="{y}" text-anchor="end" '
                     f'dominant-baseline="middle">{pain}</text>')
    axis_y = HEIGHT - BOTTOM
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"/>')
    ticks = date_ticks(start, end)
    for i, day in enumerate(ticks):
        x = _x(day, start, end)
        anchor = "start" if i == 0 and len(ticks) > 1 else "end" if i == len(ticks) - 1 and len(ticks) > 1 else "middle"
        parts.append(f'<line class="tick" x1="{_fmt(x)}" y1="{axis_y}" x2="{_fmt(x)}" y2="{axis_y + 4}"/>')
        parts.append(f'<text class="axis-label date-label" x="{_fmt(x)}" y="{HEIGHT - 8}" '
                     f'text-anchor="{anchor}">{_short_day(day)}</text>')

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


def _long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def last_session(points: list[PainPoint]) -> PainPoint | None:
    """The latest session with both scores (the one whose change label the dashboard shows)."""
    sessions = [p for p in sorted(points, key=_order) if p.kind == SESSION
                and p.before is not None and p.after is not None]
    return sessions[-1] if sessions else None


def pain_summary(area_label: str, points: list[PainPoint]) -> str | None:
    """The latest change first, then the longer view:
    'Lower back: at your last session (20 November 2026) from 3 to 6: a rise. From 7 to 6 since
    14 March 2026.' None without two scores to compare."""
    ordered = [p for p in sorted(points, key=_order) if p.latest is not None]
    name = area_label[:1].upper() + area_label[1:]
    sentences = []
    latest_session = last_session(ordered)
    if latest_session is not None:
        sentences.append(f"at your last session ({_long_day(latest_session.on)}) from {latest_session.before} "
                         f"to {latest_session.after}: {latest_session.change}.")
        after_it = [p for p in ordered if p.kind == CHECKIN and p.on >= latest_session.on]
        if latest_session.later is not None:
            sentences.append(f"Two days later {latest_session.later}: {latest_session.lasted}.")
        elif after_it:
            sentences.append(f"Since then, {after_it[-1].latest} on {_long_day(after_it[-1].on)}.")
    scored = ordered
    if len(scored) >= 2:
        first, last = scored[0], scored[-1]
        start_value = first.before if first.before is not None else first.after
        end_value = last.latest
        since = _long_day(first.on)
        overall = (f"steady at {end_value} since {since}." if end_value == start_value
                   else f"from {start_value} to {end_value} since {since}.")
        sentences.append(overall[:1].upper() + overall[1:] if sentences else overall)
    if not sentences:
        return None
    return f"{name}: " + " ".join(sentences)
