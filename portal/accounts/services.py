"""Account operations: they take plain data and flush; the request (or the caller) commits once.

The emails are follow-ups: each operation queues an account event with
`events.after_commit`, and the listeners in portal.accounts.emails send the mail once the
transaction has committed (queued in the outbox after the response, see
`outbox.services.queue_email_after_response`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update

from portal import clock, events
from portal.accounts import passwords
from portal.accounts.devices import device_label
from portal.accounts.emails import Addressee
from portal.accounts.models import LoginSession, User
from portal.accounts.tokens import CONFIRM_SALT, RESET_SALT, read_set_password_token, read_token, set_password_token
from portal.db_types import valid_id
from portal.extensions import db, login_manager
from portal.outbox.services import forget_person
from portal.roles import ADMIN
from portal.salon import catalogue_cache
from portal.signals import account_registered, password_reset_requested, registration_for_existing_account

log = logging.getLogger("portal.accounts")

# A login session unused this long is refused, like the remember-me cookie that outlives it.
LOGIN_SESSION_IDLE = timedelta(days=30)
# last_seen_at is written at most this often: a write per request would cost every page.
LAST_SEEN_EVERY = timedelta(minutes=5)


def email_fingerprint(email: str) -> str:
    """Lets logs link failed attempts on one address without writing the address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _token_hash(token: str) -> str:
    """Only hashes of login tokens are stored: a copy of the table cannot be used as cookies."""
    return hashlib.sha256(token.encode()).hexdigest()


# The statement of every request, built once (building it cost each request, /account/ping's too,
# about as much as the rest of the loader); the values are bound per request. It also reads the
# catalogue's stamp: "who is asking, and is this process's catalogue still current" in one round
# trip, so a logged-in page that shows the catalogue reads no stamp of its own.
_USER_WITH_LOGIN_SESSION = (
    select(User, LoginSession, catalogue_cache.STAMP)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), LoginSession.token_hash == bindparam("token_hash"),
           LoginSession.revoked_at.is_(None))
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Ids are "<user id>:<login session token>" (User.get_id), from the session or the
    remember-me cookie; a revoked, unknown or long-unused login session logs nobody in."""
    raw_id, _, token = user_id.partition(":")
    # ASCII digits only ("²".isdigit() is true but int() refuses it), and an id a row can have.
    if not (raw_id.isascii() and raw_id.isdigit()) or not valid_id(int(raw_id)) or not token:
        return None
    row = db.session.execute(_USER_WITH_LOGIN_SESSION,
                             {"user_id": int(raw_id), "token_hash": _token_hash(token)}).first()
    if row is None:
        return None
    user, login_session, catalogue_stamp = row
    now = clock.now()
    if login_session.last_seen_at < now - LOGIN_SESSION_IDLE:
        return None
    if login_session.last_seen_at < now - LAST_SEEN_EVERY:
        # Flushed into the request's transaction: the request commits it with whatever the view
        # does (an error answer rolls both back, and the next request tries again).
        db.session.execute(update(LoginSession).where(LoginSession.id == login_session.id)
                           .values(last_seen_at=now))
    catalogue_cache.stamp_read_with(catalogue_stamp)  # after the write above, which forgets what was read
    user.login_token = token
    return user


def start_login_session(user: User, user_agent: str | None) -> None:
    """A new login on this device: its record, and the token that the cookies will carry."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token),
                                device=device_label(user_agent), created_at=now, last_seen_at=now))
    user.last_login_at = now
    db.session.flush()
    user.login_token = token
    log.info("login ok user_id=%s role=%s", user.id, user.role)


def current_login_session_id(user: User) -> int | None:
    if not user.login_token:
        return None
    return db.session.scalar(select(LoginSession.id).where(LoginSession.token_hash == _token_hash(user.login_token)))


def active_sessions(user: User) -> list[LoginSession]:
    """The person's logins that still work, most recently used first."""
    return list(db.session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None),
               LoginSession.last_seen_at >= clock.now() - LOGIN_SESSION_IDLE)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ))


def _revoke(user: User, *conditions) -> int:
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None), *conditions)
        .values(revoked_at=clock.now())
    )
    return result.rowcount


def end_login_session(user: User) -> None:
    """Log out on this device: its session and remember-me cookies stop working everywhere."""
    if user.login_token:
        _revoke(user, LoginSession.token_hash == _token_hash(user.login_token))
    log.info("logout user_id=%s", user.id)


def end_other_login_session(user: User, session_id: int) -> bool:
    """Log out one of the person's other devices; False if it is not theirs or already ended."""
    ended = _revoke(user, LoginSession.id == session_id)
    if ended:
        log.info("login session ended user_id=%s session_id=%s", user.id, session_id)
    return bool(ended)


def end_all_login_sessions(user: User) -> None:
    """Log out everywhere, this device included."""
    ended = _revoke(user)
    log.info("logged out everywhere user_id=%s sessions=%s", user.id, ended)


def browser_mark(nonce: str) -> str:
    """What a confirmation link carries of the registering browser's session nonce: a hash, so
    the link alone (a forwarded email, a mail scanner) cannot be turned into that session."""
    return hashlib.sha256(("confirm-browser:" + nonce).encode()).hexdigest()


def register(name: str, email: str, password: str, browser_nonce: str | None = None) -> None:
    """Create an unconfirmed account and email a confirmation link.

    An address that already has an account gets an email saying so instead: the visitor sees
    the same page either way, so the form cannot be used to find out who is a client. Both
    paths hash the password and send their email after the response, so neither takes longer.
    `browser_nonce` (kept in the registering browser's session) lets that browser be logged in
    when it confirms (see `confirm_email`).
    """
    password_hash = passwords.hash_password(password)
    existing = find_by_email(email)
    if existing is not None:
        events.after_commit(registration_for_existing_account, user=Addressee.of(existing))
        log.info("registration for existing account user_id=%s", existing.id)
        return
    user = User(name=name, email=email.strip().lower(), password_hash=password_hash, role="client")
    db.session.add(user)
    db.session.flush()
    events.after_commit(account_registered, user=Addressee.of(user),
                        browser=browser_mark(browser_nonce) if browser_nonce else None)
    log.info("registered user_id=%s", user.id)


def confirm_email(token: str, browser_nonce: str | None = None) -> tuple[User, bool] | None:
    """Mark the address confirmed; None if the link is invalid or expired.

    Also says whether the person may be logged in without their password: only when this click
    confirmed the address and the link was made for this browser's registration (its session
    holds the nonce whose hash the link carries). Anywhere else the link only confirms, and the
    person logs in with their password, so a link opened on someone else's device logs no one in.
    """
    payload = read_token(CONFIRM_SALT, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None
    same_browser = False
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()
        db.session.flush()
        mark = payload.get("browser")
        same_browser = bool(browser_nonce and mark and hmac.compare_digest(mark, browser_mark(browser_nonce)))
        log.info("email confirmed user_id=%s same_browser=%s", user.id, same_browser)
    return user, same_browser


def authenticate(email: str, password: str) -> User | None:
    """The user whose password this is, or None; takes as long for unknown addresses."""
    user = find_by_email(email)
    if not passwords.verify_password(user.password_hash if user else None, password):
        log.warning("login failed email_fp=%s", email_fingerprint(email))
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.flush()
    return user


def set_password(user: User, new_password: str) -> None:
    """New hash, and every existing login session (so its session and remember-me cookies) and
    reset link stops working; the caller starts a fresh login session for this device if any."""
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    _revoke(user)
    db.session.flush()
    log.info("password changed user_id=%s", user.id)


def change_password(user: User, current_password: str, new_password: str) -> bool:
    if not passwords.verify_password(user.password_hash, current_password):
        log.warning("password change refused (wrong current password) user_id=%s", user.id)
        return False
    set_password(user, new_password)
    return True


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an account; silent otherwise.

    The request costs the same either way: one lookup and one signed token; the email itself
    goes after the response.
    """
    user = find_by_email(email)
    token = set_password_token(RESET_SALT, user.id if user else 0, user.session_version if user else 0)
    if user is None:
        log.info("password reset asked for unknown email_fp=%s", email_fingerprint(email))
        return
    events.after_commit(password_reset_requested, user=Addressee.of(user), token=token)
    log.info("password reset sent user_id=%s", user.id)


def user_for_set_password_token(salt: str, token: str, max_age: int, *, lock: bool = False) -> User | None:
    """The account a reset or invitation link is for, while the link still works: signed, not
    too old, and no password set since it was made (each works once). `lock` (when about to set
    the password) holds the row and reads it afresh, so of two submits of one link on
    PostgreSQL the second waits and then finds the link used."""
    named = read_set_password_token(salt, token, max_age)
    if named is None or not valid_id(named[0]):
        return None
    if lock and db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a no-op UPDATE takes its write lock (as booking.locks does),
        # so the read below is current and nobody else writes until this transaction ends.
        db.session.execute(update(User).where(User.id == named[0]).values(id=User.id))
    user = db.session.get(User, named[0], with_for_update=lock or None, populate_existing=lock)
    if user is None or user.session_version != named[1]:
        return None
    return user


def user_for_reset_token(token: str) -> User | None:
    return user_for_set_password_token(RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_password(token: str, new_password: str) -> User | None:
    """Set the password from a reset link; the link proves the address, so it confirms it too."""
    user = user_for_set_password_token(RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE"], lock=True)
    if user is None:
        return None
    set_password_from_link(user, new_password)
    return user


def set_password_from_link(user: User, new_password: str) -> None:
    """An emailed link (reset, invitation) proves the address: confirm it, set the password."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()
    set_password(user, new_password)


class CannotDelete(PermissionError):
    """Why this account cannot be deleted from the portal, in words for its owner."""


def delete_account(user: User, password: str) -> None:
    """A client closes their account: everything about them goes with it (the database cascades
    to their profile, appointments, feedback, check-ins, calendar feeds and access log), no email
    still waiting to go to them is sent, and the history of those sent goes too."""
    if not user.is_client:
        raise CannotDelete("Staff accounts are closed by the salon admin.")
    if not passwords.verify_password(user.password_hash, password):
        log.warning("account deletion refused (wrong password) user_id=%s", user.id)
        raise CannotDelete("That is not your password.")
    user_id = user.id
    # Email not sent yet (a reminder waiting for 08:00, a retry) would still reach the address of
    # an account that is gone, and what was sent would stay with an emptied user_id until the purge.
    forget_person(user_id)
    db.session.delete(user)
    db.session.flush()
    log.info("account deleted user_id=%s", user_id)


class CannotCreate(ValueError):
    """Why an account cannot be created from the command line, in words for the operator."""


def create_admin(name: str, email: str, password: str) -> User:
    """A confirmed admin, for the first login of a production install (which has no demo data).

    The operator typed the address, so it counts as confirmed; the password must meet the same
    policy as every other password, and an address that already has an account is refused.
    """
    email, name = email.strip().lower(), name.strip()
    if not name:
        raise CannotCreate("Give the admin a name.")
    if "@" not in email.strip("@"):
        raise CannotCreate(f"{email!r} is not an email address.")
    if find_by_email(email) is not None:
        raise CannotCreate(f"{email} already has an account.")
    problem = passwords.password_problem(password, [email, name])
    if problem:
        raise CannotCreate(f"Password refused: {problem}")
    user = User(name=name, email=email, password_hash=passwords.hash_password(password), role=ADMIN,
                email_confirmed_at=clock.now())
    db.session.add(user)
    db.session.flush()
    log.info("admin created from the command line user_id=%s", user.id)
    return user
