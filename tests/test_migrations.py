"""Migrations build the whole schema from nothing, on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import json
import os
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.schema import CreateIndex
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.extensions import db
from portal.schema_compare import expression_indexes, include_object_for, model_index
from tests.conftest import make_config
from tests.databases import create_database, drop_database


@pytest.fixture
def empty_database_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path}/migrated.db"
        return
    url = create_database(base, label="migrate")
    try:
        yield url
    finally:
        drop_database(url)


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            dialect = connection.dialect.name
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": include_object_for(dialect, db.metadata)})
            with warnings.catch_warnings():  # Alembic says it skips the expression indexes: checked below
                warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        assert differences == []
        # The expression indexes Alembic cannot compare are there, each as the model writes it: the
        # migration's definition and the model's, as the database reads them, are the same.
        with db.engine.begin() as connection:
            for name in expression_indexes(db.metadata, dialect):
                model = str(CreateIndex(model_index(db.metadata, name)).compile(connection))
                connection.exec_driver_sql(model.replace(name, f"{name}_model", 1))
                made = _index_definitions(connection, [name, f"{name}_model"])
                assert name in made, f"the migrations never make {name}"
                assert made[name] == made[f"{name}_model"].replace(f"{name}_model", name)
                connection.exec_driver_sql(f"DROP INDEX {name}_model")
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        assert "alembic_version" in tables

        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _index_definitions(connection, names: list[str]) -> dict[str, str]:
    """Each index's definition as the database keeps it (spaces normalised)."""
    query = ("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)"
             if connection.dialect.name == "postgresql"
             else "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (SELECT value FROM json_each(?))")
    argument = names if connection.dialect.name == "postgresql" else json.dumps(names)
    return {name: " ".join(definition.split()) for name, definition in connection.exec_driver_sql(query, (argument,))}


def test_sealed_rows_survive_moving_the_key_id_into_the_column_and_back(empty_database_url):
    """A dev database from before e89a18352f0e (key id in its own column) migrates without any key."""
    from datetime import timedelta

    from sqlalchemy import select, text

    from portal.accounts.models import User
    from portal import clock
    from portal.encryption import Keyring, Sealed
    from portal.feedback import services as feedback_services
    from portal.feedback.models import TreatmentNote
    from portal.profile import services as profile_services
    from portal.profile.content import ProfileContent
    from tests.factories import make_appointment, make_salon

    config = make_config(empty_database_url)
    app = create_app(config)
    with app.app_context():
        upgrade()
        client = User(email="c@example.com", name="C", role="client", password_hash="x", email_confirmed_at=clock.now())
        therapist = User(email="t@example.com", name="T", role="therapist", password_hash="x")
        db.session.add_all([client, therapist])
        db.session.commit()
        client_id, therapist_id = client.id, therapist.id
    visit = make_appointment(app, make_salon(app, therapist_id), client_id, clock.now() - timedelta(days=1))
    with app.app_context():
        profile_services.save_profile(db.session.get(User, client_id), ProfileContent(notes_for_therapist="P-note"),
                                      consent_given=True)
        feedback_services.save_feedback(db.session.get(User, client_id), visit,
                                        feedback_services.FeedbackInput(pain_before={"neck": 4}, note="F-note"))
        feedback_services.add_treatment_note(db.session.get(User, therapist_id), visit, "T-note")
        db.session.commit()  # the services flush; their caller commits
        profile = profile_services.profile_of(client_id)
        contexts = {"health_profile_revisions": profile.seal_context,
                    "appointment_feedback": f"feedback-note:{visit}:client:{client_id}",
                    "treatment_notes": f"treatment-note:{visit}"}
        db.session.remove()

        downgrade(revision="acdb7daa5c01")
        ring = Keyring(config["HEALTH_DATA_KEYS"])
        with db.engine.connect() as connection:
            old_layout = {
                table: connection.execute(text(f"SELECT {key}, {blob} FROM {table} WHERE {blob} IS NOT NULL")).one()
                for table, key, blob in [("health_profile_revisions", "key_id", "sealed"),
                                         ("appointment_feedback", "note_key_id", "note_sealed"),
                                         ("treatment_notes", "key_id", "sealed")]}
        opened = {table: ring.open(Sealed(key_id, bytes(blob)), contexts[table]) for table, (key_id, blob) in old_layout.items()}
        assert b"P-note" in opened["health_profile_revisions"]
        assert opened["appointment_feedback"] == b"F-note" and opened["treatment_notes"] == b"T-note"

        upgrade()
        assert profile_services.latest_content(profile_services.profile_of(client_id)).notes_for_therapist == "P-note"
        assert feedback_services.open_note(feedback_services.feedback_for(visit)) == "F-note"
        assert [n.text for n in db.session.scalars(select(TreatmentNote))] == ["T-note"]
        # Rebuilding the tables on SQLite kept their checks: a pain score of 11 is still refused.
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE appointment_feedback SET neck_before = 11"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_catalogue_migration_turns_area_text_into_vocabulary_and_prices_past_appointments(empty_database_url,
                                                                                         capfd):
    """0e644b4313ea: services' free-text body areas become vocabulary keys, and each existing
    appointment gets its service's price (the best record of what it was booked at)."""
    from datetime import timedelta

    from sqlalchemy import select, text

    from types import SimpleNamespace

    from portal.booking.models import Appointment
    from portal import clock
    from portal.salon.models import Service

    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="e9ab7d03b3d5")
        # Raw SQL at an old revision: the models describe the newest schema, which may have more columns.
        def insert(sql: str, **values) -> int:
            db.session.execute(text(sql), values)
            return db.session.execute(text("SELECT max(id) FROM " + sql.split()[2])).scalar_one()

        client = SimpleNamespace(id=insert(
            "INSERT INTO users (email, name, role, password_hash, created_at, session_version) "
            "VALUES ('c@example.com', 'C', 'client', 'x', :now, 1)", now=clock.now()))
        location = SimpleNamespace(id=insert(
            "INSERT INTO locations (slug, name, address, phone) "
            "VALUES ('city-centre', 'City', 'Grey Street', '0191 498 0123')"))
        therapist = SimpleNamespace(id=insert(
            "INSERT INTO therapists (display_name, bio, active) VALUES ('Amelia Hart', '', :yes)", yes=True))
        db.session.commit()
        legacy = {"back-neck-shoulder": ("back,neck,shoulders", 3500),
                  "full-body": ("whole body,back", 5000),
                  "indian-head": ("head,neck,shoulders,upper back", 3000)}
        for slug, (areas, price) in legacy.items():
            db.session.execute(text(
                "INSERT INTO services (slug, name, description, price_pence, minutes, body_areas, active) "
                "VALUES (:slug, :slug, '', :price, 45, :areas, :active)"),
                {"slug": slug, "price": price, "areas": areas, "active": True})
        starts = clock.now() - timedelta(days=3)
        for slug in ("full-body", "indian-head"):
            db.session.execute(text(
                "INSERT INTO appointments (client_id, therapist_id, location_id, service_id, starts_at, ends_at, "
                "status, idempotency_key, sequence, created_at, updated_at, no_show) VALUES (:client, :therapist, "
                ":location, (SELECT id FROM services WHERE slug = :slug), :starts, :ends, 'booked', :slug, 0, "
                ":starts, :starts, :no)"),
                {"client": client.id, "therapist": therapist.id, "location": location.id, "slug": slug,
                 "starts": starts, "ends": starts + timedelta(minutes=45), "no": False})
        db.session.commit()
        db.session.remove()

        upgrade()
        areas = dict(db.session.execute(select(Service.slug, Service.body_areas)).all())
        assert areas == {"back-neck-shoulder": "neck,shoulders,upper_back,lower_back",
                         "full-body": "head,neck,shoulders,upper_back,lower_back,arms,hands,legs,feet",
                         "indian-head": "head,neck,shoulders,upper_back"}
        prices = {key: price for key, price in db.session.execute(
            select(Appointment.idempotency_key, Appointment.price_pence))}
        assert prices == {"full-body": 5000, "indian-head": 3000}
        with pytest.raises(IntegrityError):  # a price is required from now on
            db.session.execute(text("UPDATE appointments SET price_pence = NULL"))
        db.session.rollback()

        # Text the vocabulary can't place stops the migration instead of guessing.
        db.session.remove()
        downgrade(revision="e9ab7d03b3d5")
        db.session.execute(text("UPDATE services SET body_areas = 'back,backs of knees' WHERE slug = 'full-body'"))
        db.session.commit()
        db.session.remove()
        with pytest.raises(SystemExit):  # flask_migrate logs the migration's RuntimeError and exits
            upgrade()
        assert "unknown body area 'backs_of_knees'" in capfd.readouterr().err
        db.session.remove()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "e9ab7d03b3d5"
            assert "price_pence" not in {c["name"] for c in inspect(connection).get_columns("appointments")}
        db.engine.dispose()


def test_existing_therapists_give_every_service_and_email_becomes_optional(empty_database_url):
    """0c8beb83a230: therapist_services starts with every (therapist, service) pair, so nothing
    bookable stops being bookable; users.email may be NULL (many times) but stays unique."""
    from sqlalchemy import text

    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="f3bcd80a5a05")
        db.session.execute(text("INSERT INTO therapists (display_name, bio, active) VALUES ('Amelia', '', :y), "
                                "('Daniel', '', :y)"), {"y": True})
        for slug in ("back", "full"):
            db.session.execute(text(
                "INSERT INTO services (slug, name, description, price_pence, minutes, body_areas, active) "
                "VALUES (:slug, :slug, '', 3500, 45, 'neck', :y)"), {"slug": slug, "y": True})
        db.session.execute(text(
            "INSERT INTO users (email, name, role, password_hash, created_at, session_version) "
            "VALUES ('c@example.com', 'C', 'client', 'x', CURRENT_TIMESTAMP, 1)"))
        db.session.commit()
        db.session.remove()

        upgrade()
        pairs = db.session.execute(text(
            "SELECT therapists.display_name, services.slug FROM therapist_services "
            "JOIN therapists ON therapists.id = therapist_id JOIN services ON services.id = service_id "
            "ORDER BY 1, 2")).all()
        assert [tuple(p) for p in pairs] == [("Amelia", "back"), ("Amelia", "full"), ("Daniel", "back"),
                                             ("Daniel", "full")]
        add = ("INSERT INTO users (email, name, role, password_hash, created_at, session_version) "
               "VALUES (:email, 'P', 'client', 'x', CURRENT_TIMESTAMP, 1)")
        db.session.execute(text(add), {"email": None})
        db.session.execute(text(add), {"email": None})  # two clients without email: fine
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(text(add), {"email": "c@example.com"})
        db.session.rollback()

        # Back down only once no account lacks an address (nobody is deleted to make it fit).
        db.session.remove()
        with pytest.raises(SystemExit):
            downgrade(revision="f3bcd80a5a05")
        db.session.remove()
        db.session.execute(text("DELETE FROM users WHERE email IS NULL"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="f3bcd80a5a05")
        with db.engine.connect() as connection:
            assert "therapist_services" not in inspect(connection).get_table_names()
        db.engine.dispose()
