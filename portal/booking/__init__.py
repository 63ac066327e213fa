"""Booking, rebooking, managing appointments, calendars and schedules."""

from flask import Blueprint

bp = Blueprint("booking", __name__)


@bp.record_once
def _check_settings(state) -> None:
    """Refuse to start with booking settings the double-booking guard cannot honour."""
    from portal.booking.guard import CELL_MINUTES, grid_fits_cells
    from portal.config import ConfigError

    config = state.app.config
    if not grid_fits_cells(config["BOOKING_GRID_MINUTES"]):
        raise ConfigError(f"BOOKING_GRID_MINUTES must be a positive multiple of {CELL_MINUTES}")
    for key in ("BOOKING_BUFFER_MINUTES", "BOOKING_MIN_NOTICE_MINUTES", "BOOKING_HORIZON_DAYS",
                "CANCELLATION_WINDOW_HOURS"):
        if config[key] < 0:
            raise ConfigError(f"{key} must not be negative")
