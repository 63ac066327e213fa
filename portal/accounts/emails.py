"""Account emails: confirm your address, you already have an account, reset your password,
you are invited to choose a password.

Sent by listeners of the account events (connected in portal.listeners), so an email follows
the committed registration or reset request and never one that rolled back. Each goes after the
response (`send_after_response`), so how long a request takes cannot show whether an address
has an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal.accounts.models import User
from portal.accounts.tokens import CONFIRM_SALT, make_token
from portal.mail import send_template
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


def send_confirmation(user: User | Addressee, browser: str | None = None) -> None:
    """`browser` marks the link as made for one browser's registration (services.browser_mark)."""
    payload = {"uid": user.id, "email": user.email}
    if browser:
        payload["browser"] = browser
    token = make_token(CONFIRM_SALT, payload)
    send_template(user.email, "Confirm your email for Mesmerising Beauty", "confirm_email", after_response=True,
                  user=user, confirm_url=external_url("accounts.confirm_email", token=token),
                  hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600)


def send_account_exists(user: Addressee) -> None:
    send_template(user.email, "Your Mesmerising Beauty account", "account_exists", after_response=True,
                  user=user, login_url=external_url("accounts.login"),
                  forgot_url=external_url("accounts.forgot_password"))


def send_password_reset(user: Addressee, token: str) -> None:
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_template(user.email, "Reset your Mesmerising Beauty password", "reset_password", after_response=True,
                  user=user, reset_url=external_url("accounts.reset_password", token=token), minutes=minutes)


INVITATION_SUBJECTS = {
    "client": "Your Mesmerising Beauty account: choose a password",
    "therapist": "You are invited to the Mesmerising Beauty portal",
    "admin": "You are invited to run the Mesmerising Beauty portal",
}


def send_invitation(user: Addressee, token: str, role: str) -> None:
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    send_template(user.email, INVITATION_SUBJECTS.get(role, INVITATION_SUBJECTS["client"]), "invitation",
                  after_response=True, user=user, role=role, days=days,
                  accept_url=external_url("accounts.accept_invitation", token=token))


# Listeners (connected in portal.listeners).
def on_registered(sender, user: Addressee, browser: str | None = None, **extra) -> None:
    send_confirmation(user, browser=browser)


def on_registration_for_existing_account(sender, user: Addressee, **extra) -> None:
    send_account_exists(user)


def on_password_reset_requested(sender, user: Addressee, token: str, **extra) -> None:
    send_password_reset(user, token)


def on_invited(sender, user: Addressee, token: str, role: str, **extra) -> None:
    send_invitation(user, token, role)
