"""The job queue: one Huey instance, its storage chosen from the settings, and the helpers every
job uses (an app context per job, periodic work that runs once per period across consumers).

Storage (portal/config.py): Redis when `HUEY_REDIS_URL` is set (or `REDIS_URL` in production),
so any number of consumers on any number of machines share one queue; otherwise a SQLite file
(`HUEY_SQLITE_PATH`, next to the development database), so `make run` needs nothing installed.
Tests run each job at once, in the process and app context that queued it (`HUEY_IMMEDIATE`).

Consumers are their own processes: `huey_consumer wsgi.huey -w 2 -k thread` (wsgi builds the
app, which configures this instance and imports every task). A job never uses the request's
`g`; it gets an app context of its own (or the caller's, in immediate mode).
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from flask import Flask, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from huey.exceptions import TaskLockedException
from redis import ConnectionPool

from portal import clock
from portal.extensions import db

log = logging.getLogger("portal.jobs")

# Created at import so tasks can be declared with `@huey.task()`; `configure` gives it storage.
# results=False: no job returns anything worth keeping, so nothing piles up in the storage.
huey = Huey("portal", storage_class=MemoryStorage, utc=True, results=False)

_app: Flask | None = None

REDIS_CONNECT_TIMEOUT = 3
REDIS_TIMEOUT = 10

# How far back `period_start` looks for the crontab's last matching minute (a weekly job's).
_LOOK_BACK = timedelta(days=8)


def configure(app: Flask) -> None:
    """Point the queue at this app's storage; jobs run in this app (the last one configured)."""
    global _app
    config = app.config
    huey.name = config["HUEY_NAME"]
    if config["HUEY_REDIS_URL"]:
        # Timeouts, so a Redis that stopped answering fails a probe or an enqueue instead of
        # hanging it; longer than the consumer's blocking read (1 s).
        pool = ConnectionPool.from_url(config["HUEY_REDIS_URL"], socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
                                       socket_timeout=REDIS_TIMEOUT)
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"connection_pool": pool}
    else:
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": config["HUEY_SQLITE_PATH"]}
    if huey.immediate != config["HUEY_IMMEDIATE"]:
        huey.immediate = config["HUEY_IMMEDIATE"]  # rebuilds the storage
    else:
        huey.storage = huey.create_storage()
    _app = app


def backend() -> str:
    """"redis", "sqlite" or "immediate" (jobs run at once, nothing to reach)."""
    if huey.immediate:
        return "immediate"
    return "redis" if isinstance(huey.storage, RedisStorage) else "sqlite"


def reachable() -> bool:
    """Whether the queue's storage answers: a Redis ping, or a read of the SQLite file."""
    storage = huey.storage
    if isinstance(storage, RedisStorage):
        return bool(storage.conn.ping())
    if isinstance(storage, SqliteStorage):
        storage.sql("select count(*) from task", results=True)
        return True
    return True


def in_app_context(fn):
    """Run the job inside an app context: the caller's in immediate mode, else the configured
    app's, with its database session removed afterwards (a consumer thread keeps none)."""
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        if _app is None:
            raise RuntimeError("the job queue is not configured: build the app first (wsgi)")
        with _app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()
    return inner


def period_start(validate_datetime, now: datetime) -> datetime:
    """The latest minute at or before `now` (UTC) that `validate_datetime` (a huey crontab)
    accepts: the period a periodic job run belongs to, whichever consumer runs it and however
    late. Falls back to `now`'s minute when nothing in the last eight days matches."""
    minute = now.replace(second=0, microsecond=0, tzinfo=None)
    earliest = minute - _LOOK_BACK
    probe = minute
    while probe >= earliest:
        if validate_datetime(probe):
            return probe
        probe -= timedelta(minutes=1)
    return minute


def once_per_period(validate_datetime, *, name: str | None = None, **task_options):
    """`@huey.periodic_task(validate_datetime)` that does its work once per period across every
    consumer: each consumer's scheduler enqueues the task, a lock (huey.lock_task, atomic in
    Redis and SQLite) lets one run at a time, and the period it last completed (kept in the
    queue's storage) makes the others return without working. Periods are read from
    `validate_datetime` on the clock's UTC time (portal.clock); the function runs in an app
    context and returns whether it did the work."""
    def decorator(fn):
        task_name = name or fn.__name__
        label = f"{fn.__module__}.{task_name}"
        done_key = f"periodic-done:{label}"

        def run_once() -> bool:
            period = period_start(validate_datetime, clock.now()).isoformat()
            try:
                with huey.lock_task(f"periodic:{label}"):
                    if huey.get(done_key, peek=True) == period:
                        log.info("periodic %s already done for %s", label, period)
                        return False
                    in_app_context(fn)()
                    huey.put(done_key, period)
            except TaskLockedException:
                log.info("periodic %s is running elsewhere", label)
                return False
            return True

        run_once.__name__, run_once.__module__ = task_name, fn.__module__
        task = huey.periodic_task(validate_datetime, name=task_name, **task_options)(run_once)
        task.run_once = run_once
        return task
    return decorator


def enqueue_at(task, args: tuple, *, not_before: datetime | None = None) -> None:
    """Queue `task(*args)`, no earlier than `not_before` (aware, on the clock's time)."""
    delay = (not_before - clock.now()).total_seconds() if not_before else 0
    if delay > 0:
        task.schedule(args, delay=delay)
    else:
        task(*args)
