"""The front door: what a visitor sees before they have an account."""

from flask import Blueprint

bp = Blueprint("public", __name__)
