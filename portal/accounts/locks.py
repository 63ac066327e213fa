"""The client's row lock: every write that decides on what a client already has (a booking, a
profile save, a check-in, a reminder's answer) takes it first, so two of them for one client take
turns instead of both acting on what they read before the other committed.

It is the first lock any of those writes takes (booking's appointment and therapist locks come
after it, `portal.booking.locks`), so two writes never wait for each other in opposite orders.
"""

from __future__ import annotations

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.extensions import db


def lock_client(client_id: int) -> None:
    """Hold the client's users row until this transaction ends: one client's writes take turns,
    so each sees what the one before it did. Read what the write decides on after it.

    SQLite has no row locks: a no-op UPDATE takes
    its database write lock instead, so the reads that follow are current and nobody else
    writes until we commit or roll back.
    """
    users = User.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(users).where(users.c.id == client_id).values(id=users.c.id))
    else:
        # NO KEY UPDATE: the writes take turns, while rows merely pointing at the client (a
        # check-in, feedback) are not held up.
        db.session.execute(select(users.c.id).where(users.c.id == client_id).with_for_update(key_share=True))
