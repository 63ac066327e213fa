"""Booking, rebooking, managing appointments, calendars and schedules."""

from flask import Blueprint

bp = Blueprint("booking", __name__)

from portal.booking import views  # noqa: E402,F401
