"""Queue an email in the caller's transaction; claim, mark and list queued email.

`queue_email` is the one way the portal sends email. It renders the message now (links and
names as they are in this transaction), inserts one row with a unique (kind, key) and flushes:
queueing the same message again returns False and adds nothing. Once the transaction commits,
`email_queued` (an after-commit event) has the delivery job queued (portal/outbox/tasks.py),
so a transaction that rolls back neither keeps the row nor sends anything.

Delivery (the job) claims the row with one conditional UPDATE, so of two jobs for one message
only one sends; the claim is a lease (`locked_until`), not a database lock held while the mail
server is slow, so SQLite writers are never blocked by SMTP. A job that died mid-send leaves the
row claimed until the lease ends; then it may be sent again (at least once, never lost).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, events
from portal.extensions import db
from portal.mail import render_email
from portal.outbox.models import DEAD, FAILED, QUEUED, SENDING, SENT, STATUSES, OutboxMessage
from portal.signals import email_queued

log = logging.getLogger("portal.outbox")

# How long a job may hold a message it is sending before another job may try it again.
LEASE = timedelta(minutes=5)
_AFTER_RESPONSE = "outbox_after_response"


def _no_address(kind: str, to: str | None, user_id: int | None) -> bool:
    """A client reception added by phone has no email address: nothing is queued for them (the
    salon tells them by phone), and the caller's other messages go on."""
    if to:
        return False
    log.info("email skipped (no address) kind=%s user_id=%s", kind, user_id)
    return True


def queue_email(*, kind: str, key: str, to: str | None, subject: str, template: str, context: dict,
                user_id: int | None = None, appointment_id: int | None = None,
                not_before: datetime | None = None, transactional: bool = True,
                headers: dict[str, str] | None = None) -> bool:
    """Render `template` with `context` and queue it for `to`, in the caller's transaction.

    False (and nothing added) when a message of this `kind` and `key` was queued before, or when
    there is no address to send it to. It is delivered after the transaction commits, no earlier
    than `not_before` (aware UTC); `headers` are added to the email (e.g. List-Unsubscribe).
    Flushes, never commits.
    """
    if _no_address(kind, to, user_id):
        return False
    body, html = render_email(template, **context)
    return _insert(kind=kind, key=key, to=to, subject=subject, body=body, html=html, user_id=user_id,
                   appointment_id=appointment_id, not_before=not_before, transactional=transactional,
                   headers=headers)


def _insert(*, kind, key, to, subject, body, html, user_id=None, appointment_id=None, not_before=None,
            transactional=True, headers=None) -> bool:
    exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == kind, OutboxMessage.key == key))
    if exists is not None:
        log.info("email already queued kind=%s key=%s", kind, key)
        return False
    now = clock.now()
    message = OutboxMessage(kind=kind, key=key, to=to, subject=subject, body=body, html=html,
                            headers=dict(headers or {}), transactional=transactional, user_id=user_id,
                            appointment_id=appointment_id, status=QUEUED, attempts=0, created_at=now,
                            not_before=not_before, next_attempt_at=max(now, not_before or now))
    # A SAVEPOINT: two transactions queueing the same message at once (a double-submitted form)
    # meet on the unique constraint; the loser keeps its other work and queues nothing.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError as error:
        if not any(name in str(error) for name in ("uq_outbox_messages_kind_key", "outbox_messages.kind")):
            raise
        log.info("email queued concurrently kind=%s key=%s", kind, key)
        return False
    events.after_commit(email_queued, message_id=message.id, not_before=message.next_attempt_at)
    log.info("email queued id=%s kind=%s", message.id, kind)
    return True


@dataclass(frozen=True)
class PreparedEmail:
    """A rendered email waiting for the response to be sent before it is queued."""

    kind: str
    key: str
    to: str
    subject: str
    body: str
    html: str
    user_id: int | None = None


def queue_email_after_response(*, kind: str, key: str, to: str | None, subject: str, template: str,
                               context: dict, user_id: int | None = None) -> None:
    """`queue_email`, but inside a request the row is written once the response has gone out,
    so how long a request takes cannot show whether it sent mail (whether an address has an
    account). Rendered now; queued by `portal.outbox.tasks.queue_after_response`. Outside a
    request it is `queue_email` in the caller's transaction."""
    if _no_address(kind, to, user_id):
        return
    if not has_request_context():
        queue_email(kind=kind, key=key, to=to, subject=subject, template=template, context=context,
                    user_id=user_id)
        return
    body, html = render_email(template, **context)
    g.setdefault(_AFTER_RESPONSE, []).append(PreparedEmail(kind, key, to, subject, body, html, user_id))


def take_after_response() -> list[PreparedEmail]:
    """The emails this request prepared for after its response (and forget them)."""
    return g.pop(_AFTER_RESPONSE, [])


def insert_prepared(email: PreparedEmail) -> bool:
    return _insert(kind=email.kind, key=email.key, to=email.to, subject=email.subject, body=email.body,
                   html=email.html, user_id=email.user_id)


# --- delivery (called by the job, which commits) ---------------------------------------------


def claim(message_id: int) -> OutboxMessage | None:
    """Take the message for one try, or None when it is sent, dead, not due or another job holds
    it. One conditional UPDATE: of two jobs racing for it, only one gets a row back."""
    now = clock.now()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               or_(OutboxMessage.status.in_((QUEUED, FAILED)),
                   (OutboxMessage.status == SENDING) & (OutboxMessage.locked_until < now)),
               or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now))
        .values(status=SENDING, locked_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    return message


def mark_sent(message: OutboxMessage) -> None:
    message.status, message.sent_at, message.locked_until = SENT, clock.now(), None
    message.last_error = None
    message.body = message.html = None  # the history keeps what, when and to whom; not the links
    message.headers = {}
    db.session.flush()


def retry_delay(attempts: int) -> timedelta:
    """Wait before try `attempts + 1`: OUTBOX_RETRY_SECONDS, doubled after each failure, capped."""
    config = current_app.config
    seconds = config["OUTBOX_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_RETRY_MAX_SECONDS"]))


def mark_failed(message: OutboxMessage, error: str, *, permanent: bool = False) -> datetime | None:
    """Record a failed try; when the next try is due, or None when the message is now dead."""
    message.last_error, message.locked_until = error[:500], None
    if permanent or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = DEAD
        db.session.flush()
        log.error("email dead id=%s kind=%s attempts=%s", message.id, message.kind, message.attempts)
        return None
    message.status = FAILED
    message.next_attempt_at = clock.now() + retry_delay(message.attempts)
    db.session.flush()
    log.warning("email failed id=%s kind=%s attempts=%s retry_at=%s", message.id, message.kind,
                message.attempts, message.next_attempt_at.isoformat())
    return message.next_attempt_at


def due(limit: int = 500) -> list[int]:
    """Ids of messages waiting whose time has come (the sweep re-queues them: a job lost with
    a consumer, or an enqueue that failed after the commit, is picked up again)."""
    now = clock.now()
    return list(db.session.scalars(
        select(OutboxMessage.id)
        .where(or_(OutboxMessage.status.in_((QUEUED, FAILED)),
                   (OutboxMessage.status == SENDING) & (OutboxMessage.locked_until < now)),
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ))


def withdraw(*, user_id: int | None = None, appointment_id: int | None = None,
             kinds: tuple[str, ...] | None = None, transactional: bool | None = None) -> int:
    """Delete the messages matching every condition given that have not gone yet and that no job
    is sending (queued, waiting for a retry, or dead: the admin must not resend one either): what
    they say stopped being true (a reminder for an appointment cancelled or moved), or their
    person said no more (turned that kind off, deleted the account). How many went. A message a
    job holds is already on its way. A job that comes for a deleted one finds nothing to claim.
    Flushes with the caller's transaction, never commits."""
    if user_id is None and appointment_id is None:
        raise ValueError("withdraw whose messages? name a person or an appointment")
    conditions = [OutboxMessage.status.in_((QUEUED, FAILED, DEAD))]
    if user_id is not None:
        conditions.append(OutboxMessage.user_id == user_id)
    if appointment_id is not None:
        conditions.append(OutboxMessage.appointment_id == appointment_id)
    if kinds is not None:
        conditions.append(OutboxMessage.kind.in_(kinds))
    if transactional is not None:
        conditions.append(OutboxMessage.transactional.is_(transactional))
    gone = db.session.execute(delete(OutboxMessage).where(*conditions)
                              .execution_options(synchronize_session="fetch")).rowcount
    if gone:
        log.info("emails withdrawn count=%s user_id=%s appointment_id=%s kinds=%s", gone, user_id,
                 appointment_id, kinds)
    return gone


def forget_person(user_id: int) -> int:
    """Delete every message to this person but one a job is sending right now (it finishes):
    their account is being deleted, so nothing still waiting goes to them (a reminder held for
    08:00, a retry, a dead one the admin could resend) and no history of what was sent (address,
    subjects, times) stays behind under an emptied user_id; how many went. Flushes with the
    caller's transaction."""
    gone = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.user_id == user_id, OutboxMessage.status != SENDING)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if gone:
        log.info("emails forgotten count=%s user_id=%s", gone, user_id)
    return gone


def purge_delivered(older_than: timedelta) -> int:
    """Delete delivered messages sent more than `older_than` ago; how many went."""
    cutoff = clock.now() - older_than
    return db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.status == SENT, OutboxMessage.sent_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount


# --- the admin's dead letters and the client's history ---------------------------------------


def counts() -> dict[str, int]:
    """How many messages are in each status."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: 0 for status in STATUSES} | {status: count for status, count in rows}


def undelivered(limit: int = 200) -> list[OutboxMessage]:
    """Messages that failed (still being retried) or are dead, newest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_((FAILED, DEAD)))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ))


class NotResendable(Exception):
    """Only a failed or dead message can be sent again."""


def resend(actor, message_id: int) -> tuple[OutboxMessage, str] | None:
    """Give a failed or dead message a fresh set of tries, sent once the transaction commits:
    (the message, its status before). None if there is no such message; NotResendable if it is
    not failed or dead."""
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        return None
    if message.status not in (FAILED, DEAD):
        raise NotResendable(message.status)
    before = message.status
    now = clock.now()
    message.status, message.attempts, message.next_attempt_at, message.locked_until = QUEUED, 0, now, None
    message.not_before = None
    db.session.flush()
    events.after_commit(email_queued, message_id=message.id, not_before=now)
    log.info("email resend id=%s by user_id=%s", message.id, actor.id)
    return message, before


def sent_to(user_id: int, limit: int = 100) -> list[OutboxMessage]:
    """What was emailed to this user, newest first: delivered messages (kind, subject, to,
    sent_at). Rows are kept OUTBOX_KEEP_DAYS."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user_id, OutboxMessage.status == SENT)
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ))
