"""The roles a user can have: the one vocabulary for access rules, the database's check
constraint and each role's home page. Imports nothing from Flask or the database."""

from __future__ import annotations

CLIENT, THERAPIST, ADMIN = "client", "therapist", "admin"
ROLES = (CLIENT, THERAPIST, ADMIN)  # what users.role may hold
STAFF = frozenset({THERAPIST, ADMIN})

# Not a stored role: whoever is not logged in.
ANONYMOUS = "anonymous"
EVERYONE = frozenset({ANONYMOUS, *ROLES})
SIGNED_IN = ROLES

# Where each role lands after logging in (or opening the front door logged in).
HOME_ENDPOINTS = {CLIENT: "dashboard.client", THERAPIST: "dashboard.therapist", ADMIN: "dashboard.admin"}


def role_check_sql(column: str = "role") -> str:
    """The users table's CHECK: only a known role (the migration wrote the same text)."""
    return f"{column} IN ({', '.join(repr(role) for role in ROLES)})"
