"""Domain events sent after commit, and the one commit per request.

Operations flush; whoever started the work commits once: the request (`commit_request`, an
after_request hook), a CLI command or a job. Follow-ups (emails today; reminders, waitlist
offers and audit entries tomorrow) subscribe in portal.listeners to the signals in
portal.signals, and `after_commit` queues a signal on the session so it is sent only once the
transaction has committed (see extensions.EventSession): an operation that rolls back sends
nothing, and two operations in one request share one transaction and one round of events.
"""

from __future__ import annotations

from blinker import Signal
from flask import Response

from portal.extensions import HAS_WRITES, KEPT_WRITES, PENDING_EVENTS, db


def after_commit(signal: Signal, **values) -> None:
    """Send `signal` with `values` when the current transaction commits; never if it rolls back."""
    db.session.info.setdefault(PENDING_EVENTS, []).append((signal, values))


def keep(statement, params: dict) -> None:
    """Write `statement` with `params` when the current transaction commits, and also when its
    other work rolls back: the write then waits for the next commit, and a request answered
    with an error (`commit_request`) commits it alone. For the record of what a page showed
    (health data on a form shown again with its mistakes) that must outlast the request's work."""
    db.session.info.setdefault(KEPT_WRITES, []).append((statement, params))


def pending() -> list[tuple[Signal, dict]]:
    """The events the current transaction will send on commit (for tests and logs)."""
    return list(db.session.info.get(PENDING_EVENTS, []))


def commit_request(response: Response) -> Response:
    """after_request: commit what the request's operations flushed (and send their events) when
    the answer is a success or a redirect; roll it back when the answer is an error.

    One hook rather than a commit in every view: a view cannot forget it, and a read that
    records something (the brief's access-log row) is committed by the request, not by itself.
    The writes given to `keep` are committed whatever the answer: with the rest below 400, alone
    after the rollback otherwise. If that commit fails, the request fails (500) and the page
    drawn is not sent.
    """
    session = db.session
    writes = session.info.get(HAS_WRITES) or session.new or session.dirty or session.deleted
    kept = session.info.get(KEPT_WRITES)
    if not writes and not session.info.get(PENDING_EVENTS) and not kept:
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
        if kept:  # what `keep` was given outlasts the rollback: committed on its own
            session.commit()
    return response
