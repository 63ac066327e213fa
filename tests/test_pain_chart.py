"""The pain chart and its summary agree with the numbers they are given. No Flask."""

from __future__ import annotations

import re
from datetime import date

from portal.feedback.chart import CHECKIN, SESSION, PainPoint, pain_chart_svg, pain_summary

START, END = date(2026, 3, 1), date(2026, 9, 1)
POINTS = [
    PainPoint(date(2026, 3, 1), SESSION, before=10, after=6),
    PainPoint(date(2026, 4, 15), CHECKIN, before=5),
    PainPoint(date(2026, 9, 1), SESSION, before=3, after=0),
]


def series(svg: str, css_class: str) -> str:
    """The path data of one series (each series is one path)."""
    paths = re.findall(rf'<path class="{css_class}" d="([^"]+)"/>', svg)
    assert len(paths) <= 1, css_class
    return paths[0] if paths else ""


def circles(svg: str, css_class: str) -> list[tuple[float, float]]:
    """The centres of the radius-5 dots of a series (each drawn from its left edge)."""
    return [(round(float(x) + 5, 1), float(y)) for x, y in
            re.findall(r"M([\d.]+) ([\d.]+)a5 5 0 1 0 10 0a5 5 0 1 0-10 0", series(svg, css_class))]


def dot_count(html: str, css_class: str) -> int:
    """How many dots (circles or squares) the series `css_class` draws in `html`: every chart's."""
    return sum(len(re.findall(r"M[\d.]+ [\d.]+(?:a5|h8)", data))
               for data in re.findall(rf'<path class="{css_class}" d="([^"]+)"/>', html))


def test_points_sit_where_their_dates_and_scores_say():
    svg = pain_chart_svg("lower back", POINTS, START, END, "lower-back")
    # x runs 28..346 over the range; y runs 12 (pain 10) .. 156 (pain 0).
    assert circles(svg, "dot-before") == [(28.0, 12.0), (346.0, 112.8)]
    assert circles(svg, "dot-after") == [(28.0, 69.6), (346.0, 156.0)]
    checkin = re.fullmatch(r"M([\d.]+) ([\d.]+)h8v8h-8z", series(svg, "dot-checkin"))
    assert (round(float(checkin.group(1)) + 4, 1), float(checkin.group(2)) + 4) == (
        round(28 + 318 * 45 / 184, 1), 84.0)
    assert series(svg, "session-mark") == "M28 156v6M346 156v6"
    assert (dot_count(svg, "dot-before"), dot_count(svg, "dot-after"), dot_count(svg, "dot-checkin")) == (2, 2, 1)
    # Each session's bar joins its before and after dots.
    assert series(svg, "session-bar") == "M28 12V69.6M346 112.8V156"


def test_chart_is_accessible_and_safe_under_the_csp():
    svg = pain_chart_svg("neck & <shoulders>", POINTS, START, END, "neck")
    assert 'role="img"' in svg and 'aria-labelledby="neck-title neck-desc"' in svg
    assert "neck &amp; &lt;shoulders&gt;" in svg
    assert "style=" not in svg and "<script" not in svg
    # The score table is the chart's text alternative: the description says so and counts the points.
    assert '<desc id="neck-desc">2 session(s) and 1 check-in(s); the table below lists every score.</desc>' in svg


def test_empty_chart_still_draws_axes():
    svg = pain_chart_svg("neck", [], START, END, "neck")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "dot-" not in svg


def test_summary_in_plain_words():
    assert pain_summary("lower back", POINTS) == (
        "Lower back: at your last session (1 September 2026) from 3 to 0: meaningful drop. "
        "From 10 to 0 since 1 March 2026.")
    steady = [PainPoint(date(2026, 3, 1), CHECKIN, before=4), PainPoint(date(2026, 4, 1), CHECKIN, before=4)]
    assert pain_summary("neck", steady) == "Neck: steady at 4 since 1 March 2026."
    # One session is not a trend, but its change is still news.
    assert pain_summary("neck", POINTS[:1]) == "Neck: at your last session (1 March 2026) from 10 to 6: meaningful drop."
    assert pain_summary("neck", POINTS[1:2]) is None  # a single check-in: nothing to compare
    assert pain_summary("neck", []) is None


def test_summary_notices_a_rise_at_the_latest_session():
    """The issue: after sessions 7->3 then 3->6 it said "from 7 to 3"; it leads with the rise."""
    points = [PainPoint(date(2026, 3, 14), SESSION, before=7, after=3),
              PainPoint(date(2026, 6, 1), CHECKIN, before=3),
              PainPoint(date(2026, 11, 20), SESSION, before=3, after=6)]
    summary = pain_summary("lower back", points)
    assert summary == ("Lower back: at your last session (20 November 2026) from 3 to 6: rise. "
                       "From 7 to 6 since 14 March 2026.")
    assert "from 7 to 3" not in summary
    # A check-in the same day is read as after the session, so the summary ends on it.
    same_day = points + [PainPoint(date(2026, 11, 20), CHECKIN, before=5)]
    assert pain_summary("lower back", same_day).endswith(
        "Since then, 5 on 20 November 2026. From 7 to 5 since 14 March 2026.")


def test_summary_says_how_much_relief_lasted():
    points = [PainPoint(date(2026, 3, 14), SESSION, before=7, after=3, later=4)]
    assert pain_summary("lower back", points) == (
        "Lower back: at your last session (14 March 2026) from 7 to 3: meaningful drop. "
        "Two days later 4: most of the relief lasted.")


def test_dates_along_the_axis_and_labels_sized_for_a_phone():
    svg = pain_chart_svg("lower back", POINTS, START, END, "lower-back")
    dates = re.findall(r'class="axis-label date-label"[^>]*>([^<]+)</text>', svg)
    assert dates == ["1 Mar", "1 Jun", "1 Sep"]  # first, middle and last day
    assert 'viewBox="0 0 360 190"' in svg  # 14-unit text in 360 units: ~13 CSS px at 330 px wide
