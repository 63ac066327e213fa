"""Record staff views of health data; list them for the client."""

from __future__ import annotations

import logging

from flask import g, has_request_context
from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.extensions import db

log = logging.getLogger("portal.audit")


def record_health_access(viewer: User, client_id: int, what: str) -> None:
    """Note that `viewer` saw `client_id`'s health data; part of the caller's transaction."""
    request_id = g.get("request_id") if has_request_context() else None
    db.session.add(HealthAccess(client_id=client_id, viewer_id=viewer.id, viewer_name=viewer.name,
                                viewer_role=viewer.role, what=what, at=clock.now(), request_id=request_id))
    log.info("health data viewed client_id=%s viewer_id=%s what=%s", client_id, viewer.id, what)


def accesses_for(client_id: int, limit: int = 200) -> list[HealthAccess]:
    """Newest first: who has looked at this client's health record."""
    return list(db.session.scalars(
        select(HealthAccess).where(HealthAccess.client_id == client_id)
        .order_by(HealthAccess.at.desc(), HealthAccess.id.desc()).limit(limit)
    ))
