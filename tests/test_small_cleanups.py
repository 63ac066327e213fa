"""Issue 9, item 9 (the parts outside templates): no leftovers that mislead a reader."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from portal.booking import slots
from tests.booking_support import NOW

PORTAL = Path(__file__).resolve().parents[1] / "portal"
# A path from the filesystem root into a machine's own folders (/work/..., /home/..., /Users/...).
MACHINE_PATH = re.compile(r"(?<![\w.:/])/(?:work|home|Users|tmp|srv|opt)/\w")


def test_no_module_names_a_file_by_a_path_on_someone_s_machine():
    offenders = [f"{path.relative_to(PORTAL.parent)}:{number}"
                 for path in sorted(PORTAL.rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if MACHINE_PATH.search(line)]
    assert offenders == []


def test_days_around_is_just_the_days_clipped_to_today_and_the_horizon(app, booking_clock):
    today = NOW.date()
    with app.app_context():
        assert slots.days_around(today + timedelta(days=3), 2) == [today + timedelta(days=n) for n in range(1, 6)]
        # A past target searches from today; days before today are never offered.
        assert slots.days_around(today - timedelta(days=10), 2) == [today, today + timedelta(days=1),
                                                                    today + timedelta(days=2)]
        last = slots.last_bookable_day()
        assert slots.days_around(last, 2) == [last - timedelta(days=2), last - timedelta(days=1), last]


def test_url_for_each_gives_what_url_for_gives(app):
    from flask import url_for

    from portal.urls import url_for_each

    with app.test_request_context("/"):
        brief = url_for_each("feedback.brief")
        for appointment_id in (1, 42, 2**31, 2**63 - 1):
            assert brief(appointment_id) == url_for("feedback.brief", appointment_id=appointment_id)
