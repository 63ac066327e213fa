"""Account operations: they take plain data, own the transaction and send the emails."""

from __future__ import annotations

import hashlib
import logging

from flask import current_app, url_for
from sqlalchemy import select

from portal.accounts import passwords
from portal.accounts.models import User
from portal.accounts.tokens import CONFIRM_SALT, RESET_SALT, make_token, read_token
from portal.db_types import utcnow
from portal.extensions import db, login_manager
from portal.mail import send_mail

log = logging.getLogger("portal.accounts")


def email_fingerprint(email: str) -> str:
    """Lets logs link failed attempts on one address without writing the address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Session ids are "<id>:<session_version>": a password change logs out every other device."""
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def _external(endpoint: str, **values) -> str:
    """Links in emails use the configured public address, never the request's Host header."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def register(name: str, email: str, password: str) -> None:
    """Create an unconfirmed account and email a confirmation link.

    An address that already has an account gets an email saying so instead: the visitor sees
    the same page either way, so the form cannot be used to find out who is a client.
    """
    existing = find_by_email(email)
    if existing is not None:
        send_mail(email, "Your Mesmerising Beauty account", (
            f"Hello {existing.first_name},\n\n"
            "Someone (hopefully you) tried to create a new account with this email address, "
            "but you already have one.\n\n"
            f"Log in: {_external('accounts.login')}\n"
            f"Forgotten your password? {_external('accounts.forgot_password')}\n"
        ))
        log.info("registration for existing account user_id=%s", existing.id)
        return
    user = User(name=name, email=email.strip().lower(), password_hash=passwords.hash_password(password),
                role="client")
    db.session.add(user)
    db.session.commit()
    send_confirmation(user)
    log.info("registered user_id=%s", user.id)


def send_confirmation(user: User) -> None:
    token = make_token(CONFIRM_SALT, {"uid": user.id, "email": user.email})
    send_mail(user.email, "Confirm your email for Mesmerising Beauty", (
        f"Hello {user.first_name},\n\n"
        "Welcome to Mesmerising Beauty. Please confirm your email address to finish setting up "
        "your account:\n\n"
        f"{_external('accounts.confirm_email', token=token)}\n\n"
        "The link works for 48 hours. If you did not sign up, you can ignore this email.\n"
    ))


def confirm_email(token: str) -> User | None:
    """Mark the address confirmed; None if the link is invalid or expired."""
    payload = read_token(CONFIRM_SALT, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
        log.info("email confirmed user_id=%s", user.id)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose password this is, or None; takes as long for unknown addresses."""
    user = find_by_email(email)
    if not passwords.verify_password(user.password_hash if user else None, password):
        log.warning("login failed email_fp=%s", email_fingerprint(email))
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.commit()
    log.info("login ok user_id=%s role=%s", user.id, user.role)


def set_password(user: User, new_password: str) -> None:
    """New hash, and every existing session, remember-me cookie and reset link stops working."""
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    db.session.commit()
    log.info("password changed user_id=%s", user.id)


def change_password(user: User, current_password: str, new_password: str) -> bool:
    if not passwords.verify_password(user.password_hash, current_password):
        log.warning("password change refused (wrong current password) user_id=%s", user.id)
        return False
    set_password(user, new_password)
    return True


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an account; silent otherwise."""
    user = find_by_email(email)
    if user is None:
        log.info("password reset asked for unknown email_fp=%s", email_fingerprint(email))
        return
    token = make_token(RESET_SALT, {"uid": user.id, "v": user.session_version})
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_mail(user.email, "Reset your Mesmerising Beauty password", (
        f"Hello {user.first_name},\n\n"
        "Use this link to choose a new password:\n\n"
        f"{_external('accounts.reset_password', token=token)}\n\n"
        f"It works once, for {minutes} minutes. If you did not ask for it, ignore this email: "
        "your password stays as it is.\n"
    ))
    log.info("password reset sent user_id=%s", user.id)


def user_for_reset_token(token: str) -> User | None:
    payload = read_token(RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.session_version != payload.get("v"):
        return None
    return user


def reset_password(token: str, new_password: str) -> User | None:
    """Set the password from a reset link; the link proves the address, so it confirms it too."""
    user = user_for_reset_token(token)
    if user is None:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    set_password(user, new_password)
    return user


class CannotDelete(PermissionError):
    """Why this account cannot be deleted from the portal, in words for its owner."""


def delete_account(user: User, password: str) -> None:
    """A client closes their account: everything about them goes with it (the database cascades
    to their profile, appointments, feedback, check-ins, calendar feeds and access log)."""
    if not user.is_client:
        raise CannotDelete("Staff accounts are closed by the salon admin.")
    if not passwords.verify_password(user.password_hash, password):
        log.warning("account deletion refused (wrong password) user_id=%s", user.id)
        raise CannotDelete("That is not your password.")
    user_id = user.id
    db.session.delete(user)
    db.session.commit()
    log.info("account deleted user_id=%s", user_id)
