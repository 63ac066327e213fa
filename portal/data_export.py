"""Everything the portal keeps about one client, in one readable document (their copy)."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import LoginSession, User
from portal.audit.services import accesses_for
from portal.booking.models import Appointment, CalendarFeed
from portal.extensions import db
from portal.formatting import iso_or_none
from portal.feedback.models import AppointmentFeedback, PainCheckIn
from portal.feedback.services import open_note
from portal.outbox.models import OutboxMessage
from portal.profile.services import export as profile_export
from portal.reminders.services import categories_for, preferences_for
from portal.report.models import ReportShare


def export_for(client: User) -> dict:
    """Account (phone included), email choices, health profile (every revision), appointments,
    feedback, check-ins, share links, who viewed them, the emails sent (or waiting), the logins
    and the calendar feed."""
    document = profile_export(client)
    document["email_preferences"] = _email_preferences(client)
    feedback = {f.appointment_id: f for f in db.session.scalars(
        select(AppointmentFeedback).where(AppointmentFeedback.client_id == client.id))}
    appointments = list(db.session.scalars(select(Appointment).where(Appointment.client_id == client.id)
                                           .order_by(Appointment.starts_at)))
    starts = {a.id: a.starts_at.isoformat() for a in appointments}
    document["appointments"] = [
        {
            "starts_at": a.starts_at.isoformat(), "ends_at": a.ends_at.isoformat(), "service": a.service.name,
            "therapist": a.therapist.display_name, "location": a.location.name, "status": a.status,
            "no_show": a.no_show, "feedback": _feedback(feedback.get(a.id)),
            # What the portal recorded about this booking's health check (issue items 3 and 5).
            "screening_confirmed_at": iso_or_none(a.screening_confirmed_at),
            "health_hold": a.health_hold,
            "health_hold_at": iso_or_none(a.health_hold_at),
        }
        for a in appointments
    ]
    document["pain_checkins"] = [
        {"recorded_at": c.recorded_at.isoformat(), "pain": c.pain(), "new_numbness": c.new_numbness,
         "stress": c.stress, "sleep_quality": c.sleep_quality,
         # The session this answers ("two days on"), by its start, when it is tied to one.
         "for_session_at": starts.get(c.appointment_id)}
        for c in db.session.scalars(select(PainCheckIn).where(PainCheckIn.client_id == client.id)
                                    .order_by(PainCheckIn.recorded_at))
    ]
    # The links the client made to share their report (never the link itself: only its hash is kept).
    document["report_share_links"] = [
        {"period_start": s.period_start.isoformat(), "period_end": s.period_end.isoformat(),
         "made_at": s.created_at.isoformat(), "ends_at": s.expires_at.isoformat(),
         "revoked_at": iso_or_none(s.revoked_at), "views": s.views}
        for s in db.session.scalars(select(ReportShare).where(ReportShare.client_id == client.id)
                                    .order_by(ReportShare.created_at))
    ]
    document["health_record_views"] = [
        {"at": v.at.isoformat(), "viewer": v.viewer_name, "role": v.viewer_role, "what": v.what}
        for v in accesses_for(client.id)
    ]
    # What the outbox keeps of each email to them (the body of a sent one is cleared; a waiting
    # one's holds working links, so never the body).
    document["emails"] = [
        {"kind": m.kind, "subject": m.subject, "to": m.to, "status": m.status,
         "queued_at": iso_or_none(m.created_at), "sent_at": iso_or_none(m.sent_at)}
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == client.id)
                                    .order_by(OutboxMessage.created_at, OutboxMessage.id))
    ]
    document["logins"] = [
        {"device": s.device, "started_at": iso_or_none(s.created_at),
         "last_seen_at": iso_or_none(s.last_seen_at), "ended_at": iso_or_none(s.revoked_at)}
        for s in db.session.scalars(select(LoginSession).where(LoginSession.user_id == client.id)
                                    .order_by(LoginSession.created_at, LoginSession.id))
    ]
    # Only a hash of the feed's address is kept, so only when it was made.
    feed = db.session.get(CalendarFeed, client.id)
    document["calendar_feed"] = {"made_at": iso_or_none(feed.created_at)} if feed else None
    return document


def _email_preferences(client: User) -> dict:
    """Which kinds of email the client gets (the defaults, and no change time, if they never chose)."""
    chosen = preferences_for(client.id)
    document = {kind: getattr(chosen, kind) for kind in categories_for(client)}
    document["changed_at"] = iso_or_none(chosen.updated_at)
    return document


def _feedback(row: AppointmentFeedback | None) -> dict | None:
    if row is None:
        return None
    return {"pressure": row.pressure, "pain_before": row.pain("before"), "pain_after": row.pain("after"),
            "focus_areas": row.focus, "note": open_note(row), "given_at": row.created_at.isoformat(),
            "stress": row.stress, "sleep_quality": row.sleep_quality}
