"""The back office's people: staff invitations, therapists' details, clients added by phone."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/admin")
