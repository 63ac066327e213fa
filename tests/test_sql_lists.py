"""`portal.sql_lists.one_of`: a column's value in a bound list, as an array on PostgreSQL (one
statement text whatever the list's length) and an expanding IN elsewhere, with the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.models import User
from portal.booking import queries
from portal.extensions import db
from portal.sql_lists import one_of
from tests.booking_support import add_appointment

BY_ID = select(User.id).where(one_of(User.id, "ids")).order_by(User.id)


def test_it_is_an_array_on_postgresql_and_an_expanding_in_on_sqlite():
    on_postgresql = str(BY_ID.compile(dialect=postgresql.psycopg.dialect()))
    assert "users.id = ANY (%(ids)s::INTEGER[])" in on_postgresql and "POSTCOMPILE" not in on_postgresql
    on_sqlite = str(BY_ID.compile(dialect=sqlite.dialect()))
    # A comparison, not a boolean value compared with 1 (which no index serves).
    assert "users.id IN (__[POSTCOMPILE_ids])" in on_sqlite and "= 1" not in on_sqlite


def test_it_finds_the_rows_listed_however_long_the_list(app, users, count_queries):
    with app.app_context():
        ids = sorted(user.id for user in users.values())
        with count_queries() as counted:
            assert db.session.scalars(BY_ID, {"ids": []}).all() == []
            assert db.session.scalars(BY_ID, {"ids": ids[:1]}).all() == ids[:1]
            # Sixty ids, most naming no one (psycopg keeps its parsed form of a query only up to 50
            # parameters: the array is one).
            assert db.session.scalars(BY_ID, {"ids": [*ids, *range(10**6, 10**6 + 60 - len(ids))]}).all() == ids
        if db.engine.dialect.name == "postgresql":
            assert len(set(counted.statements)) == 1, counted.statements


def test_the_booking_pages_busy_read_sends_one_text_for_any_number_of_therapists(app, users, salon,
                                                                                 count_queries):
    day = datetime(2030, 3, 4, tzinfo=UTC)
    add_appointment(app, users["client"].id, salon.daniel, salon.city, salon.back, day + timedelta(hours=10))
    with app.app_context():
        with count_queries() as counted:
            few = queries.busy_by_therapist([salon.daniel], day, day + timedelta(days=1))
            many = queries.busy_by_therapist([salon.amelia, salon.daniel, salon.sofia, *range(10**6, 10**6 + 60)],
                                             day, day + timedelta(days=1))
        assert [b.starts_at for b in few[salon.daniel]] == [day + timedelta(hours=10)] == \
            [b.starts_at for b in many[salon.daniel]]
        assert many[salon.amelia] == many[salon.sofia] == []
        if db.engine.dialect.name == "postgresql":
            assert counted.statements[0] == counted.statements[1]
