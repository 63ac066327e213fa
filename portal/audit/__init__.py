"""The record of who looked at which client's health data, and when; and the back office's
activity log (who changed what), which the admin reads at /admin/activity."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin")
