"""Reception: staff find a client, see their appointments and precautions (level and reason
only), book, move and cancel for them, and record the GP clearance a client shows."""

from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/admin/clients")
