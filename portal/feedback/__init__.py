"""Feedback after each session, pain check-ins between them, pain over time, and the
therapist's pre-session brief."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)
