"""Pain over time as a small server-side SVG: no script, no network, no inline styles (CSP).

Per body area: the pain before (hollow) and after (filled) each session, joined by a short
bar so the drop a session brings shows at a glance, plus check-ins between visits. Session
dates are marked on the time axis. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
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


@lru_cache(maxsize=4096)
def _fmt(value: float) -> str:
    """One decimal, without a trailing ".0" ("3", "3.5"). Remembered: a chart writes the same
    few coordinates (days, scores 0 to 10) over and over."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


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


# Each shape: its path data from the point where the pen starts, and that point's offset from
# the centre.
CIRCLE = ("M{x} {y}a5 5 0 1 0 10 0a5 5 0 1 0-10 0", -5, 0)  # radius 5 around the centre
SQUARE = ("M{x} {y}h8v8h-8z", -4, -4)  # 8 by 8 around the centre


def _dots(centres: list[tuple[float, float]], shape: tuple[str, int, int]) -> str:
    """Path data drawing a dot at each centre: one path per series, not one element per point."""
    data, dx, dy = shape
    return "".join(data.format(x=_fmt(x + dx), y=_fmt(y + dy)) for x, y in centres)


def _path(css_class: str, data: str) -> str:
    return f'<path class="{css_class}" d="{data}"/>' if data else ""


# The parts every chart shares: the grid at 0, 5 and 10 and the pain scale beside it.
_GRID = _path("grid", "".join(f"M{LEFT} {_fmt(_y(pain))}H{WIDTH - RIGHT}" for pain in (0, 5, 10)))
_AXIS = _path("axis", f"M{LEFT} {HEIGHT - BOTTOM}H{WIDTH - RIGHT}")
_SCALE = "".join(f'<text class="axis-label value-label" x="{LEFT - 6}" y="{_fmt(_y(pain))}">{pain}</text>'
                 for pain in (0, 5, 10))


def pain_chart_svg(area_label: str, points: list[PainPoint], start: date, end: date, chart_id: str,
                   title: str | None = None, css_class: str = "") -> str:
    """One area's chart; `chart_id` keeps its title ids unique on a page with several. `title`
    replaces "Pain in your <area>" (the stress and sleep charts).

    Each series is one path (the dots before, after, the check-ins, the bars between before and
    after, the session marks): every number is written once, and the score table beside the
    chart is its text alternative (the description points to it), so no dot has its own tooltip."""
    ordered = sorted(points, key=_order)
    what = escape(title) if title else f"Pain in your {escape(area_label)}"
    axis_y = HEIGHT - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pain-chart{" " + css_class if css_class else ""}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{what}, 0 to 10, '
        f'{start.strftime("%d %b %Y")} to {end.strftime("%d %b %Y")}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(ordered))}</desc>',
        _GRID,
        _AXIS,
        _SCALE,
    ]
    ticks = date_ticks(start, end)
    xs = [_fmt(_x(day, start, end)) for day in ticks]
    parts.append(_path("tick", "".join(f"M{x} {axis_y}v4" for x in xs)))
    for i, (day, x) in enumerate(zip(ticks, xs)):
        anchor = "start" if i == 0 and len(ticks) > 1 else "end" if i == len(ticks) - 1 and len(ticks) > 1 else "middle"
        parts.append(f'<text class="axis-label date-label" x="{x}" y="{HEIGHT - 8}" '
                     f'text-anchor="{anchor}">{_short_day(day)}</text>')

    sessions = [(p, _x(p.on, start, end)) for p in ordered if p.kind == SESSION]
    befores = [(x, _y(p.before)) for p, x in sessions if p.before is not None]
    afters = [(x, _y(p.after)) for p, x in sessions if p.after is not None]
    parts += [
        _path("session-mark", "".join(f"M{_fmt(x)} {axis_y}v6" for _, x in sessions)),
        _polyline(befores, "line-before"),
        _polyline(afters, "line-after"),
        _path("session-bar", "".join(f"M{_fmt(x)} {_fmt(_y(p.before))}V{_fmt(_y(p.after))}"
                                     for p, x in sessions if p.before is not None and p.after is not None)),
        _path("dot-before", _dots(befores, CIRCLE)),
        _path("dot-after", _dots(afters, CIRCLE)),
        _path("dot-checkin", _dots([(_x(p.on, start, end), _y(p.before)) for p in ordered
                                    if p.kind == CHECKIN and p.before is not None], SQUARE)),
        "</svg>",
    ]
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
