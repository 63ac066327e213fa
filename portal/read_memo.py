"""Reads remembered for the rest of one transaction, so a page built from several panels reads
the client's profile, visits and feedback once instead of once per panel.

`@remembered` keys a read by its arguments and the minute on the clock (`clock.now()`, which
tests set). What
it remembers lives in the session's `info` and is forgotten whenever the session writes
anything (a flush, an UPDATE/DELETE statement) or takes a row lock (SELECT ... FOR UPDATE), and
when its transaction ends (commit, rollback, close): a page drawn after a write, or an operation
that waited for a lock, reads afresh, and nothing outlives the request.
Only for reads whose result depends on the database and their arguments alone.
"""

from __future__ import annotations

from functools import wraps

from sqlalchemy import event

from portal import clock
from portal.extensions import EventSession, db

MEMO = "portal_read_memo"


def remembered(read):
    """Remember `read(*args)` for the rest of the transaction (positional, hashable arguments)."""

    @wraps(read)
    def remembering(*args):
        session = db.session()  # the request's own session, looked up once (not at each attribute)
        if _unflushed(session):
            return read(*args)  # unflushed changes: read through the autoflush, as without the memo
        memo = session.info.setdefault(MEMO, {})
        key = _key(read, args)
        if key not in memo:
            memo[key] = read(*args)
        value = memo[key]
        return list(value) if isinstance(value, list) else value  # a caller's edits stay its own

    remembering.unremembered = read
    return remembering


def remember(read, args: tuple, value) -> None:
    """Store what `read(*args)` (a `@remembered` read) would return, found by a wider query."""
    session = db.session()
    if not _unflushed(session):
        session.info.setdefault(MEMO, {})[_key(read, args)] = value


def _key(read, args: tuple) -> tuple:
    # The minute on the clock is part of the key: a test that moves the clock reads afresh,
    # and a read about "now" is never more than a minute old (nor outlives its request).
    return read.__module__, read.__qualname__, args, clock.now().replace(second=0, microsecond=0)


def _unflushed(session) -> bool:
    return bool(session.new or session.dirty or session.deleted)


def forget(session) -> None:
    session.info.pop(MEMO, None)


@event.listens_for(EventSession, "after_flush")
def _forget_after_flush(session, flush_context) -> None:
    forget(session)


@event.listens_for(EventSession, "do_orm_execute")
def _forget_after_statement_writes_and_locks(state) -> None:
    # A write statement, or a locking read (SELECT ... FOR UPDATE, as booking/locks.py takes):
    # whoever waited for a lock must see what the holder committed meanwhile, not an earlier read.
    locking = state.is_select and getattr(state.statement, "_for_update_arg", None) is not None
    if state.is_insert or state.is_update or state.is_delete or locking:
        forget(state.session)


@event.listens_for(EventSession, "after_transaction_end")
def _forget_when_the_transaction_ends(session, transaction) -> None:
    forget(session)
