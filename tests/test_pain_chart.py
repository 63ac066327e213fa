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


def circles(svg: str, css_class: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in
            re.findall(rf'<circle class="{css_class}" cx="([\d.]+)" cy="([\d.]+)"', svg)]


def test_points_sit_where_their_dates_and_scores_say():
    svg = pain_chart_svg("lower back", POINTS, START, END, "lower-back")
    # x runs 28..346 over the range; y runs 12 (pain 10) .. 156 (pain 0).
    assert circles(svg, "dot-before") == [(28.0, 12.0), (346.0, 112.8)]
    assert circles(svg, "dot-after") == [(28.0, 69.6), (346.0, 156.0)]
    checkin = re.search(r'<rect class="dot-checkin" x="([\d.]+)" y="([\d.]+)"', svg)
    assert (float(checkin.group(1)) + 4, float(checkin.group(2)) + 4) == (
        round(28 + 318 * 45 / 184, 1), 84.0)
    assert svg.count('class="session-mark"') == 2


def test_chart_is_accessible_and_safe_under_the_csp():
    svg = pain_chart_svg("neck & <shoulders>", POINTS, START, END, "neck")
    assert 'role="img"' in svg and 'aria-labelledby="neck-title neck-desc"' in svg
    assert "neck &amp; &lt;shoulders&gt;" in svg
    assert "style=" not in svg and "<script" not in svg
    assert "Session 01 Mar 2026, before: 10" in svg and "Check-in 15 Apr 2026: 5" in svg


def test_empty_chart_still_draws_axes():
    svg = pain_chart_svg("neck", [], START, END, "neck")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<circle" not in svg


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
