"""People who log in: clients, therapists and the salon's admins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db_types import UTCDateTime
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
