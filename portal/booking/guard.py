"""The double-booking guard: which grid cells of a therapist's time an appointment holds.

An appointment holds every 15-minute cell (aligned to UTC, so clock changes cannot shift
the cells) that its time *plus the cleaning buffer* touches. The availability rule says two
appointments clash when [start, end + buffer) of one overlaps [start, end + buffer) of the
other; two overlapping intervals share at least one instant, hence the cell containing it,
so the second insert of that (therapist_id, cell) row fails on the table's primary key.
Starts on the booking grid are cell boundaries, so neighbours that merely touch never share
a cell: the guard refuses exactly the clashes, never a free time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CELL_MINUTES = 15
_CELL_SECONDS = CELL_MINUTES * 60


def held_cells(starts_at: datetime, ends_at: datetime, buffer: timedelta) -> list[datetime]:
    """The UTC cell starts covering [starts_at, ends_at + buffer), earliest first."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("held_cells needs aware datetimes")
    if ends_at <= starts_at:
        raise ValueError("an appointment must end after it starts")
    first = int(starts_at.timestamp()) // _CELL_SECONDS * _CELL_SECONDS
    until = (ends_at + buffer).timestamp()
    cells = []
    cell = first
    while cell < until:
        cells.append(datetime.fromtimestamp(cell, tz=timezone.utc))
        cell += _CELL_SECONDS
    return cells


def grid_fits_cells(grid_minutes: int) -> bool:
    """A booking grid whose starts are all cell boundaries (multiples of 15 minutes)."""
    return grid_minutes > 0 and grid_minutes % CELL_MINUTES == 0
