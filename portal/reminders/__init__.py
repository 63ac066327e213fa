"""Messages between visits: reminders, "how did it feel?", lasting relief, "you're due", the
therapist's morning list; the client's email preferences and one-click unsubscribe."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)
