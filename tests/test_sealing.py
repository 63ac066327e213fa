"""Every sealed field uses one column type, is registered, stays bound to its row, and is
re-sealed by one rotation: after rotating and dropping the old key every page still reads it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, select, text, update

from portal import create_app
from portal.accounts.models import User
from portal import clock
from portal.encryption import Keyring, Sealed, SealBroken, new_key_entry
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import AppointmentFeedback, TreatmentNote
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.profile.models import ProfileRevision
from portal.sealing import FIELDS, SealedBlob, pack, rotate_keys, unpack
from tests.conftest import AuthActions
from tests.factories import make_appointment
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
clock_stopped_at_import = clock_stopped_at(NOW)
PROFILE_TEXT = "PROFILE-MARKER cold hands, warm up first"
FEEDBACK_TEXT = "FEEDBACK-MARKER sore the next day"
TREATMENT_TEXT = "TREATMENT-MARKER tight QL on the left"


def unregistered_sealed_columns(metadata: MetaData) -> set[tuple[str, str]]:
    """Sealed columns no SealedField reads, and binary columns that bypass the sealed type."""
    registered = {(field.table, field.column) for field in FIELDS}
    binary = {(table.name, column.name) for table in metadata.sorted_tables for column in table.columns
              if isinstance(column.type, (SealedBlob, LargeBinary))}
    return binary - registered


def test_every_sealed_column_is_registered_for_rotation(app):
    assert {(f.table, f.column) for f in FIELDS} == {
        ("health_profile_revisions", "sealed"), ("appointment_feedback", "note_sealed"), ("treatment_notes", "sealed")}
    assert unregistered_sealed_columns(db.metadata) == set()


def test_a_sealed_column_without_a_sealed_field_is_caught():
    metadata = MetaData()
    Table("new_health_things", metadata, Column("id", Integer, primary_key=True), Column("secret", SealedBlob()),
          Column("raw", LargeBinary))
    assert unregistered_sealed_columns(metadata) == {("new_health_things", "secret"), ("new_health_things", "raw")}


def test_the_key_id_travels_inside_the_column():
    sealed = Sealed("k2026", b"\x00nonce-and-ciphertext")
    assert pack(sealed) == b"\x05k2026\x00nonce-and-ciphertext"
    assert unpack(pack(sealed)) == sealed
    for broken in (b"", b"\x00abc", b"\x09short"):
        with pytest.raises(SealBroken):
            unpack(broken)


@pytest.fixture
def sealed_story(app, small_salon, users):
    """Something in every sealed field: a profile revision, a feedback note and a treatment note."""
    client_id = users["client"].id
    visit = make_appointment(app, small_salon, client_id, NOW - timedelta(days=1))
    today = make_appointment(app, small_salon, client_id, NOW + timedelta(hours=1))
    with app.app_context():
        client = db.session.get(User, client_id)
        profile_services.save_profile(client, ProfileContent(notes_for_therapist=PROFILE_TEXT), consent_given=True)
        feedback_services.save_feedback(client, visit, feedback_services.FeedbackInput(
            pressure="just_right", pain_before={"neck": 6}, pain_after={"neck": 3}, note=FEEDBACK_TEXT), now=NOW)
        feedback_services.record_checkin(client, {"neck": 4}, now=NOW)
        feedback_services.add_treatment_note(db.session.get(User, users["therapist"].id), visit, TREATMENT_TEXT,
                                             now=NOW)
        db.session.commit()
    return {"visit": visit, "today": today}


def _raw_sealed(app) -> list[bytes]:
    with app.app_context():
        return [bytes(raw) for raw in db.session.scalars(text(
            "SELECT sealed FROM health_profile_revisions UNION ALL "
            "SELECT note_sealed FROM appointment_feedback WHERE note_sealed IS NOT NULL UNION ALL "
            "SELECT sealed FROM treatment_notes"))]


def test_rotate_then_drop_the_old_key_and_every_page_still_reads(app_config, sealed_story):
    new_key = new_key_entry("next")
    old_keys = app_config["HEALTH_DATA_KEYS"]
    rotated = create_app({**app_config, "HEALTH_DATA_KEYS": f"{new_key},{old_keys}"})
    result = rotated.test_cli_runner().invoke(args=["health", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "health_profile_revisions.sealed: re-sealed 1 of 1 row(s)" in result.output
    assert "appointment_feedback.note_sealed: re-sealed 1 of 1 row(s)" in result.output
    assert "treatment_notes.sealed: re-sealed 1 of 1 row(s)" in result.output
    again = rotated.test_cli_runner().invoke(args=["health", "rotate-keys"])
    assert "treatment_notes.sealed: re-sealed 0 of 1 row(s)" in again.output

    only_new = create_app({**app_config, "HEALTH_DATA_KEYS": new_key})
    stored = _raw_sealed(only_new)
    assert len(stored) == 3 and all(unpack(raw).key_id == "next" for raw in stored)

    browser = only_new.test_client()
    client_auth = AuthActions(browser)
    client_auth.login("client@example.com")
    dashboard = browser.get("/dashboard")
    assert dashboard.status_code == 200 and FEEDBACK_TEXT in dashboard.get_data(as_text=True)
    pain = browser.get("/pain")
    assert pain.status_code == 200
    assert re.search(r"<td>Session</td>\s*<td>6</td>\s*<td>3</td>", pain.get_data(as_text=True))
    profile = browser.get("/profile")
    assert profile.status_code == 200 and PROFILE_TEXT in profile.get_data(as_text=True)
    export = browser.get("/profile/export")
    assert export.status_code == 200
    document = export.get_data(as_text=True)
    assert PROFILE_TEXT in document and FEEDBACK_TEXT in document
    client_auth.logout()

    client_auth.login("therapist@example.com")
    brief = browser.get(f"/therapist/appointments/{sealed_story['today']}/brief")
    assert brief.status_code == 200
    html = brief.get_data(as_text=True)
    assert PROFILE_TEXT in html and FEEDBACK_TEXT in html and TREATMENT_TEXT in html


def test_rotation_works_in_batches_and_stops_at_a_value_no_key_opens(app, app_config, sealed_story, users):
    with app.app_context():
        client = db.session.get(User, users["client"].id)
        for index in range(4):
            profile_services.save_profile(client, ProfileContent(notes_for_therapist=f"save {index}"))
        db.session.commit()
    rotated = create_app({**app_config, "HEALTH_DATA_KEYS": f"{new_key_entry('next')},{app_config['HEALTH_DATA_KEYS']}"})
    with rotated.app_context():
        report = {r.table: (r.rows, r.resealed) for r in rotate_keys(batch_size=2)}
        assert report["health_profile_revisions"] == (5, 5)
        assert profile_services.latest_content(profile_services.profile_of(users["client"].id)).notes_for_therapist == "save 3"
        # A value under a key nobody has any more: rotation names the row instead of skipping it.
        stranger = Keyring(new_key_entry("lost")).seal(b"x", "treatment-note:1")
        db.session.execute(update(TreatmentNote).values(sealed=stranger))
        db.session.commit()
    result = rotated.test_cli_runner().invoke(args=["health", "rotate-keys"])
    assert result.exit_code != 0 and "treatment_notes row" in result.output and "no key 'lost'" in result.output


def test_a_sealed_value_moved_to_another_row_does_not_open(app, small_salon, users, make_user, sealed_story):
    other_id = make_user("other@example.com", "client", "Olive Other").id
    other_visit = make_appointment(app, small_salon, other_id, NOW - timedelta(days=2))
    with app.app_context():
        other = db.session.get(User, other_id)
        profile_services.save_profile(other, ProfileContent(notes_for_therapist="mine"), consent_given=True)
        feedback_services.save_feedback(other, other_visit, feedback_services.FeedbackInput(note="mine"), now=NOW)
        feedback_services.add_treatment_note(db.session.get(User, users["therapist"].id), other_visit, "mine",
                                             now=NOW)
        for model, column in ((ProfileRevision, "sealed"), (AppointmentFeedback, "note_sealed"),
                              (TreatmentNote, "sealed")):
            rows = db.session.scalars(select(model).order_by(model.id)).all()
            victim, thief = rows[0], rows[-1]
            assert getattr(victim, column).blob != getattr(thief, column).blob
            setattr(thief, column, getattr(victim, column))
        db.session.commit()
    with app.app_context():
        for model, field in ((ProfileRevision, "content_json"), (AppointmentFeedback, "note"), (TreatmentNote, "text")):
            thief = db.session.scalars(select(model).order_by(model.id.desc())).first()
            with pytest.raises(SealBroken):
                getattr(thief, field)


def test_plain_health_columns_hold_only_numbers_and_fixed_words(app, small_salon, users):
    """Pain scores, pressure and focus areas stay plain for SQL (see scripts/measure_sealing.py):
    the README's case for that rests on them holding no free text, which this pins down."""
    from sqlalchemy import SmallInteger, String
    from sqlalchemy.exc import IntegrityError

    from portal.feedback.models import PainCheckIn

    for model in (AppointmentFeedback, PainCheckIn):
        words = {c.name for c in model.__table__.columns if isinstance(c.type, String)}
        assert words <= {"pressure", "focus_areas"}, f"{model.__tablename__}: new text column {words}: seal it"
    scores = [c for c in PainCheckIn.__table__.columns if c.name in ("neck", "shoulders", "upper_back", "lower_back")]
    assert len(scores) == 4 and all(isinstance(c.type, SmallInteger) for c in scores)

    visit = make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=1))
    with app.app_context():
        saved = feedback_services.save_feedback(
            db.session.get(User, users["client"].id), visit,
            feedback_services.FeedbackInput(focus_areas=frozenset({"neck", "my left knee since the fall"})),
            now=NOW, consent_given=True)
        db.session.commit()  # the service flushes; the rollbacks below must not undo it
        assert saved.focus_areas == "neck"
        for column, value in (("pressure", "ouch, my knee"), ("neck_before", 11)):
            with pytest.raises(IntegrityError):
                db.session.execute(update(AppointmentFeedback).values({column: value}))
                db.session.flush()
            db.session.rollback()


def test_a_corrupt_key_id_is_a_broken_seal_not_a_crash():
    from portal.encryption import SealBroken
    from portal.sealing import unpack

    with pytest.raises(SealBroken):
        unpack(bytes([2]) + b"\xff\xfe" + b"blob-bytes")
