"""Password hashing (argon2id) and the policy every new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases welcome; the cap only stops abuse of the hasher
# zxcvbn scores 0..4; 0 and 1 are passwords found in breach lists or one step from them.
MIN_SCORE = 2
# zxcvbn's cost grows with length; the first characters decide whether a password is common.
SCORED_PREFIX = 64

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A real hash to verify against when the email is unknown, so both paths take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; always spends one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why this password is refused, in words for the person choosing it; None if fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    result = zxcvbn(password[:SCORED_PREFIX], user_inputs=[u for u in (user_inputs or []) if u])
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or "This password is too easy to guess."
        return f"{warning.rstrip('.')}. Try a few unrelated words together."
    return None
