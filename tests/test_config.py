"""Settings come from the environment; production refuses to start unsafe."""

from __future__ import annotations

import base64
import secrets

import pytest

from portal import create_app
from portal.config import (
    ConfigError,
    check_production,
    health_keys_problem,
    load_settings,
    normalise_database_url,
    secret_key_problem,
    secret_strength,
)

GOOD_PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "VrFCs5Q5xCzIPoxsDV4Yl1vWGaXU_9BYPv2uWehud79Lr3MryHQ1DwZvf7pqTU-Z",  # token_urlsafe(48)
    "DATABASE_URL": "postgresql://portal@db.internal/portal",
    "PUBLIC_URL": "https://portal.mesmerisingbeauty.co.uk",
    "HEALTH_DATA_KEYS": "k2026:BX9aikhdoQ2e-pSed63Nzf6HRi8jfv0rKcneefNNEKQ",  # flask health new-key
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


OLD_KEY = "k2025:2l2ni5-HdySJ2jDv6gvC1C9uud_2H-EwPdK91VESDHI"


def _key_entry(key_id: str, key: bytes) -> str:
    return f"{key_id}:" + base64.urlsafe_b64encode(key).decode().rstrip("=")


@pytest.mark.parametrize("secret_key, complaint", [
    ("p" * 48, "guessable"),
    ("abcabcabcabcabcabcabcabcabcabcabcabc", "guessable"),
    ("0123456789abcdef0123456789abcdef", "guessable"),
    ("qwertyuiopasdfghjklzxcvbnm1234567890", "made of words|guessable"),
    ("k" * 16 + "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "guessable"),
    ("mesmerising-beauty-secret-key-2026!!", "made of words"),
    ("my production secret key for the salon portal 2026", "made of words"),
    ("ThisIsMyVeryLongSecretKeyForTheProductionPortal", "made of words"),
    ("correct-horse-battery-staple-and-some-more-words", "made of words"),
])
def test_production_refuses_low_entropy_secret_keys_and_says_how_to_make_one(tmp_path, secret_key, complaint):
    assert len(secret_key) >= 32  # long enough: only the entropy rule can refuse these
    settings = load_settings({**GOOD_PRODUCTION, "SECRET_KEY": secret_key}, str(tmp_path))
    with pytest.raises(ConfigError, match=f"SECRET_KEY is ({complaint})") as refused:
        check_production(settings)
    assert "secrets.token_urlsafe(48)" in str(refused.value)


def test_random_secret_keys_are_accepted():
    for key in [secrets.token_urlsafe(48) for _ in range(20)] + [secrets.token_hex(32) for _ in range(20)]:
        assert secret_key_problem(key) is None, key
    bits, words = secret_strength(GOOD_PRODUCTION["SECRET_KEY"])
    assert bits == 64 * 6 and words == 0  # 64 base64url characters, nothing recognised


@pytest.mark.parametrize("keys, complaint", [
    (_key_entry("zero", bytes(32)), "'zero' is not random"),
    (_key_entry("ones", b"\xff" * 32), "'ones' is not random"),
    (_key_entry("pair", b"\x13\x37" * 16), "'pair' is not random"),
    (_key_entry("half", bytes(range(100, 116)) * 2), "'half' is not random"),
    (_key_entry("count", bytes(range(32))), "'count' is not random"),
    (_key_entry("few", bytes([3, 1, 4, 1, 5, 9, 2, 6] * 3 + [5, 3, 5, 8, 9, 7, 9, 3])), "'few' is not random"),
    (GOOD_PRODUCTION["HEALTH_DATA_KEYS"] + ",again:" + GOOD_PRODUCTION["HEALTH_DATA_KEYS"].partition(":")[2],
     "'k2026' and 'again' are the same key"),
    (OLD_KEY + "," + _key_entry("zero", bytes(32)), "'zero' is not random"),
])
def test_production_refuses_weak_or_repeated_health_keys_and_says_how_to_make_one(tmp_path, keys, complaint):
    settings = load_settings({**GOOD_PRODUCTION, "HEALTH_DATA_KEYS": keys}, str(tmp_path))
    with pytest.raises(ConfigError, match=complaint) as refused:
        check_production(settings)
    assert "flask health new-key" in str(refused.value)


def test_fresh_and_rotated_health_keys_are_accepted():
    from portal.encryption import new_key_entry
    assert health_keys_problem(GOOD_PRODUCTION["HEALTH_DATA_KEYS"] + "," + OLD_KEY) is None
    for _ in range(50):
        assert health_keys_problem(new_key_entry()) is None


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


def test_development_links_follow_the_served_port(tmp_path):
    settings = load_settings({"PORTAL_ENV": "development", "PORT": "8000"}, str(tmp_path))
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:8000"
    explicit = load_settings({"PORTAL_ENV": "development", "PORT": "8000", "PUBLIC_URL": "http://dev.example/"}, str(tmp_path))
    assert explicit["PUBLIC_URL"] == "http://dev.example"
    assert load_settings({"PORTAL_ENV": "development"}, str(tmp_path))["PUBLIC_URL"] == "http://127.0.0.1:5000"


def test_make_run_exports_port_to_flask():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "export PORT" in makefile.splitlines()
