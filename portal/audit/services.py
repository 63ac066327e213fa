"""Record staff views of health data; list them for the client."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import bindparam, insert, select

from portal import clock, events
from portal.accounts.models import User
from portal.audit.models import AdminChange, HealthAccess
from portal.extensions import RUNS_ALONE, db

log = logging.getLogger("portal.audit")


_RECORD_ACCESS = insert(HealthAccess.__table__)  # built once; the values are bound per call
_ALONE, _IN_THE_TRANSACTION = {RUNS_ALONE: True}, {}
_ACCESS_COLUMNS = ("client_id", "viewer_id", "viewer_name", "viewer_role", "what", "at", "request_id")
# The same row written by a read it rides with (`RecordingRead`), its values bound as access_*.
_RECORD_ACCESS_WITH_A_READ = (
    insert(HealthAccess.__table__).values({name: bindparam(f"access_{name}") for name in _ACCESS_COLUMNS})
    .returning(HealthAccess.__table__.c.id).cte("health_access_recorded"))


def _access_row(viewer: User | None, client_id: int, what: str, viewer_name: str | None,
                viewer_role: str | None) -> dict:
    if viewer is None and not (viewer_name and viewer_role):
        raise ValueError("a view by someone who is not a user needs a viewer_name and viewer_role")
    return {"client_id": client_id, "viewer_id": viewer.id if viewer else None,
            "viewer_name": (viewer_name or viewer.name)[:120], "viewer_role": (viewer_role or viewer.role)[:20],
            "what": what[:120], "at": clock.now(),
            "request_id": g.get("request_id") if has_request_context() else None}


def _logged(row: dict) -> None:
    log.info("health data viewed client_id=%s viewer_id=%s what=%s", row["client_id"], row["viewer_id"] or "-",
             row["what"])


def record_health_access(viewer: User | None, client_id: int, what: str, *, viewer_name: str | None = None,
                         viewer_role: str | None = None, alone: bool = False,
                         survives_rollback: bool = False) -> None:
    """Note that `viewer` saw `client_id`'s health data; part of the caller's transaction, or,
    with `alone` and no write before it, committed as it is written (PostgreSQL: one statement
    in autocommit, no BEGIN or COMMIT round trip; portal.extensions.begin_at_first_write).

    `survives_rollback`: written by the transaction's commit whatever becomes of its other work
    (`events.keep`), for a page answered with an error (a form shown again with its mistakes,
    422) that shows health data: the request rolls its work back and commits the record alone.

    A viewer who is not a user (someone opening the client's share link) is passed as None with
    a `viewer_name` and `viewer_role` that say what they came through."""
    if alone and survives_rollback:
        raise ValueError("a record is either committed as it is written or kept for the commit, not both")
    row = _access_row(viewer, client_id, what, viewer_name, viewer_role)
    if survives_rollback:
        events.keep(_RECORD_ACCESS, row)
    else:
        # A plain INSERT, sent now in the caller's transaction (committed or rolled back with it):
        # a brief writes one per view, and the unit of work's add and flush cost more than the row.
        db.session.execute(_RECORD_ACCESS, row, execution_options=_ALONE if alone else _IN_THE_TRANSACTION)
    _logged(row)


def records_within_the_read() -> bool:
    """Whether a `RecordingRead` writes its access record in its read's own statement (PostgreSQL)
    or in one just before it (SQLite has no INSERT inside a WITH)."""
    return db.session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class Viewing:
    """Someone about to see a client's health data, and what: for a read that records it as it
    runs (`RecordingRead`); `alone` as in `record_health_access`."""
    viewer: User
    what: str
    alone: bool = False


class RecordingRead:
    """A read of a client's health data that records the view as it runs.

    On PostgreSQL the access record's INSERT rides with the read as a CTE: one statement, one
    round trip, and, `alone` with no transaction open, committed as it completes (autocommit),
    so the record is durable before the caller has the rows to show. Elsewhere (SQLite has no
    INSERT in a WITH) the INSERT is sent first, then the read: the same rows, one more statement.
    Built once per read (`statement`, a SELECT whose parameters do not start with access_)."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self.recording = statement.add_cte(_RECORD_ACCESS_WITH_A_READ)

    def execute(self, params: dict, client_id: int, viewing: Viewing):
        """The read's result (as `db.session.execute` gives it), `viewing` recorded (on PostgreSQL
        a WITH's INSERT runs once and whole whether or not the read finds a row)."""
        if not records_within_the_read():
            record_health_access(viewing.viewer, client_id, viewing.what, alone=viewing.alone)
            return db.session.execute(self.statement, params)
        row = _access_row(viewing.viewer, client_id, viewing.what, None, None)
        result = db.session.execute(self.recording, {**params, **{f"access_{k}": v for k, v in row.items()}},
                                    execution_options=_ALONE if viewing.alone else _IN_THE_TRANSACTION)
        _logged(row)
        return result


def accesses_for(client_id: int, limit: int = 200) -> list[HealthAccess]:
    """Newest first: who has looked at this client's health record."""
    return list(db.session.scalars(
        select(HealthAccess).where(HealthAccess.client_id == client_id)
        .order_by(HealthAccess.at.desc(), HealthAccess.id.desc()).limit(limit)
    ))


def _plain(value):
    """A value as the activity page shows it: JSON-safe, dates and times as ISO text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record_change(actor: User, action: str, subject_type: str, subject_id: int | None,
                  subject_label: str, changes: dict | None = None) -> AdminChange | None:
    """Note a back-office change in the caller's transaction (flushed with it, committed with it).

    `changes` maps field -> (old, new); fields whose value did not change are dropped, and an
    "updated" with nothing left is not recorded. Never pass health data (conditions, notes,
    scores): the activity page is for staff who need no health access."""
    kept = {field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()
            if _plain(old) != _plain(new)}
    if action == "updated" and not kept:
        return None
    entry = AdminChange(actor_id=actor.id, actor_name=actor.name, action=action,
                        subject_type=subject_type, subject_id=subject_id,
                        subject_label=subject_label[:200], changes=kept, at=clock.now(),
                        request_id=g.get("request_id") if has_request_context() else None)
    db.session.add(entry)
    log.info("admin change actor_id=%s %s %s id=%s", actor.id, action, subject_type, subject_id)
    return entry
