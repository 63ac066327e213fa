"""Share links: made, listed and revoked by the client; opened by anyone holding one, each
view written to the client's health access log. Flushes, never commits."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date

from sqlalchemy import delete, select, update

from portal import clock
from portal.accounts.models import User
from portal.audit.services import record_health_access
from portal.extensions import db
from portal.formatting import format_date
from portal.report.models import ReportShare
from portal.report.rules import link_expires, link_is_open, viewer_name
from portal.timezones import to_local

log = logging.getLogger("portal.report")

VIEWER_ROLE = "shared link"


class NotFound(LookupError):
    """No such link of this client's."""


def _token_hash(token: str) -> str:
    # 256 random bits: a plain SHA-256 is enough, there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(client: User, start: date, end: date, days: int) -> str:
    """A new link to the client's report for `start`..`end`, working `days` days; returns the
    token (shown once: only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(ReportShare(client_id=client.id, token_hash=_token_hash(token), period_start=start,
                               period_end=end, created_at=now, expires_at=link_expires(now, days)))
    db.session.flush()
    log.info("report share link made client_id=%s days=%s", client.id, days)
    return token


def active_links(client_id: int) -> list[ReportShare]:
    """The client's links that still work, newest first."""
    return list(db.session.scalars(
        select(ReportShare).where(ReportShare.client_id == client_id, ReportShare.revoked_at.is_(None),
                                  ReportShare.expires_at > clock.now())
        .order_by(ReportShare.created_at.desc(), ReportShare.id.desc())))


def revoke(client: User, link_id: int) -> ReportShare:
    """Stop one of the client's own links; NotFound for anyone else's."""
    link = db.session.get(ReportShare, link_id)
    if link is None or link.client_id != client.id:
        raise NotFound(link_id)
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        db.session.flush()
        log.info("report share link revoked client_id=%s link_id=%s", client.id, link.id)
    return link


def open_link(token: str) -> ReportShare | None:
    """The working link this token opens, if any (unknown, expired or revoked: None)."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(ReportShare).where(ReportShare.token_hash == _token_hash(token)))
    if link is None or not link_is_open(link.expires_at, link.revoked_at, clock.now()):
        return None
    return link


def record_view(link: ReportShare) -> None:
    """Count the view and write it to the client's health access log (in the request's transaction)."""
    # In SQL, so two views at once both count.
    db.session.execute(update(ReportShare).where(ReportShare.id == link.id).values(views=ReportShare.views + 1)
                       .execution_options(synchronize_session=False))
    name = viewer_name(to_local(link.created_at).date(), to_local(link.expires_at).date())
    record_health_access(None, link.client_id,
                         f"shared report {format_date(link.period_start)} to {format_date(link.period_end)}",
                         viewer_name=name, viewer_role=VIEWER_ROLE)
    db.session.flush()


def forget_links(client_id: int) -> int:
    """Delete every link of the client's (their health profile is being deleted); how many went."""
    return db.session.execute(delete(ReportShare).where(ReportShare.client_id == client_id)).rowcount


def on_health_profile_deleted(sender, client_id: int, **extra) -> int:
    """Listener of `health_profile_deleted` (connected in portal.listeners)."""
    return forget_links(client_id)
