"""The admin's activity page (/admin/activity): newest first, who, when, what, old -> new,
filtered by who, kind of thing and salon days, 25 a page; never health data."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from portal import clock
from portal.accounts.models import User
from portal.audit.services import record_change, record_health_access
from portal.extensions import db
from tests.booking_support import page_text
from tests.conftest import AuthActions

UTC = timezone.utc
HTMX = {"HX-Request": "true"}


def _admin(app) -> AuthActions:
    actions = AuthActions(app.test_client())
    assert actions.login("admin@example.com").status_code == 302
    return actions


def _record(app, monkeypatch, user_id: int, at: datetime, *args) -> None:
    monkeypatch.setattr(clock, "now", lambda: at)
    with app.app_context():
        record_change(db.session.get(User, user_id), *args)
        db.session.commit()
    monkeypatch.undo()


def _rows(response) -> list[str]:
    return [re.sub(r"\s+", " ", row) for row in re.findall(r"<tr>\s*<td data-label=\"When\">(.*?)</tr>",
                                                           page_text(response), re.S)]


def _seed(app, monkeypatch, users, make_user):
    reception = make_user("reception@example.com", "admin", "Rosa Reception")
    admin = users["admin"].id
    _record(app, monkeypatch, admin, datetime(2027, 3, 1, 10, 0, tzinfo=UTC),
            "updated", "service", 1, "Full Body Massage", {"price": ("£50", "£55")})
    _record(app, monkeypatch, reception.id, datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
            "created", "time_off", 4, "Amelia Hart, 3 Mar", {"starts": (None, "2027-03-03T09:00")})
    # 23:30 UTC on 27 March is 23:30 GMT: still the 27th in the salon.
    _record(app, monkeypatch, admin, datetime(2027, 3, 27, 23, 30, tzinfo=UTC),
            "retired", "service", 2, "Hot Stone Massage", {"active": (True, False)})
    # 23:30 UTC on 28 March is 00:30 BST on the 29th in the salon.
    _record(app, monkeypatch, reception.id, datetime(2027, 3, 28, 23, 30, tzinfo=UTC),
            "updated", "therapist", 3, "Daniel Okafor", {"name": ("Dan Okafor", "Daniel Okafor")})
    return reception


def test_newest_first_with_who_when_what_and_old_to_new(app, users, make_user, monkeypatch):
    _seed(app, monkeypatch, users, make_user)
    response = _admin(app).client.get("/admin/activity")
    assert response.status_code == 200
    rows = _rows(response)
    assert len(rows) == 4
    assert "Mon 29 Mar 2027, 00:30" in rows[0] and "Rosa Reception" in rows[0] and "Therapists: Daniel Okafor" in rows[0]
    assert "<del>Dan Okafor</del> → <ins>Daniel Okafor</ins>" in rows[0]
    assert "Services: Hot Stone Massage" in rows[1] and "<del>yes</del> → <ins>no</ins>" in rows[1]
    assert "Time off: Amelia Hart, 3 Mar" in rows[2] and "<del>" not in rows[2]  # created: no old value
    assert "Morag Fenwick" in rows[3] and "<del>£50</del> → <ins>£55</ins>" in rows[3]
    assert "4 changes" in page_text(response)


def test_filters_by_who_kind_and_salon_days(app, users, make_user, monkeypatch):
    reception = _seed(app, monkeypatch, users, make_user)
    admin = _admin(app)
    by_who = _rows(admin.client.get(f"/admin/activity?who={reception.id}"))
    assert len(by_who) == 2 and all("Rosa Reception" in row for row in by_who)
    by_kind = _rows(admin.client.get("/admin/activity?kind=service"))
    assert [("Hot Stone" in r, "Full Body" in r) for r in by_kind] == [(True, False), (False, True)]
    both = _rows(admin.client.get(f"/admin/activity?who={users['admin'].id}&kind=time_off"))
    assert both == []
    # Salon days, both ends included: the 27th holds the 23:30 GMT retirement; the 29th (BST)
    # holds the change made at 23:30 UTC on the 28th.
    day = _rows(admin.client.get("/admin/activity?since=2027-03-27&until=2027-03-27"))
    assert len(day) == 1 and "Hot Stone" in day[0]
    late = _rows(admin.client.get("/admin/activity?since=2027-03-29"))
    assert len(late) == 1 and "Daniel Okafor" in late[0]
    early = _rows(admin.client.get("/admin/activity?until=2027-03-02"))
    assert len(early) == 2
    # The filter form offers who has changed something and the kinds changed so far.
    page = page_text(admin.client.get("/admin/activity"))
    assert f'<option value="{reception.id}">Rosa Reception</option>' in page
    assert '<option value="time_off">Time off</option>' in page


def test_unreadable_filters_are_explained_and_do_not_break_the_page(app, users, make_user, monkeypatch):
    _seed(app, monkeypatch, users, make_user)
    admin = _admin(app)
    for query in ("who=abc", "who=999999", "kind=nonsense", "since=not-a-date", "since=9999-12-31",
                  "page=-1", "page=99999999999999", "until=2027-03-01&since=2027-03-05"):
        response = admin.client.get(f"/admin/activity?{query}")
        assert response.status_code == 200, query
    backwards = page_text(admin.client.get("/admin/activity?until=2027-03-01&since=2027-03-05"))
    assert "The end date is before the start date." in backwards


def _services_changed(app, users, monkeypatch, numbers) -> None:
    with app.app_context():
        admin_user = db.session.get(User, users["admin"].id)
        for number in numbers:
            monkeypatch.setattr(clock, "now", lambda n=number: datetime(2027, 3, 1, 9, n, tzinfo=UTC))
            record_change(admin_user, "updated", "service", 1, f"Service {number:02d}", {"price": ("£1", "£2")})
        db.session.commit()
    monkeypatch.undo()


def test_paginated_25_a_page_and_the_filters_carry_over(app, users, monkeypatch):
    _services_changed(app, users, monkeypatch, range(30))
    admin = _admin(app)
    first = admin.client.get("/admin/activity?kind=service")
    assert len(_rows(first)) == 25 and "Service 29" in _rows(first)[0] and "page 1 of 2" in page_text(first)
    assert re.search(r'href="/admin/activity\?page=2&amp;upto=\d+&amp;kind=service"', first.text)
    second = admin.client.get("/admin/activity?page=2&kind=service")
    assert [("Service 04" in r) for r in _rows(second)][0] and len(_rows(second)) == 5
    assert "Service 00" in _rows(second)[-1]
    beyond = admin.client.get("/admin/activity?page=7&kind=service")
    assert len(_rows(beyond)) == 5  # past the end: the last page


def _pager_link(response, rel: str) -> str:
    return re.search(rf'<a href="([^"]+)" rel="{rel}">', response.text).group(1).replace("&amp;", "&")


def test_older_and_newer_hold_still_while_new_entries_arrive(app, users, monkeypatch):
    """Reception records changes all day: entries arriving while the admin reads the log shifted
    every page (page numbers counted from the newest), so Older showed again the end of the page
    just read and Newer skipped entries. The pages now count from the newest when the list was
    opened, and say how many came since."""
    _services_changed(app, users, monkeypatch, range(30))
    admin = _admin(app)
    first = admin.client.get("/admin/activity")
    assert "Service 29" in _rows(first)[0] and "Service 05" in _rows(first)[-1]
    _services_changed(app, users, monkeypatch, range(30, 33))  # three more meanwhile
    older = admin.client.get(_pager_link(first, "next"))
    assert [re.search(r"Service \d\d", row).group(0) for row in _rows(older)] == [
        f"Service {n:02d}" for n in range(4, -1, -1)]
    assert "3 newer changes since this list was opened" in page_text(older)
    newer = admin.client.get(_pager_link(older, "prev"))
    assert _rows(newer) == _rows(first)
    newest = admin.client.get("/admin/activity")
    assert "Service 32" in _rows(newest)[0] and "newer change" not in page_text(newest)


def test_htmx_gets_only_the_results_and_a_plain_get_the_page(app, users, make_user, monkeypatch):
    _seed(app, monkeypatch, users, make_user)
    admin = _admin(app)
    full = admin.client.get("/admin/activity?kind=service")
    partial = admin.client.get("/admin/activity?kind=service", headers=HTMX)
    assert "<!doctype html>" in full.text and '<form class="card filters" method="get"' in full.text
    assert "<!doctype html>" not in partial.text and "<form" not in partial.text
    assert len(_rows(partial)) == 2 and "HX-Request" in partial.headers["Vary"]


def test_health_data_never_reaches_the_activity_page(app, users):
    with app.app_context():
        therapist = db.session.get(User, users["therapist"].id)
        record_health_access(therapist, users["client"].id, "pre-session brief: osteoporosis noted")
        record_change(db.session.get(User, users["admin"].id), "updated", "service", 1, "Full Body Massage",
                      {"price": ("£50", "£55")})
        db.session.commit()
    page = page_text(_admin(app).client.get("/admin/activity"))
    assert "Full Body Massage" in page
    assert "osteoporosis" not in page and "pre-session brief" not in page and "Amelia Hart" not in page
