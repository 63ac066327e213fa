"""The catalogue cached per process (portal/salon/catalogue_cache.py): read once, reloaded when
its stamp changes (any catalogue flush, another process's commit, an explicit invalidate), and
never left holding what a rolled-back transaction wrote."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from portal.accounts.models import User
from portal.booking import queries
from portal.extensions import db
from portal.read_memo import remembered
from portal.salon import catalogue_cache
from portal.salon.models import CatalogueVersion, Service


def _names() -> list[str]:
    return [s.name for s in catalogue_cache.active_services()]


def test_a_cached_catalogue_costs_one_statement(app, small_salon, count_queries):
    with app.app_context():
        _names()
        db.session.commit()
        loads = catalogue_cache.loads
        with count_queries() as counted:
            assert _names() == ["Back, Neck & Shoulder Massage"]
            assert [t.display_name for t in catalogue_cache.active_therapists()] == ["Amelia Hart", "Daniel Okafor"]
            assert [loc.name for loc in catalogue_cache.locations()] == ["Newcastle City Centre"]
        assert counted.count == 1 and "catalogue_version" in counted.statements[0]
        assert catalogue_cache.loads == loads
        # Detached copies with everything the pages read already loaded.
        amelia = catalogue_cache.active_therapists()[0]
        assert amelia.has_qualification("pregnancy-massage") and amelia.locations[0].name == "Newcastle City Centre"


def test_an_orm_change_is_seen_at_once(app, small_salon):
    with app.app_context():
        assert catalogue_cache.active_services()[0].price_pence == 3500
        db.session.commit()
        service = db.session.get(Service, small_salon.service_id)
        service.price_pence = 3800
        db.session.commit()
        assert catalogue_cache.active_services()[0].price_pence == 3800


def test_another_process_changing_the_stamp_makes_this_one_reload(app, small_salon):
    with app.app_context():
        _names()
        db.session.commit()
        # As another process would: its own change, committed with a new stamp, through Core.
        connection = db.session.connection()
        connection.execute(update(Service.__table__).values(name="Renamed elsewhere"))
        connection.execute(update(CatalogueVersion.__table__).values(stamp="from-another-process"))
        db.session.commit()
        assert _names() == ["Renamed elsewhere"]


def test_a_change_that_rolls_back_leaves_nothing_stale(app, small_salon):
    with app.app_context():
        _names()
        db.session.commit()
        db.session.add(Service(slug="hot-stones", name="Hot Stones", price_pence=6000, minutes=60, body_areas="neck"))
        db.session.flush()
        assert "Hot Stones" in _names()  # this transaction sees its own change
        db.session.rollback()
        assert _names() == ["Back, Neck & Shoulder Massage"]


def test_invalidate_is_for_writes_that_bypass_the_orm(app, small_salon):
    with app.app_context():
        _names()
        db.session.commit()
        db.session.connection().execute(insert(Service.__table__).values(
            slug="hot-stones", name="Hot Stones", price_pence=6000, minutes=60, body_areas="neck", active=True,
            description=""))
        catalogue_cache.invalidate()
        db.session.commit()
        assert "Hot Stones" in _names()


def test_the_booking_page_shows_a_renamed_service(app, small_salon, auth, users):
    assert auth.login().status_code == 302
    assert "Back, Neck &amp; Shoulder Massage" in auth.client.get("/book").get_data(as_text=True)
    with app.app_context():
        db.session.get(Service, small_salon.service_id).name = "Back and Shoulders"
        db.session.commit()
    page = auth.client.get("/book").get_data(as_text=True)
    assert "Back and Shoulders" in page and "Back, Neck &amp; Shoulder Massage" not in page


def test_a_logged_in_page_reads_the_stamp_with_the_login(app, small_salon, auth, users, count_queries):
    """The login's statement carries the stamp: no statement of the page reads it alone, and a
    change committed by another process (through Core, as another process would) is still seen
    by the very next request."""
    assert auth.login().status_code == 302
    assert auth.client.get("/book").status_code == 200  # the catalogue cached
    with app.app_context(), count_queries() as counted:
        assert auth.client.get("/book").status_code == 200
    with_stamp = [s for s in counted.statements if "catalogue_version" in s]
    assert len(with_stamp) == 1 and "login_sessions" in with_stamp[0]
    with app.app_context():
        connection = db.session.connection()
        connection.execute(update(Service.__table__).values(name="Renamed elsewhere"))
        connection.execute(update(CatalogueVersion.__table__).values(stamp="from-another-process"))
        db.session.commit()
    assert "Renamed elsewhere" in auth.client.get("/book").get_data(as_text=True)


def test_reads_are_remembered_until_the_session_writes(app, small_salon, users, count_queries):
    calls = []

    @remembered
    def read(client_id):
        calls.append(client_id)
        return queries.completed_dates.unremembered(client_id)

    with app.app_context():
        read(users["client"].id)
        read(users["client"].id)
        assert calls == [users["client"].id]
        service = db.session.get(Service, small_salon.service_id)
        service.price_pence += 1
        read(users["client"].id)  # unflushed changes: read through, as without the memo
        db.session.flush()
        read(users["client"].id)
        assert len(calls) == 3
        db.session.commit()
        read(users["client"].id)
        assert len(calls) == 4


def test_a_row_lock_forgets_what_was_remembered(app, users):
    # A service that waited for a lock must see what the holder committed meanwhile (on
    # PostgreSQL the double-submitted consent race in test_feedback.py depends on it).
    calls = []

    @remembered
    def read(client_id):
        calls.append(client_id)
        return client_id

    with app.app_context():
        read(users["client"].id)
        read(users["client"].id)
        db.session.execute(select(User.id).where(User.id == users["client"].id).with_for_update())
        read(users["client"].id)
        assert len(calls) == 2
        db.session.rollback()
