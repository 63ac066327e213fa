"""Settings come from the environment; production refuses to start unsafe."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, check_production, load_settings, normalise_database_url

GOOD_PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k" * 16 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "DATABASE_URL": "postgresql://portal@db.internal/portal",
    "PUBLIC_URL": "https://portal.mesmerisingbeauty.co.uk",
    "HEALTH_DATA_KEYS": "k2026:" + "A" * 43,
}


def test_default_environment_is_production_not_testing(tmp_path):
    settings = load_settings({}, str(tmp_path))
    assert settings["PORTAL_ENV"] == "production"
    assert settings["TESTING"] is False
    assert settings["DEBUG"] is False


def test_the_test_app_is_testing(app):
    assert app.config["TESTING"] is True


def test_good_production_settings_start(tmp_path):
    settings = load_settings(GOOD_PRODUCTION, str(tmp_path))
    check_production(settings)
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db.internal/portal"


@pytest.mark.parametrize("change, complaint", [
    ({"FLASK_DEBUG": "1"}, "debug must be off"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "changeme"}, "SECRET_KEY"),
    ({"SECRET_KEY": "short-but-not-32"}, "SECRET_KEY"),
    ({"DATABASE_URL": ""}, "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite:////tmp/x.db"}, "DATABASE_URL"),
    ({"PUBLIC_URL": "http://portal.example"}, "PUBLIC_URL"),
    ({"HEALTH_DATA_KEYS": ""}, "HEALTH_DATA_KEYS"),
    ({"HEALTH_DATA_KEYS": "k1:tooshort"}, "HEALTH_DATA_KEYS"),
])
def test_production_refuses_unsafe_settings(tmp_path, change, complaint):
    settings = load_settings({**GOOD_PRODUCTION, **change}, str(tmp_path))
    with pytest.raises(ConfigError, match=complaint):
        check_production(settings)


def test_create_app_refuses_production_without_settings(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(ConfigError, match="Refusing to start in production"):
        create_app()


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        load_settings({"PORTAL_ENV": "staging"}, str(tmp_path))


def test_development_makes_and_keeps_its_own_secret(tmp_path):
    first = load_settings({"PORTAL_ENV": "development"}, str(tmp_path))
    again = load_settings({"PORTAL_ENV": "development"}, str(tmp_path))
    assert len(first["SECRET_KEY"]) >= 32 and first["SECRET_KEY"] == again["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/portal.db"
    assert first["HEALTH_DATA_KEYS"] == again["HEALTH_DATA_KEYS"]
    assert (tmp_path / "health_data_keys").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("given, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_rate_limits_use_redis_when_configured(tmp_path):
    settings = load_settings({"PORTAL_ENV": "development", "REDIS_URL": "redis://127.0.0.1:6379/0"}, str(tmp_path))
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert load_settings({"PORTAL_ENV": "development"}, str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"
