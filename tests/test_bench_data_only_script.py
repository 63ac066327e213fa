"""scripts/bench_data_only.py: each page that misses issue 14's targets beside the same work
without the drawing. Its data-only addresses must do what the pages do before they draw: the same
statements, the brief's access record; and they must exist only in the app the script serves."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.audit.models import HealthAccess
from portal.demo import DEMO_PASSWORD, brief_appointment_id, load_demo_data
from portal.extensions import db
from tests.conftest import AuthActions
from tests.scripts import script_module


@pytest.fixture(scope="module")
def data_only():
    with script_module("bench_data_only") as module:
        yield module


@pytest.fixture
def extended(app, app_config, data_only):
    """An app of its own with the script's routes (the shared test app has served requests, so
    no route can be added to it), on the test database with the demo salon; `app` empties the
    tables afterwards."""
    built = create_app(app_config)
    data_only.add_routes(built)
    with built.app_context():
        load_demo_data()
        db.session.commit()
    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()  # no connection left open to hold up the run's teardown


def test_each_page_is_followed_by_its_data_alone(data_only):
    pages = data_only.pages()
    assert [p.label for p in pages[:6:2]] == ["booking slot list (htmx)", "brief (htmx)", "profile"]
    for page, data in zip(pages[:6:2], pages[1:6:2]):
        assert data.label == f"{page.label}: data alone"
        assert (data.role, data.htmx) == (page.role, page.htmx)
        assert data.path.startswith("/bench-data/") and not page.path.startswith("/bench-data/")
    assert [p.path for p in pages[6:]] == ["/bench-data/statements/1", "/bench-data/statements/3"]


def test_the_portal_itself_has_no_data_only_address(app, client, auth, users):
    auth.login("client@example.com")
    assert client.get("/bench-data/profile").status_code == 404
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/bench-data")]


def test_the_data_alone_runs_the_pages_statements_and_records_the_brief_view(data_only, extended, count_queries):
    with extended.app_context():
        brief = brief_appointment_id()
    sessions = {}
    for role in ("client", "therapist"):
        sessions[role] = extended.test_client()
        assert AuthActions(sessions[role]).login(f"{role}@example.com", DEMO_PASSWORD).status_code == 302
    choices = data_only.bench.form_query(sessions["client"].get("/book").get_data(as_text=True), "/book")

    def statements(role: str, path: str, htmx: bool) -> tuple[int, int, bytes]:
        with extended.app_context(), count_queries() as counted:
            response = sessions[role].get(path, headers={"HX-Request": "true"} if htmx else {})
        return counted.count, response.status_code, response.data

    def viewed() -> int:
        with extended.app_context():
            return db.session.scalar(select(func.count()).select_from(HealthAccess))

    for page, data in zip(data_only.pages()[:6:2], data_only.pages()[1:6:2]):
        page_path, data_path = (p.path.format(brief=brief, choices=choices) for p in (page, data))
        before = viewed()
        page_count, page_status, page_body = statements(page.role, page_path, page.htmx)
        after_page = viewed()
        data_count, data_status, data_body = statements(data.role, data_path, data.htmx)
        assert page_status == 200 and b"<" in page_body, page.label
        assert (data_status, data_body) == (200, b"ok"), data.label
        assert data_count == page_count >= 2, page.label
        # The brief's view is recorded by both, once each; nothing else records one.
        recorded = 1 if page.label.startswith("brief") else 0
        assert (after_page - before, viewed() - after_page) == (recorded, recorded), page.label

    # Each SELECT 1 is one statement more than the user's lookup.
    assert statements("client", "/bench-data/statements/3", False)[:2] == (4, 200)


def test_the_data_alone_keeps_the_pages_access_rules(data_only, extended):
    anonymous = extended.test_client()
    assert anonymous.get("/bench-data/profile").status_code == 302  # to the log-in page
    client = extended.test_client()
    AuthActions(client).login("client@example.com", DEMO_PASSWORD)
    with extended.app_context():
        brief = brief_appointment_id()
    assert client.get(f"/bench-data/brief/{brief}").status_code == 403  # a client sees no brief


def test_the_table_puts_each_address_beside_the_trivial_route(data_only):
    pages = data_only.pages()[:2]
    measured = {"pages": pages, "results": {
        "trivial route": {"cpu": 1.5, "statements": 1},
        pages[0].label: {"rps": 600.0, "floor": 1000.0, "cpu": 2.7, "floor_cpu": 1.5, "statements": 3},
        pages[1].label: {"rps": 660.0, "floor": 1000.0, "cpu": 2.4, "floor_cpu": 1.5, "statements": 3},
    }}
    lines = data_only.table(measured).splitlines()
    assert lines[2] == "| trivial route `/account/ping` | 1.00 | 1.50 | 1 |"
    assert lines[3] == "| booking slot list (htmx) | 0.60 | 2.70 (1.8x) | 3 |"
    assert re.fullmatch(r"\| booking slot list \(htmx\): data alone \| 0\.66 \| 2\.40 \(1\.6x\) \| 3 \|", lines[4])


def test_gunicorn_finds_the_scripts_app_only_when_asked_to(data_only, monkeypatch):
    bench = data_only.bench
    started = []

    class Server:
        def __init__(self, args, **kwargs):
            started.append(args)

        def poll(self):
            return None

    monkeypatch.setattr(bench.subprocess, "Popen", Server)
    monkeypatch.setattr(bench, "get", lambda path, **_: (200, {}, b"ok"))
    bench.serve({}, True, "bench_data_only:app")
    bench.serve({}, True)
    scripts, portal = started
    assert scripts[-1] == "bench_data_only:app"
    assert scripts[scripts.index("--pythonpath") + 1] == str(bench.ROOT / "scripts")
    assert portal[-1] == "wsgi:app" and "--pythonpath" not in portal
