"""Does the double-booking guard hold exactly what it should? (`flask booking check`)

Each booked appointment must hold the cells `guard.held_cells` gives for its own
[start, end + buffer) with its own therapist, and nothing else may hold a cell: a cell left by
a cancelled appointment, or outside its appointment's time, blocks that time for ever (listed as
free by the rules, refused by the database). `repair` deletes such cells and gives booked
appointments the cells they are missing where those are free; it flushes, its caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select

from portal.booking import slots
from portal.booking.guard import held_cells
from portal.booking.models import BOOKED, Appointment, AppointmentSlot
from portal.extensions import db


@dataclass
class Report:
    # (therapist_id, cell start, appointment_id) rows that should not exist, by why.
    cancelled: list[tuple[int, datetime, int]] = field(default_factory=list)
    outside: list[tuple[int, datetime, int]] = field(default_factory=list)
    # (therapist_id, cell start, appointment_id) a booked appointment should hold but doesn't.
    missing: list[tuple[int, datetime, int]] = field(default_factory=list)

    @property
    def orphaned(self) -> list[tuple[int, datetime, int]]:
        return self.cancelled + self.outside

    @property
    def ok(self) -> bool:
        return not self.orphaned and not self.missing


def check() -> Report:
    """Compare every held cell with what its appointment should hold (reads only)."""
    buffer = slots.policy().buffer
    appointments = {a.id: a for a in db.session.scalars(select(Appointment))}
    should = {
        (a.therapist_id, cell, a.id)
        for a in appointments.values() if a.status == BOOKED
        for cell in held_cells(a.starts_at, a.ends_at, buffer)
    }
    report = Report()
    held = set()
    # Cells held by time off (portal.booking.time_off) are not an appointment's: not checked here.
    for therapist_id, starts_at, appointment_id in db.session.execute(
            select(AppointmentSlot.therapist_id, AppointmentSlot.starts_at, AppointmentSlot.appointment_id)
            .where(AppointmentSlot.appointment_id.is_not(None))):
        row = (therapist_id, starts_at, appointment_id)
        held.add(row)
        if appointments[appointment_id].status != BOOKED:
            report.cancelled.append(row)
        elif row not in should:
            report.outside.append(row)
    report.missing = sorted(should - held)
    report.cancelled.sort()
    report.outside.sort()
    return report


def repair() -> tuple[Report, int]:
    """Delete orphaned cells, then add missing ones that no other appointment holds.

    Returns the report from before the repair and how many missing cells could not be added
    (another appointment holds them: a real double booking for the salon to sort out by phone).
    """
    found = check()
    for therapist_id, cell, appointment_id in found.orphaned:  # few, if any: one statement each is fine
        db.session.execute(delete(AppointmentSlot).where(
            AppointmentSlot.therapist_id == therapist_id, AppointmentSlot.starts_at == cell,
            AppointmentSlot.appointment_id == appointment_id))
    taken = set(db.session.execute(select(AppointmentSlot.therapist_id, AppointmentSlot.starts_at)))
    addable = [row for row in found.missing if (row[0], row[1]) not in taken]
    if addable:
        db.session.execute(insert(AppointmentSlot), [
            {"therapist_id": therapist_id, "starts_at": cell, "appointment_id": appointment_id}
            for therapist_id, cell, appointment_id in addable])
    db.session.flush()  # the CLI command commits
    return found, len(found.missing) - len(addable)
