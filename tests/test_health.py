"""Liveness and readiness probes (issue 14 item 4) and the gunicorn config."""

from __future__ import annotations

import os
import pathlib
import runpy
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from portal import create_app
from portal.extensions import db
from tests.conftest import make_config

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/portal"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def probe_app(database_url, _schema):
    """A fresh app with settings of the test's choosing; its engine is disposed afterwards."""
    built = []

    def build(**overrides):
        app = create_app(make_config(database_url, **overrides))
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()


def _assert_probe_headers(response):
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_ok_without_touching_the_database(app, client, count_queries):
    with app.app_context(), count_queries() as counted:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert counted.count == 0, counted.statements
    _assert_probe_headers(response)


def test_healthz_is_up_even_when_the_database_is_not(probe_app):
    response = probe_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE).test_client().get("/healthz")
    assert response.status_code == 200


def test_readyz_checks_the_database(app, client, count_queries):
    with app.app_context(), count_queries() as counted:
        response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["database"] == "ok"
    assert any("SELECT 1" in statement for statement in counted.statements)
    _assert_probe_headers(response)


def test_readyz_without_redis_says_not_configured(probe_app):
    response = probe_app(REDIS_URL=None).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "not configured", "job_queue": "not configured"}


def test_readyz_fails_when_the_database_is_unreachable(probe_app):
    response = probe_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE, REDIS_URL=None).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "failed", "redis": "not configured", "job_queue": "not configured"}
    _assert_probe_headers(response)
    # Only which check failed: no driver message, host or port.
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_readyz_fails_when_redis_is_unreachable(probe_app):
    response = probe_app(REDIS_URL=UNREACHABLE_REDIS).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "redis": "failed", "job_queue": "not configured"}
    _assert_probe_headers(response)


def test_readyz_pings_a_running_redis(probe_app):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set (it is on the PostgreSQL CI run)")
    response = probe_app(REDIS_URL=url).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "ok"


def test_probes_are_not_rate_limited(probe_app):
    # A load balancer polls from one address all day long.
    client = probe_app(REDIS_URL=None, RATELIMIT_DEFAULT="2 per minute").test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def _gunicorn_config(monkeypatch, **environ) -> dict:
    for name in ("WEB_CONCURRENCY", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_config_defaults(monkeypatch):
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    config = _gunicorn_config(monkeypatch)
    assert config["workers"] == 9
    assert config["bind"] == "0.0.0.0:8000"
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == (30, 30, 5)
    assert config["preload_app"] is False
    assert config["accesslog"] == "-"
    assert "%({x-request-id}o)s" in config["access_log_format"]


def test_gunicorn_workers_capped_by_web_concurrency_and_port_from_env(monkeypatch):
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    config = _gunicorn_config(monkeypatch, WEB_CONCURRENCY="3", PORT="5050")
    assert config["workers"] == 3
    assert config["bind"] == "0.0.0.0:5050"
    assert _gunicorn_config(monkeypatch, WEB_CONCURRENCY="50")["workers"] == 9


def test_gunicorn_access_log_shows_the_request_id(app, client):
    """Formats a line the way gunicorn's access logger does, from a real response of the app:
    the request id the app sends as X-Request-ID is on it."""
    response = client.get("/healthz", headers={"X-Request-ID": "probe-1234567"})
    assert response.headers["X-Request-ID"] == "probe-1234567"
    config = Config()
    config.set("access_log_format", runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"])
    logger = Logger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/healthz", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "10.0.0.1"}
    gunicorn_response = SimpleNamespace(status=response.status, headers=list(response.headers.items()),
                                        sent=len(response.data))
    atoms = logger.atoms(gunicorn_response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    line = config.access_log_format % SafeAtoms(atoms)
    assert '"GET /healthz HTTP/1.1" 200' in line
    assert line.endswith("request_id=probe-1234567")


def _token_paths() -> list[str]:
    """Every address of the app whose last part is a token, with a made-up one in it."""
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    token = "eyJ1IjoxLCJhIjo0LCJyIjoibG93ZXJfYmFjayIsInMiOjd9.aBcD.eFgH"
    return sorted({rule.rule.replace("<token>", token) for rule in app.url_map.iter_rules()
                   if "token" in rule.arguments})


def test_every_token_address_is_known_to_the_access_log():
    """The addresses below are the app's own: a new one with a token fails here until it is added."""
    assert [path.split("eyJ")[0] for path in _token_paths()] == [
        "/account/confirm/", "/account/reset-password/", "/account/welcome/", "/calendar/", "/relief/",
        "/shared/report/", "/unsubscribe/"]


@pytest.mark.parametrize("path", _token_paths())
def test_gunicorn_access_log_never_shows_a_secret_link(path):
    """Every link whose last part is a token is a bearer secret (confirm, reset, invitation,
    unsubscribe, private calendar feed, a share link that opens the client's health report), and a
    lasting-relief link's token also reads, unencrypted, as the client's answer (area and 0-10
    score): the access log shows the route, not the token, in the request line, the path and the
    referrer."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    logger = settings["RedactingLogger"](config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "10.0.0.1", "HTTP_REFERER": "https://portal.example" + path}
    response = SimpleNamespace(status="200 OK", headers=[], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    line = config.access_log_format % SafeAtoms(atoms)
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert secret not in line and secret not in atoms["U"]
    assert "[redacted]" in line
    assert settings["logger_class"] is settings["RedactingLogger"]
