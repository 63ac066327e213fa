"""The messages between visits as a periodic job: every scan of `portal.reminder_scans`, every
15 minutes, once per period across all consumers (`jobs.once_per_period`).

Each scan is idempotent (its messages are unique per kind and key in the outbox), so a late or
repeated run queues nothing twice; quiet hours are applied per message (`not_before`). Wiring
only: the scans themselves are plain functions of "now", tested without a queue.
"""

from __future__ import annotations

import logging

from huey import crontab

from portal import clock, jobs
from portal.extensions import db
from portal.reminder_scans import run_all

log = logging.getLogger("portal.reminders")


@jobs.once_per_period(crontab(minute="*/15"))
def run_reminder_scans() -> None:
    counts = run_all(clock.now())
    db.session.commit()  # the scans flush their outbox rows; the job commits once
    log.info("reminder scans queued %s", counts)
