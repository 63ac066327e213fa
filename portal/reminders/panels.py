"""The account page's "Emails" section: what this person may choose, and what was sent."""

from __future__ import annotations

from portal.accounts.models import User
from portal.outbox import services as outbox
from portal.reminders.forms import PreferencesForm
from portal.reminders.services import categories_for, preferences_for


def email_panel(user: User) -> dict:
    stored = preferences_for(user.id)
    form = PreferencesForm(data={name: getattr(stored, name) for name in categories_for(user)})
    return {"form": form, "categories": categories_for(user), "history": outbox.sent_to(user.id)}
