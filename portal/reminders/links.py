"""Signed links that work without logging in: unsubscribe, and one lasting-relief answer.

Both are itsdangerous tokens under the app's SECRET_KEY (portal.accounts.tokens), each with its
own salt, so one kind of link can never be replayed as the other. They name ids and words only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from portal.accounts.tokens import make_token, read_token
from portal.feedback.models import AREAS
from portal.reminders.rules import RELIEF_LINK_MAX_AGE
from portal.urls import external_url

UNSUBSCRIBE_SALT = "email-unsubscribe"
RELIEF_SALT = "lasting-relief-answer"
# Unsubscribe links keep working for as long as anyone keeps an old email.
UNSUBSCRIBE_MAX_AGE = timedelta(days=3 * 365)

# The kinds of email a person can turn off (EmailPreferences columns), in words.
CATEGORIES = {
    "reminders": "appointment reminders",
    "follow_ups": "follow-ups after a session",
    "due_nudges": "reminders when you are due again",
    "morning_list": "the morning list of your appointments",
}
# The emails (outbox kinds) each of them turns off: the scans file each message under its kind's
# category, and turning a category off also withdraws its messages still waiting to go.
FEEL = "feel"  # "How did your massage feel?", a few hours after a session
# "How is your lower back now?", two days after: it names the areas the client scored (health
# data from the session's feedback), so one still waiting goes with the health profile.
RELIEF = "relief"
KINDS = {
    "reminders": ("reminder",),
    "follow_ups": (FEEL, RELIEF),
    "due_nudges": ("due", "due_note"),
    "morning_list": ("morning_list",),
}


def category_of(kind: str) -> str:
    return next(category for category, kinds in KINDS.items() if kind in kinds)


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    category: str


@dataclass(frozen=True)
class ReliefAnswer:
    client_id: int
    appointment_id: int
    area: str
    score: int


def unsubscribe_token(user_id: int, category: str) -> str:
    return make_token(UNSUBSCRIBE_SALT, {"u": user_id, "c": category})


def read_unsubscribe(token: str) -> Unsubscribe | None:
    payload = read_token(UNSUBSCRIBE_SALT, token, int(UNSUBSCRIBE_MAX_AGE.total_seconds()))
    if not payload or payload.get("c") not in CATEGORIES or not isinstance(payload.get("u"), int):
        return None
    return Unsubscribe(payload["u"], payload["c"])


def unsubscribe_url(user_id: int, category: str) -> str:
    return external_url("reminders.unsubscribe", token=unsubscribe_token(user_id, category))


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail clients show an "Unsubscribe" button that POSTs to `url`."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def relief_token(client_id: int, appointment_id: int, area: str, score: int, expires_at: datetime) -> str:
    return make_token(RELIEF_SALT, {"u": client_id, "a": appointment_id, "r": area, "s": score,
                                    "x": int(expires_at.timestamp())})


def relief_url(client_id: int, appointment_id: int, area: str, score: int, expires_at: datetime) -> str:
    token = relief_token(client_id, appointment_id, area, score, expires_at)
    return external_url("reminders.relief", token=token)


def relief_expiry(made_at: datetime) -> datetime:
    return made_at + RELIEF_LINK_MAX_AGE


class LinkExpired(Exception):
    pass


def read_relief(token: str, now: datetime) -> ReliefAnswer | None:
    """The answer the link stands for, or None when forged or altered; LinkExpired when past its
    expiry. The expiry is in the signed payload and read against the portal's clock."""
    payload = read_token(RELIEF_SALT, token, max_age=None)
    if not payload:
        return None
    try:
        answer = ReliefAnswer(int(payload["u"]), int(payload["a"]), str(payload["r"]), int(payload["s"]))
        expires_at = datetime.fromtimestamp(int(payload["x"]), tz=timezone.utc)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    if answer.area not in AREAS or not 0 <= answer.score <= 10:
        return None
    if now >= expires_at:
        raise LinkExpired()
    return answer
