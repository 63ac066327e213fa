"""Slowing down password guessing on one address without locking its owner out.

Hard limits count failed logins per IP address and per IP address plus email (`failed_logins_limited`). Guesses spread over many IP addresses are answered by a wait instead: once an
address has had SLOWDOWN_FREE_FAILURES failed logins in the window (from anywhere), every
further attempt on it, right password or not, waits a little longer before it is checked. The
owner still gets in from their own device, just a few seconds later; no count ever refuses them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, make_response, request
from limits import RateLimitItem, RateLimitItemPerMinute, parse_many

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


# A counter taken for this request: the limit and the storage key that identify it.
Taken = tuple[RateLimitItem, tuple[str, ...]]


def _take(rules: list[tuple[str, str]]) -> list[Taken] | None:
    """One attempt from every (limits, key) rule, or None (nothing kept) when one is used up.

    Each count is one atomic increment in the limiter's storage (Redis in production), so two
    attempts in flight on two machines can never both take the last one: the limit is exact under
    a storm, unlike a check before the attempt and a count after it."""
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    taken: list[Taken] = []
    for limits, key in rules:
        for item in parse_many(limits):
            who = (prefix, key)
            within = limiter.limiter.hit(item, *who)
            taken.append((item, who))
            if not within:
                _give_back(taken)
                return None
    return taken


def _give_back(taken: list[Taken]) -> None:
    """Undo the counts of an attempt that turned out not to count (a successful login)."""
    for item, who in taken:
        key = item.key_for(*who)
        if limiter.storage.incr(key, item.get_expiry(), amount=-1) < 0:
            limiter.storage.clear(key)  # the window ended in between: no credit into the next


def failed_logins_limited(*rules: Callable[[], tuple[str, str]]):
    """A POST to the wrapped view takes one attempt from each rule's limits (a setting's value
    such as "5 per minute; 30 per hour", and the key it counts under) before it runs, and gives it
    back when the view answers with a redirect (logged in). Over any limit: 429, and the view does
    not run, so a right password is not even checked."""

    def decorate(view):
        @wraps(view)
        def limited(*args, **kwargs):
            if request.method != "POST" or not limiter.enabled:
                return view(*args, **kwargs)
            taken = _take([rule() for rule in rules])
            if taken is None:
                abort(429)
            response = make_response(view(*args, **kwargs))
            if response.status_code == 302:
                _give_back(taken)
            return response

        return limited

    return decorate
