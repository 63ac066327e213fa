"""Feedback after each session, pain check-ins between them, pain over time, and the
therapist's pre-session brief."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

from portal.feedback.meaning import RELIEF_RULE_IN_WORDS, RULE_IN_WORDS  # noqa: E402

# How a brief reads a change and what lasted two days later: said once on the therapist's day,
# under the briefs "Open brief" swaps in (they leave the two rules out).
bp.add_app_template_global(RULE_IN_WORDS, "pain_change_rule")
bp.add_app_template_global(RELIEF_RULE_IN_WORDS, "pain_relief_rule")
