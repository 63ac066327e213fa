"""Demo feedback and check-ins for the demo client: a back that gets better with regular care."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.booking.models import Appointment
from portal.booking.status import is_completed
from portal.extensions import db
from portal.feedback.models import AppointmentFeedback, PainCheckIn
from portal.feedback.services import FeedbackInput, record_checkin, save_feedback

# Oldest session first: lower back falls from 7 to 3 over six months, the neck eases too.
LOWER_BACK = [(7, 5), (7, 4), (6, 4), (6, 3), (5, 3), (4, 2), (3, 1)]
NECK = [(5, 3), (5, 3), (4, 2), None, (3, 2), (3, 1), (2, 1)]
PRESSURE = ["a_little_firm", "just_right", "just_right", "a_little_light", "just_right", "just_right", "just_right"]
NOTES = {0: "Lower back was very stiff after a week of deadlines.", 5: "Much easier this month, thank you!"}


def _existing(client: User) -> dict[str, int]:
    """What the demo client has now, whichever run added it (the summary reports what exists)."""
    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(model.client_id == client.id))
    return {"feedback": count(AppointmentFeedback), "check-ins": count(PainCheckIn)}


def load_demo_feedback() -> dict[str, int]:
    """Feedback on each of the demo client's past sessions and a check-in between them, once."""
    client = db.session.scalar(select(User).where(User.email == "client@example.com"))
    if client is None:
        return {}
    now = clock.now()
    if db.session.scalar(select(AppointmentFeedback.id).where(AppointmentFeedback.client_id == client.id).limit(1)):
        return _existing(client)
    sessions = [a for a in db.session.scalars(
        select(Appointment).where(Appointment.client_id == client.id).order_by(Appointment.starts_at))
        if is_completed(a, now) and a.starts_at < now - timedelta(days=1)]
    sessions = sessions[-len(LOWER_BACK):]
    offset = len(LOWER_BACK) - len(sessions)
    next_starts = [a.starts_at for a in sessions[1:]] + [now]
    for index, (appointment, next_start) in enumerate(zip(sessions, next_starts), start=offset):
        before = {"lower_back": LOWER_BACK[index][0]}
        after = {"lower_back": LOWER_BACK[index][1]}
        if NECK[index]:
            before["neck"], after["neck"] = NECK[index]
        save_feedback(client, appointment.id, FeedbackInput(
            pressure=PRESSURE[index], pain_before=before, pain_after=after,
            focus_areas=frozenset({"lower_back"}), note=NOTES.get(index, "")), now=appointment.ends_at + timedelta(hours=3))
        # Between visits (two weeks on, or halfway to the next visit or to today if sooner: a
        # check-in is never in the future), the back creeps up a little before the next session.
        gap = min(timedelta(days=14), (next_start - appointment.starts_at) / 2)
        record_checkin(client, {"lower_back": min(10, LOWER_BACK[index][1] + 2)},
                       now=appointment.starts_at + gap)
    return _existing(client)
