"""Password hashing (argon2id) and the policy every new password must meet."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases welcome; the cap only stops abuse of the hasher
# zxcvbn scores 0..4; 0 and 1 are passwords found in breach lists or one step from them.
MIN_SCORE = 2
# zxcvbn's cost grows with length; the first characters decide whether a password is common.
SCORED_PREFIX = 64

# The cost of a hash, chosen per deployment kind by the PASSWORD_HASH_COST setting.
# "standard" is argon2id with the library's RFC 9106 profile (what production and development
# use); "testing" is argon2id with the smallest time and memory, so the suite's ~300 log-ins do
# not each pay for a real hash. Salt and hash lengths stay the same, so the hashes look alike.
COSTS = {
    "standard": profiles.RFC_9106_LOW_MEMORY,
    "testing": replace(profiles.RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1),
}


@cache
def _hasher_for(cost: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(COSTS[cost])


@cache
def _dummy_hash_for(cost: str) -> str:
    # A real hash with the same parameters as every other hash of this cost, verified when the
    # email is unknown, so both paths take as long.
    return _hasher_for(cost).hash("not-a-real-password-for-timing")


# Made now, not at the first unknown email, so that one is not slower than the rest either.
_dummy_hash_for("standard")


def _cost() -> str:
    """The running app's hash cost; outside an app, the standard one (never cheaper by accident)."""
    return current_app.config.get("PASSWORD_HASH_COST", "standard") if has_app_context() else "standard"


def hasher() -> PasswordHasher:
    return _hasher_for(_cost())


def dummy_hash() -> str:
    return _dummy_hash_for(_cost())


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; always spends one argon2 verification."""
    try:
        return hasher().verify(password_hash or dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


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
