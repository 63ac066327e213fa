"""The admin's catalogue: add, edit and retire services (the salon's own data, in salon.models)."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__, url_prefix="/admin/services")
