"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Environment: PORT (default 8000) and WEB_CONCURRENCY (an upper bound on the worker count, for a
container whose CPU count overstates what it may use, or that is short of memory).
"""

import gc
import multiprocessing
import os
import re

from gunicorn.glogging import Logger

# Paths whose last part is a secret (confirm, reset and invitation links, unsubscribe links,
# private calendar feeds, report share links): an access log must not turn into a list of working
# links. A lasting-relief link's token is signed, not encrypted: it reads as the client's answer
# (client, area, 0-10 score), health data that must not sit in a log in plain text.
# tests/test_health.py checks every address of the app with a <token> is here.
_SECRET_PATH = re.compile(
    r"(/account/(?:confirm|reset-password|welcome)/|/calendar/|/unsubscribe/|/relief/(?!sessions/)|/shared/report/)"
    r"[^/?\s\"]+")


def redact(text: str) -> str:
    return _SECRET_PATH.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):
    """Gunicorn's logger, with the secret part of those paths replaced in the request line, the
    path and the referrer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


def _workers(environ) -> int:
    # The usual rule for synchronous workers: two per core, plus one.
    workers = multiprocessing.cpu_count() * 2 + 1
    cap = environ.get("WEB_CONCURRENCY")
    if cap:
        if int(cap) < 1:
            raise ValueError("WEB_CONCURRENCY must be at least 1")
        workers = min(workers, int(cap))
    return workers


workers = _workers(os.environ)
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Each worker imports the app itself: no database connection or Redis socket is shared across
# the fork, and a restart picks up new code.
preload_app = False



def post_worker_init(worker):
    """Once the worker has loaded the app: everything alive now (modules, the ORM's mappers, the
    routes, config) lives as long as the worker, so move it out of the garbage collector's sight
    (gc.freeze). A full collection then walks only what requests made since, instead of every
    object of the app: on the large salon's /admin that was a pause of tens of milliseconds every
    few hundred requests (ever more often as a busy page promotes its short-lived rows)."""
    gc.collect()
    gc.freeze()


accesslog = "-"
logger_class = RedactingLogger
# Gunicorn's default line, plus the time taken and the request id portal/security.py sends as
# X-Request-ID, so an access line matches the app's own log lines and error pages.
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     '%(L)ss request_id=%({x-request-id}o)s')
