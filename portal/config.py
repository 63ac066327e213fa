"""Settings from the environment, per deployment kind; production refuses weak settings."""

from __future__ import annotations

import math
import secrets
import string
from pathlib import Path
from typing import Mapping

from zxcvbn import zxcvbn

from portal.encryption import KeyringError, key_entries, new_key_entry

ENVIRONMENTS = ("development", "testing", "production")

# Keys that ship in examples and tutorials: a production start with one of them is refused.
KNOWN_WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test", "testing"}
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 128
# Dictionary words in a random key are chance hits of a few letters; a quarter is a phrase.
MAX_SECRET_WORD_SHARE = 0.25
# zxcvbn slows down with length; a key that is strong in its first 128 characters is strong.
SECRET_SAMPLE = 128
# Patterns shorter than this turn up by chance in random keys and are counted as random.
MIN_PATTERN = 5
GOOD_SECRET_HOW = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
GOOD_HEALTH_KEY_HOW = "make each entry with: flask health new-key"
# Character sets a key may be drawn from, smallest first: hex, base64url, base64, printable.
_ALPHABETS = (
    (frozenset("0123456789abcdef"), 16),
    (frozenset("0123456789ABCDEF"), 16),
    (frozenset(string.ascii_letters + string.digits), 62),
    (frozenset(string.ascii_letters + string.digits + "-_"), 64),
    (frozenset(string.ascii_letters + string.digits + "+/="), 64),
)
_PRINTABLE = 95

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
    # The job queue (portal/jobs.py): Redis when HUEY_REDIS_URL is set, or in production when
    # REDIS_URL is; otherwise a SQLite file next to the development database. Tests run each
    # job at once, in the process that queued it (HUEY_IMMEDIATE).
    huey_redis_url = environ.get("HUEY_REDIS_URL") or (redis_url if production else None)
    huey_sqlite_path = environ.get("HUEY_SQLITE_PATH") or str(Path(instance_path) / "huey.db")
    # In development emailed links must reach the server actually running (`PORT=8000 make run`).
    default_public_url = "" if production else "http://127.0.0.1:5000"
    if env == "development" and environ.get("PORT", "").strip().isdigit():
        default_public_url = f"http://127.0.0.1:{environ['PORT'].strip()}"
    public_url = environ.get("PUBLIC_URL", default_public_url).rstrip("/")

    return {
        "PORTAL_ENV": env,
        "DEBUG": _flag(environ.get("FLASK_DEBUG"), default=False),
        "TESTING": env == "testing",
        "SECRET_KEY": secret_key,
        "HEALTH_DATA_KEYS": health_keys,
        "DEFAULT_DATABASE": default_database,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # A pooled database connection unused this long is tested before use (a test on every
        # use is a round trip per request): portal.extensions.ping_when_idle. 0: never tested.
        "DB_IDLE_PING_SECONDS": float(environ.get("DB_IDLE_PING_SECONDS", "10")),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": environ.get("RATELIMIT_KEY_PREFIX", "portal"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Counters per window (one atomic increment each): a login that succeeds gives its count
        # back (accounts.throttle), which a moving window's list of instants cannot do.
        "RATELIMIT_STRATEGY": "fixed-window",
        # Failed log-ins per IP address and email together, and per IP address across emails.
        "LOGIN_RATE_LIMIT": environ.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour"),
        "LOGIN_IP_RATE_LIMIT": environ.get("LOGIN_IP_RATE_LIMIT", "20 per minute; 100 per hour"),
        # Registration and reset forms per IP address, and the emails they send per address.
        "REGISTER_RATE_LIMIT": environ.get("REGISTER_RATE_LIMIT", "20 per hour"),
        "PASSWORD_RESET_RATE_LIMIT": environ.get("PASSWORD_RESET_RATE_LIMIT", "10 per hour"),
        "ACCOUNT_MAIL_RATE_LIMIT": environ.get("ACCOUNT_MAIL_RATE_LIMIT", "3 per hour; 10 per day"),
        # Visitors' free-times page (each htmx change is a request) per IP address.
        "PUBLIC_FREE_TIMES_RATE_LIMIT": environ.get("PUBLIC_FREE_TIMES_RATE_LIMIT", "30 per minute; 300 per hour"),
        "PUBLIC_URL": public_url,
        # argon2 cost (portal/accounts/passwords.py COSTS): the real one except in the test suite.
        "PASSWORD_HASH_COST": "testing" if env == "testing" else "standard",
        "HTMX_FROM_CDN": _flag(environ.get("HTMX_FROM_CDN")),
        "MAIL_SERVER": environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(environ.get("MAIL_USE_TLS"), default=True),
        "MAIL_FROM": environ.get("MAIL_FROM", "Mesmerising Beauty <hello@mesmerisingbeauty.co.uk>"),
        # Seconds one SMTP conversation may take before the send counts as failed and is retried.
        "MAIL_TIMEOUT": float(environ.get("MAIL_TIMEOUT", "10")),
        "HUEY_NAME": environ.get("HUEY_NAME", "portal"),
        "HUEY_REDIS_URL": huey_redis_url,
        "HUEY_SQLITE_PATH": huey_sqlite_path,
        "HUEY_IMMEDIATE": _flag(environ.get("HUEY_IMMEDIATE"), default=env == "testing"),
        # Delivery of queued email (portal/outbox): tries before a message is dead, the first
        # retry's delay (doubling each time, at most OUTBOX_RETRY_MAX_SECONDS), and how long
        # delivered messages are kept (the client's history; then purged).
        "OUTBOX_MAX_ATTEMPTS": int(environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
        "OUTBOX_RETRY_SECONDS": int(environ.get("OUTBOX_RETRY_SECONDS", "60")),
        "OUTBOX_RETRY_MAX_SECONDS": int(environ.get("OUTBOX_RETRY_MAX_SECONDS", str(6 * 60 * 60))),
        "OUTBOX_KEEP_DAYS": int(environ.get("OUTBOX_KEEP_DAYS", "365")),
        "PASSWORD_RESET_MAX_AGE": int(environ.get("PASSWORD_RESET_MAX_AGE", str(60 * 60))),
        "EMAIL_CONFIRM_MAX_AGE": int(environ.get("EMAIL_CONFIRM_MAX_AGE", str(48 * 60 * 60))),
        # An invitation (staff, or a client reception added) to set a password: a week, once.
        "INVITATION_MAX_AGE": int(environ.get("INVITATION_MAX_AGE", str(7 * 24 * 60 * 60))),
        "PROXY_FIX_HOPS": int(environ.get("PROXY_FIX_HOPS", "0")),
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
        "BOOKING_GRID_MINUTES": int(environ.get("BOOKING_GRID_MINUTES", "15")),
        "BOOKING_BUFFER_MINUTES": int(environ.get("BOOKING_BUFFER_MINUTES", "15")),
        "BOOKING_MIN_NOTICE_MINUTES": int(environ.get("BOOKING_MIN_NOTICE_MINUTES", "120")),
        "BOOKING_HORIZON_DAYS": int(environ.get("BOOKING_HORIZON_DAYS", str(8 * 7))),
        "CANCELLATION_WINDOW_HOURS": int(environ.get("CANCELLATION_WINDOW_HOURS", "24")),
        "MAX_UPCOMING_APPOINTMENTS": int(environ.get("MAX_UPCOMING_APPOINTMENTS", "6")),
        # `flask health forget-inactive` removes the health data of clients with no appointment
        # and no login for this long: two years after the last visit (portal/retention.py).
        "HEALTH_DATA_RETENTION_DAYS": int(environ.get("HEALTH_DATA_RETENTION_DAYS", "730")),
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


def secret_strength(key: str) -> tuple[float, float]:
    """(estimated bits of entropy, share of the key that is dictionary words).

    zxcvbn splits the key into what it recognises (words, names, repeats, sequences, keyboard
    runs, dates) and the rest. A recognised pattern of MIN_PATTERN+ characters counts for
    zxcvbn's guess count; everything else counts as random characters of the smallest character
    set that holds the whole key (4 bits each for hex, 6 for base64url, 6.6 for printable).
    """
    sample = key[:SECRET_SAMPLE]
    if not sample:
        return 0.0, 0.0
    characters = set(sample)
    per_character = math.log2(next((size for alphabet, size in _ALPHABETS if characters <= alphabet), _PRINTABLE))
    bits = words = 0.0
    for match in zxcvbn(sample)["sequence"]:
        length = len(match["token"])
        if match["pattern"] == "dictionary" and length >= 4:
            words += length
        random_bits = length * per_character
        if match["pattern"] == "bruteforce" or length < MIN_PATTERN:
            bits += random_bits
        else:
            bits += min(math.log2(match["guesses"]), random_bits)
    return bits, words / len(sample)


def secret_key_problem(key: str) -> str | None:
    """Why this SECRET_KEY is too weak for production, with how to make a good one; or None."""
    if len(key) < MIN_SECRET_LENGTH or key.lower() in KNOWN_WEAK_SECRETS:
        return f"SECRET_KEY must be set to a random value of {MIN_SECRET_LENGTH}+ characters ({GOOD_SECRET_HOW})"
    bits, word_share = secret_strength(key)
    if word_share > MAX_SECRET_WORD_SHARE:
        return f"SECRET_KEY is made of words, which are guessable; it must be random ({GOOD_SECRET_HOW})"
    if bits < MIN_SECRET_BITS:
        return (f"SECRET_KEY is guessable (about {bits:.0f} bits of randomness, repeats and sequences count "
                f"for little; {MIN_SECRET_BITS} are needed) ({GOOD_SECRET_HOW})")
    return None


def _has_period(values: list[int]) -> bool:
    """True if the values repeat with a period of at most half their length."""
    return any(all(values[i] == values[i + p] for i in range(len(values) - p))
               for p in range(1, len(values) // 2 + 1))


def _weak_key_bytes(key: bytes) -> bool:
    """All zero, few distinct bytes, a repeated pattern or a counter: not from a random source.
    32 random bytes hold about 30 distinct values; fewer than 16 practically never happens."""
    values = list(key)
    steps = [(b - a) % 256 for a, b in zip(values, values[1:])]
    return len(set(values)) < 16 or _has_period(values) or _has_period(steps)


def health_keys_problem(spec: str) -> str | None:
    """Why HEALTH_DATA_KEYS are unusable or weak, with how to make good ones; or None."""
    try:
        entries = key_entries(spec)
    except KeyringError as error:
        return f"HEALTH_DATA_KEYS must hold the health-data encryption keys ({error}; {GOOD_HEALTH_KEY_HOW})"
    seen: dict[bytes, str] = {}
    for key_id, key in entries:
        if _weak_key_bytes(key):
            return (f"HEALTH_DATA_KEYS key {key_id!r} is not random (all zero, repeated or a pattern) "
                    f"({GOOD_HEALTH_KEY_HOW})")
        if key in seen:
            return (f"HEALTH_DATA_KEYS keys {seen[key]!r} and {key_id!r} are the same key: each entry needs "
                    f"its own ({GOOD_HEALTH_KEY_HOW})")
        seen[key] = key_id
    return None


def check_production(settings: Mapping) -> None:
    """Refuse to start production with debug on, a weak key or the default database."""
    if settings["PORTAL_ENV"] != "production":
        return
    problems = []
    if settings.get("DEBUG"):
        problems.append("debug must be off (unset FLASK_DEBUG)")
    secret_problem = secret_key_problem(settings.get("SECRET_KEY") or "")
    if secret_problem:
        problems.append(secret_problem)
    keys_problem = health_keys_problem(settings.get("HEALTH_DATA_KEYS") or "")
    if keys_problem:
        problems.append(keys_problem)
    if settings.get("DEFAULT_DATABASE") or settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL")
    if settings.get("PASSWORD_HASH_COST", "standard") != "standard":
        problems.append("PASSWORD_HASH_COST must be standard (the cheap cost is for the test suite only)")
    if not str(settings.get("PUBLIC_URL", "")).startswith("https://"):
        problems.append("PUBLIC_URL must be the https:// address clients use (emailed links use it)")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
