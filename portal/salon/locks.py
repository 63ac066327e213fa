"""The therapist's row lock: a booking or a move holds it (shared) from its last check of the
therapist to its commit, and a change to the therapist (the rota's hours and standing, the staff
page's qualifications and services) holds it (exclusive) before it writes, so the two take turns.

It is the last lock a booking write takes (after `portal.accounts.locks.lock_client` and
`portal.booking.locks.lock_appointment`); a change to the therapist takes no other.
Here, below staff and booking, because both take it.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.salon.models import Therapist, WorkingHours


def lock_therapist(therapist_id: int, *, to_change: bool = False) -> Therapist | None:
    """The therapist with their weekly hours, qualifications and services, read again as they are
    now and held until this transaction ends, so a booking and a change to any of those never both
    act on what they read before the other committed (a time booked in hours that were cut at the
    same moment; a pregnant client booked with a therapist whose training was taken away, whose
    re-check ran before the booking committed).

    A booking or a move (the last lock it takes, after the client's and the appointment's):
    FOR KEY SHARE on PostgreSQL, so bookings of one therapist do not wait for each other (the
    guard's cells decide between them) but do wait for a change to the therapist, and a change
    waits for them. On SQLite the booking's `lock_client` already holds the database's write lock.
    `to_change` (the rota: hours, standing; staff: qualifications, services): FOR UPDATE on
    PostgreSQL, a no-op UPDATE on SQLite. A change's own UPDATE of the row (a version claim) takes
    only FOR NO KEY UPDATE, which a booking's FOR KEY SHARE does not wait for: take this first.
    """
    therapists = Therapist.__table__
    query = select(Therapist).where(Therapist.id == therapist_id)
    if db.session.get_bind().dialect.name == "sqlite":
        if to_change:
            db.session.execute(update(therapists).where(therapists.c.id == therapist_id)
                               .values(id=therapists.c.id))
    else:
        query = query.with_for_update(of=Therapist, read=not to_change, key_share=not to_change)
    # populate_existing: the hours, qualifications and services this session read earlier (the
    # booking's first gate check, before any lock) are replaced by the current ones.
    return db.session.scalar(query.options(selectinload(Therapist.working_hours).joinedload(WorkingHours.location),
                                           selectinload(Therapist.qualifications), selectinload(Therapist.services))
                             .execution_options(populate_existing=True))
