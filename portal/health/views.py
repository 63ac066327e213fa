"""`/healthz` says the process answers; `/readyz` says it can serve: the database and, when
configured, Redis (the rate limiter's storage) and the job queue are reachable.

Both are public (the load balancer has no login), GET only (so CSRF never applies), exempt from
rate limits (probes come every few seconds from one address) and never cached. A failure names
only the dependency that failed: no exception text, which could carry a host or a user name.
"""

from __future__ import annotations

import logging

import redis
from flask import current_app, jsonify
from flask.wrappers import Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import jobs
from portal.access import public
from portal.extensions import db, limiter
from portal.health import bp

log = logging.getLogger("portal.health")

OK = "ok"
FAILED = "failed"
NOT_CONFIGURED = "not configured"
# Short, so a dead Redis makes the probe fail well inside the load balancer's own timeout.
REDIS_TIMEOUT_SECONDS = 2.0


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@public
@limiter.exempt
def healthz():
    # Nothing but the process: a database outage must not get every worker restarted.
    return _no_store(current_app.response_class("ok", mimetype="text/plain"))


def _check_database() -> str:
    # A connection of its own rather than db.session: the probe leaves the request's
    # session (and its commit hook) untouched.
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return FAILED
    return OK


def _check_redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                  socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        log.warning("readiness: redis unreachable (%s)", type(error).__name__)
        return FAILED
    finally:
        client.close()
    return OK


def _check_job_queue() -> str:
    # Immediate mode (tests) has no queue to reach; otherwise a Redis ping or a read of the
    # SQLite file (portal/jobs.py).
    if jobs.backend() == "immediate":
        return NOT_CONFIGURED
    try:
        jobs.reachable()
    except Exception as error:  # redis.RedisError, OSError, sqlite3.Error: only the name is logged
        log.warning("readiness: job queue unreachable (%s)", type(error).__name__)
        return FAILED
    return OK


@bp.get("/readyz")
@public
@limiter.exempt
def readyz():
    checks = {"database": _check_database(), "redis": _check_redis(), "job_queue": _check_job_queue()}
    status = 503 if FAILED in checks.values() else 200
    response = jsonify(checks)
    response.status_code = status
    return _no_store(response)
