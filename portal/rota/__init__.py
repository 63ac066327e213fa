"""The rota: therapists' weekly hours, time off, active or not, and what needs attention."""

from flask import Blueprint

bp = Blueprint("rota", __name__)
