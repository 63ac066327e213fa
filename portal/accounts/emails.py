"""Account emails: confirm your address, you already have an account, reset your password,
you are invited to choose a password.

Sent by listeners of the account events (connected in portal.listeners), so an email follows
the committed registration or reset request and never one that rolled back. Each is queued in
the outbox after the response (`queue_email_after_response`), so how long a request takes cannot
show whether an address has an account; a job sends it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app

from portal.accounts.models import User
from portal.accounts.tokens import CONFIRM_SALT, make_token
from portal.outbox.services import queue_email_after_response
from portal.urls import external_url


@dataclass(frozen=True)
class Addressee:
    """Who an account email goes to, copied from the user when the event is queued.

    The listener runs after the commit, which expires the user: reading it then would reload
    it, and a reset for a known address would cost one query more than for an unknown one.
    """

    id: int
    email: str
    first_name: str

    @classmethod
    def of(cls, user: User) -> Addressee:
        if user.email is None:  # a client reception added by phone: nothing to send to
            raise ValueError("this account has no email address")
        return cls(user.id, user.email, user.first_name)


def _key(kind: str, user: User | Addressee) -> str:
    """Each request for an account email is a message of its own (two resets asked for in one
    second carry the same token, and each is still answered)."""
    return f"{kind}:{user.id}:{uuid.uuid4().hex}"


def send_confirmation(user: User | Addressee, browser: str | None = None) -> None:
    """`browser` marks the link as made for one browser's registration (services.browser_mark)."""
    payload = {"uid": user.id, "email": user.email}
    if browser:
        payload["browser"] = browser
    token = make_token(CONFIRM_SALT, payload)
    queue_email_after_response(
        kind="confirm_email", key=_key("confirm_email", user), to=user.email, user_id=user.id,
        subject="Confirm your email for Mesmerising Beauty", template="confirm_email",
        context=dict(user=user, confirm_url=external_url("accounts.confirm_email", token=token),
                     hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600))


def send_account_exists(user: Addressee) -> None:
    queue_email_after_response(
        kind="account_exists", key=_key("account_exists", user), to=user.email, user_id=user.id,
        subject="Your Mesmerising Beauty account", template="account_exists",
        context=dict(user=user, login_url=external_url("accounts.login"),
                     forgot_url=external_url("accounts.forgot_password")))


def send_password_reset(user: Addressee, token: str) -> None:
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    queue_email_after_response(
        kind="reset_password", key=_key("reset_password", user), to=user.email, user_id=user.id,
        subject="Reset your Mesmerising Beauty password", template="reset_password",
        context=dict(user=user, reset_url=external_url("accounts.reset_password", token=token), minutes=minutes))


INVITATION_SUBJECTS = {
    "client": "Your Mesmerising Beauty account: choose a password",
    "therapist": "You are invited to the Mesmerising Beauty portal",
    "admin": "You are invited to run the Mesmerising Beauty portal",
}


def send_invitation(user: Addressee, token: str, role: str) -> None:
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    queue_email_after_response(
        kind="invitation", key=_key("invitation", user), to=user.email, user_id=user.id,
        subject=INVITATION_SUBJECTS.get(role, INVITATION_SUBJECTS["client"]), template="invitation",
        context=dict(user=user, role=role, days=days,
                     accept_url=external_url("accounts.accept_invitation", token=token)))


# Listeners (connected in portal.listeners).
def on_registered(sender, user: Addressee, browser: str | None = None, **extra) -> None:
    send_confirmation(user, browser=browser)


def on_registration_for_existing_account(sender, user: Addressee, **extra) -> None:
    send_account_exists(user)


def on_password_reset_requested(sender, user: Addressee, token: str, **extra) -> None:
    send_password_reset(user, token)


def on_invited(sender, user: Addressee, token: str, role: str, **extra) -> None:
    send_invitation(user, token, role)
