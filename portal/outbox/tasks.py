"""The outbox's jobs: deliver one message, re-queue what is due, purge old deliveries; and the
hooks that queue them (after the commit, after the response).

Each job is its own unit of work and commits. Delivery: claim the row (committed before the
mail server is contacted, so a second job for the same message finds it taken), send, mark it
sent; a failure records the error and queues the next try with backoff, and the last failure
leaves the message dead, on the admin's outbox page.
"""

from __future__ import annotations

import logging
import threading
import smtplib
from datetime import datetime, timedelta

from flask import current_app
from huey import crontab

from portal import jobs
from portal.extensions import db
from portal.jobs import huey
from portal.mail import send_mail
from portal.outbox import services

log = logging.getLogger("portal.outbox")


@huey.task(name="deliver_email")
@jobs.in_app_context
def deliver_email(message_id: int) -> None:
    deliver(message_id)


def deliver(message_id: int) -> bool:
    """Try to send message `message_id` once; whether it was sent by this call."""
    message = services.claim(message_id)
    if message is None:
        db.session.rollback()
        log.info("email not claimed id=%s (sent, dead, not due or taken)", message_id)
        return False
    to, subject, body, html, headers = message.to, message.subject, message.body or "", message.html, message.headers
    db.session.commit()  # the claim holds before the mail server is contacted
    try:
        send_mail(to, subject, body, html, headers=headers or None)
    except Exception as error:  # the mail server down, slow, or refusing: retried, then dead
        permanent = isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
        if not isinstance(error, (smtplib.SMTPException, OSError)):
            log.exception("email send raised id=%s", message_id)
        next_try = services.mark_failed(message, f"{type(error).__name__}: {error}", permanent=permanent)
        db.session.commit()
        if next_try is not None:
            jobs.enqueue_at(deliver_email, (message_id,), not_before=next_try)
        return False
    services.mark_sent(message)
    db.session.commit()
    log.info("email sent id=%s", message_id)
    return True


def on_email_queued(sender, message_id: int, not_before: datetime | None = None, **extra) -> None:
    """Listener of `email_queued` (after the commit): queue the delivery job. If the queue is
    unreachable the row waits in the database and the sweep queues it later: nothing is lost."""
    try:
        jobs.enqueue_at(deliver_email, (message_id,), not_before=not_before)
    except Exception:
        log.exception("delivery job not queued id=%s (the sweep will)", message_id)


def queue_after_response(response):
    """after_request (registered before events.commit_request, so it runs after the commit):
    once the server has written the response, write the emails this request prepared with
    `services.queue_email_after_response` and commit them (which queues their delivery)."""
    prepared = services.take_after_response()
    if prepared:
        write = _WriteOnce(current_app._get_current_object(), prepared)
        response.call_on_close(write)
        # A fallback, in case the server never closes the response: Werkzeug's development
        # server (make run, the browser tests) skips close() when the client has already reset
        # the connection (seen after a redirect). Whichever comes first writes; the other does nothing.
        timer = threading.Timer(AFTER_RESPONSE_FALLBACK_SECONDS, write)
        timer.daemon = True
        timer.start()
    return response


AFTER_RESPONSE_FALLBACK_SECONDS = 2.0


class _WriteOnce:
    """Write one request's prepared emails exactly once, from whichever caller comes first."""

    def __init__(self, app, prepared: list[services.PreparedEmail]):
        self.app, self.prepared = app, prepared
        self._lock, self._done = threading.Lock(), False

    def __call__(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        _write_prepared(self.app, self.prepared)


def _write_prepared(app, prepared: list[services.PreparedEmail]) -> None:
    with app.app_context():
        try:
            for email in prepared:
                services.insert_prepared(email)
            db.session.commit()
        except Exception:  # one bad message must not break the server's closing of the response
            db.session.rollback()
            log.exception("emails after the response not queued kinds=%s", [e.kind for e in prepared])
        finally:
            db.session.remove()


@jobs.once_per_period(crontab(minute="*/5"))
def sweep_outbox() -> None:
    """Every five minutes: queue delivery of every message whose time has come and that no job
    has (a job lost with a consumer, a retry, an enqueue that failed after the commit)."""
    ids = services.due()
    db.session.rollback()
    for message_id in ids:
        deliver_email(message_id)
    if ids:
        log.info("sweep queued %s emails", len(ids))


@jobs.once_per_period(crontab(minute="17", hour="3"))
def purge_outbox() -> None:
    """Every night (03:17 UTC): delete delivered messages older than OUTBOX_KEEP_DAYS."""
    gone = services.purge_delivered(timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"]))
    db.session.commit()
    log.info("purged %s delivered emails", gone)
