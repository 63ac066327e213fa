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


class Stale(Exception):
    """A save from a form drawn before someone else's: nothing of it was saved. `current` is the
    row as saved now, `name` what the admin calls it ("Gosforth's details")."""

    def __init__(self, current, name: str):
        super().__init__(
            f"Someone else saved {name} after you opened this form. Nothing of yours was saved: check "
            "the details now saved (shown below the form), then save again to keep yours.")
        self.current = current


def told(form, problem: Stale):
    """Show a stale save on its form, which keeps what was typed: the message at the top, and the
    form moved on to the version now saved, so saving again means "mine wins, I have seen theirs".
    Returns the row as saved now, for the page to show beside the form."""
    form.form_errors.append(str(problem))
    form.version.data = str(problem.current.version)
    return problem.current
