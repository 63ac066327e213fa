"""Health profile, consent, revisions and the guidance built from them."""

from flask import Blueprint

bp = Blueprint("profile", __name__)
