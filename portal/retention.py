"""Health-data retention: forget the health data of clients who have gone quiet.

A client with no appointment, no login and no account activity for HEALTH_DATA_RETENTION_DAYS
loses their health profile (every revision), pain check-ins and session feedback, through the
same path as a client deleting them (profile.services.delete_profile). Their account,
appointments and the therapists' treatment notes stay: they are the salon's records, kept
under other rules. Cross-feature (profile, booking, feedback), like portal.data_export.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, union

from portal.accounts.models import LoginSession, User
from portal.booking.models import Appointment
from portal.extensions import db
from portal.feedback.models import AppointmentFeedback, PainCheckIn
from portal.profile.models import HealthProfile
from portal.profile.services import delete_profile
from portal.roles import CLIENT

log = logging.getLogger("portal.retention")


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Activity before this instant no longer keeps a client's health data."""
    if days < 1:
        raise ValueError("HEALTH_DATA_RETENTION_DAYS must be at least 1.")
    return now - timedelta(days=days)


@dataclass(frozen=True)
class Forgotten:
    clients: int
    profiles: int
    checkins: int
    feedback: int


def _holders():
    """Ids of every client with any health data."""
    return union(select(HealthProfile.client_id), select(PainCheckIn.client_id),
                 select(AppointmentFeedback.client_id)).subquery()


def inactive_clients(cutoff: datetime) -> list[User]:
    """Clients holding health data with nothing since `cutoff`: no appointment starting then or
    later (booked, cancelled or still to come: any booking counts as a visit, which errs on
    keeping), no login or use of a login session, and an account older than that."""
    holders = _holders()
    recent_appointment = select(Appointment.id).where(Appointment.client_id == User.id,
                                                      Appointment.starts_at >= cutoff).exists()
    recent_session = select(LoginSession.id).where(LoginSession.user_id == User.id,
                                                   LoginSession.last_seen_at >= cutoff).exists()
    return list(db.session.scalars(
        select(User)
        .where(User.id.in_(select(holders.c.client_id)), User.role == CLIENT,
               User.created_at < cutoff,
               or_(User.last_login_at.is_(None), User.last_login_at < cutoff),
               ~recent_appointment, ~recent_session)
        .order_by(User.id)
    ))


def _count(model, client_ids: list[int]) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.client_id.in_(client_ids))) or 0


def forget_inactive(cutoff: datetime, *, dry_run: bool = False) -> Forgotten:
    """Delete (or with dry_run only count) the health data of `inactive_clients(cutoff)`; flushes,
    the caller commits. Counts only: no health data is returned or logged."""
    clients = inactive_clients(cutoff)
    ids = [client.id for client in clients]
    found = Forgotten(len(ids), _count(HealthProfile, ids), _count(PainCheckIn, ids), _count(AppointmentFeedback, ids))
    if not dry_run:
        for client in clients:
            delete_profile(client)
    log.info("health data retention cutoff=%s dry_run=%s clients=%s", cutoff.isoformat(), dry_run, found.clients)
    return found
