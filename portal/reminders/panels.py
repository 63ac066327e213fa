"""The account page's "Emails" section: what this person may choose, and what was sent."""

from __future__ import annotations

from portal.accounts.models import User
from portal.guidance.rules import AREAS as AREA_LABELS
from portal.outbox import services as outbox
from portal.reminders.forms import PreferencesForm, ReliefForm
from portal.reminders.services import ReliefQuestion, categories_for, preferences_for, relief_questions


def email_panel(user: User) -> dict:
    stored = preferences_for(user.id)
    form = PreferencesForm(data={name: getattr(stored, name) for name in categories_for(user)})
    return {"form": form, "categories": categories_for(user), "history": outbox.sent_to(user.id)}


def relief_prefix(appointment_id: int, area: str) -> str:
    return f"relief-{appointment_id}-{area}"


def relief_context(client_id: int, invalid: ReliefForm | None = None, saved: str = "", problem: str = "",
                   asked: list[ReliefQuestion] | None = None) -> dict:
    """The dashboard's "Two days on" questions: one small form per scored area of each session
    that ended 36-96 hours ago and has no answer for it yet. `invalid`: the form just posted with
    an error (kept as typed); `saved`: the sentence for the answer just stored; `asked`: the
    questions, when the page has worked them out already (`services.questions_for`)."""
    questions = []
    for question in relief_questions(client_id) if asked is None else asked:
        prefix = relief_prefix(question.appointment.id, question.area)
        form = invalid if invalid is not None and invalid._prefix == prefix + "-" else \
            ReliefForm(formdata=None, prefix=prefix)
        questions.append({"question": question, "label": AREA_LABELS[question.area], "form": form})
    return {"relief_questions": questions, "relief_saved": saved, "relief_problem": problem}
