"""The double-booking guard's cell arithmetic, which needs no app at all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal.booking.guard import held_cells
from portal.timezones import SALON_TZ
from tests.booking_support import MONDAY, SPRING_SUNDAY, at


def test_an_appointment_holds_its_time_and_buffer_in_quarter_hours():
    start = at(MONDAY, "10:00")
    cells = held_cells(start, start + timedelta(minutes=45), timedelta(minutes=15))
    assert cells == [start + timedelta(minutes=15 * n) for n in range(4)]


def test_touching_appointments_share_no_cell_overlapping_ones_do():
    buffer = timedelta(minutes=15)
    first = held_cells(at(MONDAY, "10:00"), at(MONDAY, "10:45"), buffer)
    after_cleaning = held_cells(at(MONDAY, "11:00"), at(MONDAY, "12:00"), buffer)
    during_cleaning = held_cells(at(MONDAY, "10:45"), at(MONDAY, "11:30"), buffer)
    assert not set(first) & set(after_cleaning)
    assert set(first) & set(during_cleaning)


def test_a_service_length_off_the_quarter_hour_still_blocks_what_it_touches():
    # 50 minutes + 15 buffer = 65 minutes: the fifth cell is partly used, so it is held.
    cells = held_cells(at(MONDAY, "10:00"), at(MONDAY, "10:50"), timedelta(minutes=15))
    assert cells[-1] == at(MONDAY, "11:00") and len(cells) == 5


def test_cells_are_utc_instants_so_clock_changes_do_not_shift_them():
    start = at(SPRING_SUNDAY, "00:30")  # 00:30 GMT; an hour later the clocks read 02:30 BST
    cells = held_cells(start, start + timedelta(minutes=60), timedelta(0))
    assert [c.astimezone(SALON_TZ).strftime("%H:%M") for c in cells] == ["00:30", "00:45", "02:00", "02:15"]


def test_cells_need_aware_times():
    with pytest.raises(ValueError):
        held_cells(datetime(2027, 3, 15, 10), datetime(2027, 3, 15, 11), timedelta(0))
