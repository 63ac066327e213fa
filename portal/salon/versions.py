"""Row versions for the back office's edits: a form carries the version of the row it was drawn
from, and a save moves the row to its next version only if it is still that one. One UPDATE, so
of two admins saving the same row at once only one passes (the second waits for the first's row
lock, then matches nothing) and the other is told, instead of overwriting what they never saw."""

from __future__ import annotations

from sqlalchemy import update

from portal.extensions import db


def claim(model, row, seen_version: int | None) -> bool:
    """Move `row` (an instance of `model`, which has a `version` column) to its next version if
    it is still at `seen_version`; either way `row` is read again, so it shows what is saved."""
    claimed = db.session.execute(
        update(model).where(model.id == row.id, model.version == seen_version)
        .values(version=model.version + 1).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(row)
    return claimed == 1


def seen(text: str | None) -> int | None:
    """The version a form's hidden field says it was drawn from (None if it says nothing usable)."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
