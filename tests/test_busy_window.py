"""busy() reads only the window it is asked about (a lower bound on starts_at for the
(therapist_id, starts_at) index), yet still sees an appointment that began before the window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from portal.booking import queries
from portal.extensions import db
from tests.factories import make_appointment

UTC = timezone.utc


def test_busy_sees_what_overlaps_the_window_and_nothing_older(app, small_salon, users, count_queries):
    client = users["client"].id
    long_ago = make_appointment(app, small_salon, client, datetime(2026, 1, 5, 10, tzinfo=UTC))
    overlapping = make_appointment(app, small_salon, client, datetime(2027, 3, 1, 9, 30, tzinfo=UTC), minutes=60)
    inside = make_appointment(app, small_salon, client, datetime(2027, 3, 1, 14, tzinfo=UTC))
    assert long_ago and overlapping and inside
    with app.app_context(), count_queries() as counted:
        found = queries.busy(small_salon.therapist_id, datetime(2027, 3, 1, 10, tzinfo=UTC),
                             datetime(2027, 3, 1, 18, tzinfo=UTC))
    assert [(b.starts_at, b.ends_at, b.away) for b in found] == [
        (datetime(2027, 3, 1, 9, 30, tzinfo=UTC), datetime(2027, 3, 1, 10, 30, tzinfo=UTC), False),
        (datetime(2027, 3, 1, 14, tzinfo=UTC), datetime(2027, 3, 1, 14, 45, tzinfo=UTC), False),
    ]
    # One statement, and its appointments part has a lower bound on starts_at.
    assert counted.count == 1
    assert "appointments.starts_at >" in counted.statements[0]


def test_busy_for_several_therapists_is_one_statement(app, small_salon, users, count_queries):
    make_appointment(app, small_salon, users["client"].id, datetime(2027, 3, 2, 9, tzinfo=UTC),
                     therapist_id=small_salon.other_therapist_id)
    with app.app_context(), count_queries() as counted:
        found = queries.busy_by_therapist([small_salon.therapist_id, small_salon.other_therapist_id],
                                          datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 15, tzinfo=UTC))
        db.session.rollback()
    assert counted.count == 1
    assert found[small_salon.therapist_id] == []
    assert [b.starts_at for b in found[small_salon.other_therapist_id]] == [datetime(2027, 3, 2, 9, tzinfo=UTC)]
    assert queries.LONGEST_APPOINTMENT == timedelta(days=1)
