"""Health profile, consent, revisions and the guidance built from them."""

from flask import Blueprint

bp = Blueprint("profile", __name__)

from portal.profile import views  # noqa: E402,F401
