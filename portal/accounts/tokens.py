"""Signed, expiring links for email confirmation, password reset and invitations.

A set-password link (reset or invitation) names the account's session_version; setting a
password bumps it, so each link works once and every older link dies with it.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET_SALT = "password-reset"
CONFIRM_SALT = "email-confirm"
INVITE_SALT = "invitation"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(salt: str, payload: dict) -> str:
    return _serializer(salt).dumps(payload)


def read_token(salt: str, token: str, max_age: int) -> dict | None:
    """The payload, or None when the link is forged, altered or too old."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) else None


def set_password_token(salt: str, user_id: int, session_version: int) -> str:
    """A link to set the password of this account, good until its next password change."""
    return make_token(salt, {"uid": user_id, "v": session_version})


def read_set_password_token(salt: str, token: str, max_age: int) -> tuple[int, int] | None:
    """(user id, session_version) the link names, or None when forged, altered or too old."""
    payload = read_token(salt, token, max_age)
    if payload is None or not isinstance(payload.get("uid"), int) or not isinstance(payload.get("v"), int):
        return None
    return payload["uid"], payload["v"]
