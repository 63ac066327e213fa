"""A throwaway PostgreSQL database per test run, dropped afterwards."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.engine import make_url


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(base_url: str, label: str = "run") -> str:
    """Create an empty database next to `base_url`'s and return its SQLAlchemy URL."""
    name = f"portal_test_{label}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_conninfo(base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """End any session still holding the database (or DROP waits forever), then drop it."""
    name = make_url(url).database
    base = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_admin_conninfo(base), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
