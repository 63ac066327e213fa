"""A pooled connection is tested before use only after sitting idle (portal.extensions.ping_when_idle):
no round trip per request for a connection in steady use, and a dead one is still replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from portal import extensions
from portal.config import load_settings
from portal.extensions import ping_when_idle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pooled(tmp_path, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(extensions, "_monotonic", clock)
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", poolclass=QueuePool, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection):
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    ping_when_idle(engine, idle_seconds=10)
    yield engine, clock, pings
    engine.dispose()


def _one(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("select 1")).scalar_one()


def test_a_connection_in_steady_use_is_not_tested(pooled):
    engine, clock, pings = pooled
    for _ in range(5):
        assert _one(engine) == 1
        clock.now += 9
    assert pings == []


def test_a_connection_idle_past_the_limit_is_tested_once(pooled):
    engine, clock, pings = pooled
    _one(engine)
    clock.now += 11
    _one(engine)
    _one(engine)
    assert len(pings) == 1


def test_a_dead_idle_connection_is_replaced_before_the_request_sees_it(pooled):
    engine, clock, pings = pooled
    with engine.connect() as connection:
        first = connection.connection.dbapi_connection
    first.close()  # as a database restart or a proxy's idle timeout would
    clock.now += 60
    with engine.connect() as connection:
        assert connection.execute(text("select 1")).scalar_one() == 1
        assert connection.connection.dbapi_connection is not first
    assert pings[0] is first


def test_the_portal_tests_idle_connections_instead_of_every_checkout(tmp_path):
    settings = load_settings({"PORTAL_ENV": "development"}, str(tmp_path))
    assert "pool_pre_ping" not in settings["SQLALCHEMY_ENGINE_OPTIONS"]
    assert settings["DB_IDLE_PING_SECONDS"] == 10
