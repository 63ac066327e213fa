"""For test modules that work out their dates once, when imported (NOW, TODAY, parameters):
the app's clock stopped at that instant for each of their tests, so the app and the module agree
on the day even when the run passes midnight between the import and the test (CI, started at
23:57, failed six tests so)."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal import clock


def clock_stopped_at(moment: datetime):
    """An autouse fixture to assign in the module: `clock_stopped_at_import = clock_stopped_at(NOW)`."""
    @pytest.fixture(autouse=True)
    def clock_stopped_at_import():
        clock.set_now(moment)
        yield
        clock.set_now(None)
    return clock_stopped_at_import
