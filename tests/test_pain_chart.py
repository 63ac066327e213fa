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
    # x runs 40..624 over the range; y runs 16 (pain 10) .. 200 (pain 0).
    assert circles(svg, "dot-before") == [(40.0, 16.0), (624.0, 144.8)]
    assert circles(svg, "dot-after") == [(40.0, 89.6), (624.0, 200.0)]
    checkin = re.search(r'<rect class="dot-checkin" x="([\d.]+)" y="([\d.]+)"', svg)
    assert (float(checkin.group(1)) + 4, float(checkin.group(2)) + 4) == (
        round(40 + 584 * 45 / 184, 1), 108.0)
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
    assert pain_summary("lower back", POINTS) == "Lower back: from 10 to 0 since 1 March 2026."
    steady = [PainPoint(date(2026, 3, 1), CHECKIN, before=4), PainPoint(date(2026, 4, 1), CHECKIN, before=4)]
    assert pain_summary("neck", steady) == "Neck: steady at 4 since 1 March 2026."
    assert pain_summary("neck", POINTS[:1]) is None  # one visit is not a trend
    assert pain_summary("neck", []) is None
