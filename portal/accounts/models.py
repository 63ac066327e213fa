"""People who log in: clients, therapists and the salon's admins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, event, func, literal
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.accounts.phones import PHONE_PUNCTUATION
from portal.db_types import UTCDateTime
from portal.schema_compare import only_on
from portal.roles import ADMIN, CLIENT, THERAPIST, role_check_sql
from portal.extensions import db



class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(role_check_sql(), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a client reception added by phone: they cannot log in or be emailed. Unique
    # among the addresses that are set (both databases allow many NULLs in a unique column).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Optional, for reception to find and call a client; normalised by accounts.phones
    # ("+447700900123"; older rows may hold what was typed).
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=CLIENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on password change: reset links made before it stop working.
    session_version: Mapped[int] = mapped_column(default=1)

    # The login session this object was loaded for (not a column): set at login and by the user
    # loader, so Flask-Login's session and remember cookie name that session, not just the user.
    login_token = None  # str | None; a plain attribute, not mapped

    def get_id(self) -> str:
        """"<user id>:<login session token>": the id Flask-Login keeps in the session and in
        the remember-me cookie, so revoking the login session on the server ends both."""
        if not self.login_token:
            raise RuntimeError("start a login session (services.start_login_session) before login_user")
        return f"{self.id}:{self.login_token}"

    @property
    def is_client(self) -> bool:
        return self.role == CLIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == THERAPIST

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


def phone_digits(phone):
    """A phone column with what people type between digits taken out, in SQL (both databases):
    how reception's search reads numbers, some kept as typed before numbers were normalised.
    The marks are written into the SQL, not bound: PostgreSQL uses the index on this expression
    only for the very same expression, whatever plan it keeps for the statement."""
    digits = func.coalesce(phone, _written(""))
    for mark in PHONE_PUNCTUATION:
        digits = func.replace(digits, _written(mark), _written(""))
    return digits


def _written(text: str):
    return literal(text, String(), literal_execute=True)  # in the SQL sent, not a parameter


# Reception finds a client by any part of their name, email or phone's digits (`LIKE '%...%'`,
# reception/queries.py). On PostgreSQL a trigram index (pg_trgm, made by the migration) answers
# that from the clients who match instead of reading every client of the chain (20,000: 40 ms a
# search); a search under three characters still reads them all. SQLite has no such index.
for _name, _indexed in (("name", User.__table__.c.name), ("email", User.__table__.c.email),
                        ("phone_digits", phone_digits(User.__table__.c.phone).label("phone_digits"))):
    only_on("postgresql", Index(f"ix_users_{_name}_trgm", _indexed, postgresql_using="gin",
                                postgresql_ops={_name: "gin_trgm_ops"}))
# The clients' list in name order (reception with nothing typed yet, and every search's page):
# read from this index, 20 at a time, instead of sorting every client of the chain (20 ms on
# 20,000). Both databases.
Index("ix_users_lower_name_id", func.lower(User.__table__.c.name), User.__table__.c.id)
# create_all (tests) needs the extension first, as the migration makes it.
event.listen(User.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


class LoginSession(db.Model):
    """One login on one device: what the session and remember-me cookies point at.

    Only a hash of the token is kept, so a copy of the database cannot be replayed as a cookie;
    logging out sets revoked_at and every copy of that device's cookies stops working.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id_revoked_at", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(60))  # "Firefox on Windows": enough to recognise it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} user={self.user_id}>"
