"""Row locks for booking writes, in one fixed order: the client's users row
(`portal.accounts.locks.lock_client`), then appointment rows, then the therapist's row.

Every write that changes an appointment (book, move, cancel, attendance) takes them before it
reads what it will decide on, so two requests for one client or one appointment take turns
instead of both acting on what they read before the other committed. Taking them always in
this order means two writes never wait for each other the other way round (a deadlock).
Kept apart from `services` so other features (attendance) can lock without importing booking's
whole write path.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal.booking.models import Appointment
from portal.extensions import db
from portal.salon.models import Therapist, WorkingHours


def lock_appointment(appointment_id: int, client_id: int | None = None) -> Appointment | None:
    """The appointment row, locked until this transaction ends and re-read as it is now.

    Call `lock_client` for its client first (the fixed lock order). `client_id` limits it to
    that client's own appointment; anyone else's reads as missing.
    """
    query = select(Appointment).where(Appointment.id == appointment_id)
    if client_id is not None:
        query = query.where(Appointment.client_id == client_id)
    # OF appointments: lock only this row (not the joined therapist, salon, service); NO KEY
    # UPDATE, as an UPDATE of it would (notes and feedback pointing at it are not held up); and
    # populate_existing: replace a copy this session read before the lock with the current one.
    return db.session.scalar(query.with_for_update(of=Appointment, key_share=True)
                             .execution_options(populate_existing=True))


def lock_therapist(therapist_id: int, *, to_change: bool = False) -> Therapist | None:
    """The therapist with their weekly hours, read again as they are now and held until this
    transaction ends, so a booking and a change to those hours never both act on what they read
    before the other committed (a time booked in hours that were cut at the same moment).

    A booking or a move (the last lock it takes, after the client's and the appointment's):
    FOR KEY SHARE on PostgreSQL, so bookings of one therapist do not wait for each other (the
    guard's cells decide between them) but do wait for a change to the therapist, and a change
    waits for them. On SQLite the booking's `lock_client` already holds the database's write lock.
    `to_change` (the rota: hours, standing): FOR UPDATE on PostgreSQL, a no-op UPDATE on SQLite.
    """
    therapists = Therapist.__table__
    query = select(Therapist).where(Therapist.id == therapist_id)
    if db.session.get_bind().dialect.name == "sqlite":
        if to_change:
            db.session.execute(update(therapists).where(therapists.c.id == therapist_id)
                               .values(id=therapists.c.id))
    else:
        query = query.with_for_update(of=Therapist, read=not to_change, key_share=not to_change)
    # populate_existing: the hours this session read earlier are replaced by the current ones.
    return db.session.scalar(query.options(selectinload(Therapist.working_hours).joinedload(WorkingHours.location))
                             .execution_options(populate_existing=True))
