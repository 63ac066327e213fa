"""The layers (docs/architecture.md) and the one home of each shared concept, enforced.

Import rules are read from the source (ast), so a new module is checked the day it is added.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from portal import clock
from portal.booking.models import CANCELLED, Appointment
from portal.booking.status import completed, is_completed
from portal.extensions import db
from tests.factories import make_appointment, make_salon

PORTAL = pathlib.Path(__file__).resolve().parent.parent / "portal"
ROOT = PORTAL.parent

# Modules of pure rules: no Flask, no database, nothing that needs an app.
PURE = ("guidance/rules.py", "booking/availability.py", "booking/guard.py", "clock.py", "timezones.py",
        "formatting.py", "roles.py", "feedback/meaning.py", "reminders/rules.py", "report/rules.py",
        "rota/rules.py", "salon/opening.py", "salon/pricing.py")
FORBIDDEN_IN_PURE = ("flask", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "portal.extensions",
                     "portal.db_types", "werkzeug")
# Features, lowest first: a feature's domain modules may import only features before it.
FEATURES = ("outbox", "salon", "accounts", "audit", "catalogue", "staff", "profile", "booking", "feedback", "report",
            "reminders", "rota", "reception", "public")
# Modules that build pages: they may read any feature (and portal.client_guidance).
SCREENS = ("views.py", "panels.py")
# Wiring, allowed to import lazily (the package root keeps Flask out of `import portal.x`).
WIRING = ("__init__.py", "app.py", "cli.py")


def _module(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path, top_level_only: bool = False) -> list[str]:
    """Every module name an import in `path` names (`from a import b` gives a and a.b)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _sources() -> list[pathlib.Path]:
    return sorted(PORTAL.rglob("*.py"))


def test_importing_the_rules_loads_no_flask_database_or_view():
    # (booking.availability is checked from its source below: its package defines a blueprint.)
    script = ("import sys, portal.guidance.rules, portal.clock, portal.formatting, portal.roles;"
              "print('\\n'.join(sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    heavy = [name for name in loaded
             if name.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2")
             or name.endswith(".views") or name in ("portal.app", "portal.extensions")]
    assert heavy == []


@pytest.mark.parametrize("relative", PURE)
def test_pure_modules_import_nothing_from_flask_or_the_database(relative):
    names = _imports(PORTAL / relative)
    assert [n for n in names if n.split(".")[0] in FORBIDDEN_IN_PURE or n.startswith(FORBIDDEN_IN_PURE)] == []


def test_no_feature_imports_another_features_views():
    offenders = []
    for path in _sources():
        module = _module(path)
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) >= 3 and parts[0] == "portal" and parts[2] == "views" and module != "portal.app":
                if module.split(".")[:2] != parts[:2]:
                    offenders.append((module, name))
    assert offenders == []


@pytest.mark.parametrize("feature", FEATURES + ("dashboard", "guidance"))
def test_feature_packages_import_no_views(feature):
    init = PORTAL / feature / "__init__.py"
    assert [n for n in _imports(init) if n.startswith("portal.")] == [] or feature == "booking"
    # booking's blueprint checks its settings when registered: it may read config and the guard.
    assert not any(n.endswith("views") or ".views." in n for n in _imports(init))


def test_domain_modules_import_only_lower_features():
    """No cycles between features: salon < accounts < audit < staff < profile < booking < feedback, and
    portal.client_guidance (reading profile, booking and feedback) above them all."""
    offenders = []
    for path in _sources():
        parts = _module(path).split(".")
        if len(parts) < 2 or parts[1] not in FEATURES or path.name in SCREENS + ("__init__.py",):
            continue
        rank = FEATURES.index(parts[1])
        for name in _imports(path):
            target = name.split(".")
            if target[0] != "portal" or len(target) < 2:
                continue
            if target[1] in FEATURES and FEATURES.index(target[1]) > rank:
                offenders.append((_module(path), name))
            if target[1] in ("client_guidance", "data_export", "reminder_scans", "dashboard", "app", "listeners"):
                offenders.append((_module(path), name))
    assert offenders == []


def test_no_function_level_imports_hide_a_cycle():
    offenders = []
    for path in _sources():
        if path.name in WIRING and path.parent in (PORTAL,) or path.name == "__init__.py":
            continue
        top = set(_imports(path, top_level_only=True))
        inner = [n for n in _imports(path) if n not in top and n.startswith("portal.")]
        if inner:
            offenders.append((_module(path), inner))
    assert offenders == []


def test_listeners_are_connected_by_the_factory_not_by_importing_a_module():
    script = ("import portal.booking.recheck, portal.feedback.services, portal.signals as s;"
              "print(len(s.health_profile_changed.receivers), len(s.health_profile_deleted.receivers));"
              "from portal import create_app;"
              "create_app({'PORTAL_ENV': 'testing', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'});"
              "print(len(s.health_profile_changed.receivers), len(s.health_profile_deleted.receivers))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    # changed: booking's re-check, the relief email waiting (consent withdrawn); deleted: feedback,
    # share links, the relief email waiting
    assert out.stdout.split() == ["0", "0", "2", "3"]


# --- one home for each concept ------------------------------------------------------------------


def test_no_glibc_only_date_formats_anywhere():
    files = list(PORTAL.rglob("*.py")) + list((ROOT / "templates").rglob("*.*"))
    assert [str(f) for f in files if "%-d" in f.read_text() and f.name != "formatting.py"] == []


def test_dates_read_the_same_on_every_platform():
    from portal.formatting import date_format, format_date, local_datetime

    assert date_format(date(2027, 3, 5), "%A {day} %B") == "Friday 5 March"
    assert format_date(date(2025, 3, 3)) == "3 March 2025"
    # 23:30 UTC on the last Saturday of March is already Sunday in the salon (BST from 01:00 UTC).
    assert local_datetime(datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc), "%a {day} %b, %H:%M") == "Sun 28 Mar, 02:30"


def test_one_clock_for_every_feature():
    moment = datetime(2027, 3, 28, 0, 30, tzinfo=timezone.utc)
    try:
        clock.set_now(moment)
        assert clock.now() == moment and clock.today() == date(2027, 3, 28)
    finally:
        clock.set_now(None)
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)
    for path in _sources():
        text = path.read_text()
        assert "datetime.now(" not in text or path.name == "clock.py", path
        assert "date.today(" not in text, path


def test_absolute_urls_come_from_one_helper(app):
    from portal.urls import external_url

    app.config["PUBLIC_URL"] = "https://portal.example"
    with app.test_request_context(base_url="http://attacker.example"):
        assert external_url("accounts.login") == "https://portal.example/account/login"
    readers = [p.name for p in _sources() if '"PUBLIC_URL"' in p.read_text()]
    assert sorted(readers) == ["config.py", "urls.py"]


def test_one_vocabulary_of_roles():
    from portal import access, roles
    from portal.accounts.models import User

    assert access.EVERYONE == roles.EVERYONE == {"anonymous", "client", "therapist", "admin"}
    assert set(roles.HOME_ENDPOINTS) == set(roles.ROLES)
    [check] = [c for c in User.__table__.constraints if getattr(c, "name", "") and "role_known" in str(c.name)]
    assert str(check.sqltext) == roles.role_check_sql()
    migration = (ROOT / "migrations/versions/752e07702cdc_accounts_and_salon.py").read_text()
    assert f'"{roles.role_check_sql()}"' in migration


def test_one_baseline_interval():
    from portal.booking import rebook
    from portal.guidance import rules

    assert rebook.DEFAULT_INTERVAL_DAYS == rules.FREQUENCY["baseline"].days == rules.BASELINE_INTERVAL_DAYS
    assert "28" not in (PORTAL / "booking/rebook.py").read_text()


def test_one_way_to_load_a_clients_health_facts():
    from portal.profile import gate, services

    assert gate.facts_for is services.facts_for
    readers = [p for p in _sources() if ".to_facts()" in p.read_text()]
    assert sorted(p.name for p in readers) == ["content.py", "services.py", "views.py"]


def test_completed_means_the_same_in_python_and_sql(app, users):
    now = datetime(2027, 3, 8, 12, 0, tzinfo=timezone.utc)
    client_id = users["client"].id
    salon = make_salon(app, users["therapist"].id)
    cases = {
        "ended": dict(starts_at=now - timedelta(hours=2)),
        "ends exactly now": dict(starts_at=now - timedelta(minutes=45)),
        "still running": dict(starts_at=now - timedelta(minutes=30)),
        "future": dict(starts_at=now + timedelta(days=1)),
        "cancelled": dict(starts_at=now - timedelta(days=2), status=CANCELLED),
        "no-show": dict(starts_at=now - timedelta(days=3), no_show=True),
    }
    ids = {label: make_appointment(app, salon, client_id, fields.pop("starts_at"), **fields)
           for label, fields in cases.items()}
    with app.app_context():
        in_sql = set(db.session.scalars(db.select(Appointment.id).where(completed(now))))
        in_python = {a.id for a in db.session.scalars(db.select(Appointment)) if is_completed(a, now)}
        clock.set_now(now)
        try:
            on_the_clock = set(db.session.scalars(db.select(Appointment.id).where(completed())))
        finally:
            clock.set_now(None)
    assert in_sql == in_python == on_the_clock == {ids["ended"], ids["ends exactly now"]}


def test_one_definition_of_the_salons_time_zone():
    from portal.booking import availability, calendar
    from portal.timezones import SALON_TZ

    assert availability.SALON_TZ is SALON_TZ and calendar.TZID == "Europe/London"
    assert [p.name for p in _sources() if "ZoneInfo(" in p.read_text()] == ["timezones.py"]
