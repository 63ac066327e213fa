"""Slowing down password guessing on one address without locking its owner out.

Hard limits (Flask-Limiter, in views.py) count failed logins per IP address and per IP address
plus email. Guesses spread over many IP addresses are answered by a wait instead: once an
address has had SLOWDOWN_FREE_FAILURES failed logins in the window (from anywhere), every
further attempt on it, right password or not, waits a little longer before it is checked. The
owner still gets in from their own device, just a few seconds later; no count ever refuses them.
"""

from __future__ import annotations

import time

from flask import current_app
from limits import RateLimitItemPerMinute

from portal.extensions import limiter

SLOWDOWN_FREE_FAILURES = 10  # twice the per-IP+email limit: typing errors never reach it
SLOWDOWN_WINDOW_MINUTES = 15
SLOWDOWN_FIRST_WAIT = 1.0  # seconds; doubles with each further failure
SLOWDOWN_MAX_WAIT = 5.0  # a waiting request holds a worker, so the wait stays short

# The counter is a window of the rate limiter's storage (Redis in production), so every worker
# and machine sees the same count; the amount is only a ceiling that is never reached.
_FAILURES = RateLimitItemPerMinute(1_000_000, SLOWDOWN_WINDOW_MINUTES)

sleep = time.sleep  # tests replace it to record the waits instead of sitting through them


def wait_seconds(recent_failures: int) -> float:
    """How long an attempt on an address waits, given its failed logins in the window."""
    extra = recent_failures - SLOWDOWN_FREE_FAILURES
    if extra < 0:
        return 0.0
    return min(SLOWDOWN_FIRST_WAIT * 2 ** extra, SLOWDOWN_MAX_WAIT)


def _identifiers(fingerprint: str) -> tuple[str, str]:
    return current_app.config["RATELIMIT_KEY_PREFIX"], "login-failures:" + fingerprint


def recent_failures(fingerprint: str) -> int:
    if not limiter.enabled:
        return 0
    stats = limiter.limiter.get_window_stats(_FAILURES, *_identifiers(fingerprint))
    return _FAILURES.amount - stats.remaining


def record_failure(fingerprint: str) -> None:
    if limiter.enabled:
        limiter.limiter.hit(_FAILURES, *_identifiers(fingerprint))


def slow_down(fingerprint: str) -> float:
    """Wait before checking a password for this address (email fingerprint); the seconds waited."""
    seconds = wait_seconds(recent_failures(fingerprint))
    if seconds:
        sleep(seconds)
    return seconds
