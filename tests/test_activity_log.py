"""The back-office activity log: one row per change, only the fields that changed."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from portal.audit.models import AdminChange
from portal.audit.services import record_change
from portal.extensions import db


def test_a_change_records_who_what_and_only_the_fields_that_changed(app, users):
    with app.app_context():
        _records_only_changed_fields(users)


def _records_only_changed_fields(users):
    admin = db.session.get(type(users["admin"]), users["admin"].id)
    record_change(admin, "updated", "service", 7, "Deep Tissue Massage",
                  {"price_pence": (4500, 5000), "minutes": (60, 60), "starts": (time(9), time(10))})
    db.session.commit()
    entry = db.session.scalars(select(AdminChange)).one()
    assert (entry.actor_id, entry.actor_name, entry.action) == (admin.id, admin.name, "updated")
    assert (entry.subject_type, entry.subject_id, entry.subject_label) == ("service", 7, "Deep Tissue Massage")
    assert entry.changes == {"price_pence": [4500, 5000], "starts": ["09:00:00", "10:00:00"]}


def test_an_update_that_changes_nothing_is_not_recorded_but_a_creation_is(app, users):
    with app.app_context():
        _records_creations_not_empty_updates(users)


def _records_creations_not_empty_updates(users):
    admin = db.session.get(type(users["admin"]), users["admin"].id)
    assert record_change(admin, "updated", "service", 7, "Deep Tissue", {"minutes": (60, 60)}) is None
    assert record_change(admin, "created", "time_off", 3, "Day off", {"day": (None, date(2026, 12, 1))})
    db.session.commit()
    assert [e.action for e in db.session.scalars(select(AdminChange))] == ["created"]
