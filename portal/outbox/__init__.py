"""Outbox: every email the portal sends, queued in the sender's transaction and delivered by a job."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
