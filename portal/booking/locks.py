"""Row locks for booking writes, in one fixed order: the client's users row
(`portal.accounts.locks.lock_client`), then appointment rows, then the therapist's row
(`portal.salon.locks.lock_therapist`, below staff, whose therapist edit takes it too).

Every write that changes an appointment (book, move, cancel, attendance) takes them before it
reads what it will decide on, so two requests for one client or one appointment take turns
instead of both acting on what they read before the other committed. Taking them always in
this order means two writes never wait for each other the other way round (a deadlock).
Kept apart from `services` so other features (attendance) can lock without importing booking's
whole write path.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.booking.models import Appointment
from portal.extensions import db


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
