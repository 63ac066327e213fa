"""Settings from the environment, per deployment kind; production refuses weak settings."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Mapping

from portal.encryption import Keyring, KeyringError, new_key_entry

ENVIRONMENTS = ("development", "testing", "production")

# Keys that ship in examples and tutorials: a production start with one of them is refused.
KNOWN_WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test", "testing"}
MIN_SECRET_LENGTH = 32

HTMX_VERSION = "2.0.11"
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"


class ConfigError(RuntimeError):
    """A setting that makes the portal unsafe or unable to run."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` spellings hosting platforms hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str, name: str, value: str | None = None) -> str:
    """A random development secret kept in instance/, so restarts keep sessions and data."""
    path = Path(instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(value or secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_settings(environ: Mapping[str, str], instance_path: str) -> dict:
    """Every setting the portal reads, with its default for the chosen environment."""
    env = environ.get("PORTAL_ENV", "production").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"

    secret_key = environ.get("SECRET_KEY")
    if not secret_key and not production:
        secret_key = _instance_secret(instance_path, "secret_key")

    health_keys = environ.get("HEALTH_DATA_KEYS")
    if not health_keys and env == "development":
        health_keys = _instance_secret(instance_path, "health_data_keys", new_key_entry("dev1"))
    elif not health_keys and env == "testing":
        health_keys = new_key_entry("test")

    database_url = environ.get("DATABASE_URL")
    default_database = not database_url
    if default_database:
        database_url = "sqlite:///" + str(Path(instance_path) / "portal.db")

    redis_url = environ.get("REDIS_URL") or None
    public_url = environ.get("PUBLIC_URL", "" if production else "http://127.0.0.1:5000").rstrip("/")

    return {
        "PORTAL_ENV": env,
        "DEBUG": _flag(environ.get("FLASK_DEBUG"), default=False),
        "TESTING": env == "testing",
        "SECRET_KEY": secret_key,
        "HEALTH_DATA_KEYS": health_keys,
        "DEFAULT_DATABASE": default_database,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": environ.get("RATELIMIT_KEY_PREFIX", "portal"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": environ.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour"),
        "PUBLIC_URL": public_url,
        "HTMX_FROM_CDN": _flag(environ.get("HTMX_FROM_CDN")),
        "MAIL_SERVER": environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(environ.get("MAIL_USE_TLS"), default=True),
        "MAIL_FROM": environ.get("MAIL_FROM", "Mesmerising Beauty <hello@mesmerisingbeauty.co.uk>"),
        "PASSWORD_RESET_MAX_AGE": int(environ.get("PASSWORD_RESET_MAX_AGE", str(60 * 60))),
        "EMAIL_CONFIRM_MAX_AGE": int(environ.get("EMAIL_CONFIRM_MAX_AGE", str(48 * 60 * 60))),
        "PROXY_FIX_HOPS": int(environ.get("PROXY_FIX_HOPS", "0")),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
        "BOOKING_GRID_MINUTES": int(environ.get("BOOKING_GRID_MINUTES", "15")),
        "BOOKING_BUFFER_MINUTES": int(environ.get("BOOKING_BUFFER_MINUTES", "15")),
        "BOOKING_MIN_NOTICE_MINUTES": int(environ.get("BOOKING_MIN_NOTICE_MINUTES", "120")),
        "BOOKING_HORIZON_DAYS": int(environ.get("BOOKING_HORIZON_DAYS", str(8 * 7))),
        "CANCELLATION_WINDOW_HOURS": int(environ.get("CANCELLATION_WINDOW_HOURS", "24")),
        "MAX_UPCOMING_APPOINTMENTS": int(environ.get("MAX_UPCOMING_APPOINTMENTS", "6")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; long forms must not expire
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }


def check_production(settings: Mapping) -> None:
    """Refuse to start production with debug on, a weak key or the default database."""
    if settings["PORTAL_ENV"] != "production":
        return
    problems = []
    if settings.get("DEBUG"):
        problems.append("debug must be off (unset FLASK_DEBUG)")
    key = settings.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_LENGTH or key.lower() in KNOWN_WEAK_SECRETS:
        problems.append(f"SECRET_KEY must be set to a random value of {MIN_SECRET_LENGTH}+ characters")
    try:
        Keyring(settings.get("HEALTH_DATA_KEYS") or "")
    except KeyringError as error:
        problems.append(f"HEALTH_DATA_KEYS must hold the health-data encryption keys ({error})")
    if settings.get("DEFAULT_DATABASE") or settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL")
    if not str(settings.get("PUBLIC_URL", "")).startswith("https://"):
        problems.append("PUBLIC_URL must be the https:// address clients use (emailed links use it)")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
