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
from portal.salon.models import Therapist


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
    """Compare every held cell with what its appointment should hold (reads only).

    One therapist at a time, from plain rows: memory stays that of one therapist's history, not
    the salon's (the 20,000-client salon: 1.8 GB and 29 s as ORM objects all at once)."""
    buffer = slots.policy().buffer
    report = Report()
    strangers: list[tuple[int, datetime, int]] = []  # cells whose appointment is another therapist's
    for therapist_id in db.session.scalars(select(Therapist.id).order_by(Therapist.id)):
        status: dict[int, str] = {}
        should: set[tuple[int, datetime, int]] = set()
        for appointment_id, starts_at, ends_at, appointment_status in db.session.execute(
                select(Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.status)
                .where(Appointment.therapist_id == therapist_id)):
            status[appointment_id] = appointment_status
            if appointment_status == BOOKED:
                should.update((therapist_id, cell, appointment_id)
                              for cell in held_cells(starts_at, ends_at, buffer))
        held = set()
        # Cells held by time off (portal.booking.time_off) are not an appointment's: not checked here.
        for starts_at, appointment_id in db.session.execute(
                select(AppointmentSlot.starts_at, AppointmentSlot.appointment_id)
                .where(AppointmentSlot.therapist_id == therapist_id, AppointmentSlot.appointment_id.is_not(None))):
            row = (therapist_id, starts_at, appointment_id)
            held.add(row)
            if appointment_id not in status:
                strangers.append(row)
            elif status[appointment_id] != BOOKED:
                report.cancelled.append(row)
            elif row not in should:
                report.outside.append(row)
        report.missing.extend(should - held)
    if strangers:  # held under a therapist who is not the appointment's: wrong either way
        booked = set(db.session.scalars(select(Appointment.id).where(
            Appointment.id.in_({row[2] for row in strangers}), Appointment.status == BOOKED)))
        for row in strangers:
            (report.outside if row[2] in booked else report.cancelled).append(row)
    report.missing.sort()
    report.cancelled.sort()
    report.outside.sort()
    return report


def _taken(cells: list[tuple[int, datetime, int]]) -> set[tuple[int, datetime]]:
    """Which of these (therapist, cell) are held by anyone: only those cells are read."""
    taken: set[tuple[int, datetime]] = set()
    by_therapist: dict[int, list[datetime]] = {}
    for therapist_id, cell, _ in cells:
        by_therapist.setdefault(therapist_id, []).append(cell)
    for therapist_id, starts in by_therapist.items():
        for first in range(0, len(starts), 500):
            taken.update(db.session.execute(select(AppointmentSlot.therapist_id, AppointmentSlot.starts_at).where(
                AppointmentSlot.therapist_id == therapist_id, AppointmentSlot.starts_at.in_(starts[first:first + 500]))))
    return taken


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
    taken = _taken(found.missing)
    addable = [row for row in found.missing if (row[0], row[1]) not in taken]
    if addable:
        db.session.execute(insert(AppointmentSlot), [
            {"therapist_id": therapist_id, "starts_at": cell, "appointment_id": appointment_id}
            for therapist_id, cell, appointment_id in addable])
    db.session.flush()  # the CLI command commits
    return found, len(found.missing) - len(addable)
