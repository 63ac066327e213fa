"""The front door and each role's dashboard."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
