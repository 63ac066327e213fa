"""The one door to the outbox: `queue_email`, with the outbox engine's own signature.

The engine (portal.outbox, built in parallel: a table unique on (kind, key), delivery after
commit with retries) is not on this branch yet. Until it is, this body renders and sends at
once with `mail.send_template` and remembers (kind, key) in memory, per app, so the scans are
idempotent and tests can read what went. When the engine lands, the body becomes
`return outbox.services.queue_email(**arguments)` and `sent_to` reads `outbox.services.sent_to`;
nothing else in the reminders feature changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from portal import clock
from portal.mail import send_template


@dataclass(frozen=True)
class Sent:
    kind: str
    key: str
    to: str
    subject: str
    user_id: int | None
    appointment_id: int | None
    queued_at: datetime
    not_before: datetime | None
    transactional: bool
    headers: dict = field(default_factory=dict)


def _record() -> dict[tuple[str, str], Sent]:
    """(kind, key) -> what was queued, for this app (stand-in for the outbox table)."""
    return current_app.extensions.setdefault("reminders_sent", {})


def queue_email(*, kind: str, key: str, to: str, subject: str, template: str, context: dict,
                user_id: int | None = None, appointment_id: int | None = None,
                not_before: datetime | None = None, transactional: bool = True,
                headers: dict | None = None) -> bool:
    """Queue one message; False (and nothing sent) when (kind, key) was queued before."""
    record = _record()
    if (kind, key) in record:
        return False
    record[(kind, key)] = Sent(kind, key, to, subject, user_id, appointment_id, clock.now(), not_before,
                               transactional, dict(headers or {}))
    # Stand-in delivery: now, headers aside (the engine sets them on the message it builds).
    send_template(to, subject, template, **context)
    return True


def sent_to(user_id: int) -> list[Sent]:
    """What was sent to this person, newest first (the account page's history)."""
    mine = [sent for sent in _record().values() if sent.user_id == user_id]
    return sorted(mine, key=lambda sent: sent.queued_at, reverse=True)
