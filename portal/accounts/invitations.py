"""Accounts made by the salon for someone else: staff invited by email, clients added by phone.

The account starts with no usable password (a hash of a secret nobody is told, so logging in
with it costs the same as any wrong password) and, when it has an email address, an invitation
link to choose one: a set-password link like a reset (it names session_version, so it works
once) with its own salt and a longer life (INVITATION_MAX_AGE). The email is sent by a listener
of `account_invited` after the commit. Operations flush, never commit.
"""

from __future__ import annotations

import logging
import secrets

from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal import events
from portal.accounts import passwords
from portal.accounts.emails import Addressee
from portal.accounts.models import User
from portal.accounts.services import find_by_email, set_password_from_link, user_for_set_password_token
from portal.accounts.tokens import INVITE_SALT, set_password_token
from portal.extensions import db
from portal.signals import account_invited

log = logging.getLogger("portal.accounts")


class AlreadyHasAccount(ValueError):
    """The address already belongs to an account: nothing was created."""


def unusable_password_hash() -> str:
    return passwords.hash_password(secrets.token_urlsafe(32))


def create_account(name: str, role: str, email: str | None = None, phone: str | None = None) -> User:
    """A new account made by the salon; invited by email when it has an address.

    `email` must already be normalised (the forms strip and lower-case it). Refuses an address
    that has an account (AlreadyHasAccount), also when another request takes it at the same time.
    """
    if email is not None and find_by_email(email) is not None:
        raise AlreadyHasAccount(email)
    user = User(name=name, email=email, phone=phone, role=role, password_hash=unusable_password_hash())
    try:
        with db.session.begin_nested():  # a simultaneous invitation to the same address loses here
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        log.info("account not created: the address was taken meanwhile")
        raise AlreadyHasAccount(email) from None
    if email is not None:
        invite(user)
    log.info("account created by the salon user_id=%s role=%s with_email=%s", user.id, role, email is not None)
    return user


def invite(user: User) -> None:
    """(Re)send the invitation to set a password; any earlier link keeps working until one is used."""
    if user.email is None:
        raise ValueError("an account without an email address cannot be invited")
    token = set_password_token(INVITE_SALT, user.id, user.session_version)
    events.after_commit(account_invited, user=Addressee.of(user), token=token, role=user.role)
    log.info("invitation queued user_id=%s", user.id)


def is_pending(user: User) -> bool:
    """Invited and not yet accepted (an accepted invitation confirms the address)."""
    return user.email is not None and user.email_confirmed_at is None


def user_for_invitation(token: str) -> User | None:
    """The invited account, while the link still works (unused and not expired)."""
    user = user_for_set_password_token(INVITE_SALT, token, current_app.config["INVITATION_MAX_AGE"])
    return user if user is not None and user.email is not None else None


def accept(token: str, new_password: str) -> User | None:
    """Set the password from the invitation; the link proves the address, so it confirms it."""
    user = user_for_set_password_token(INVITE_SALT, token, current_app.config["INVITATION_MAX_AGE"], lock=True)
    if user is None or user.email is None:
        return None
    set_password_from_link(user, new_password)
    log.info("invitation accepted user_id=%s", user.id)
    return user
