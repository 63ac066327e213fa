"""What the dashboards show from booking: the client's next massage and rebooking, and the
therapists' schedules for the therapist and admin dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal import clock
from portal.booking import queries, rebook, recheck, slots
from portal.booking.queries import ScheduleDay
from portal.client_guidance import guidance_for_client
from portal.guidance.rules import Guidance
from portal.profile import gate
from portal.salon import catalogue_cache


def dashboard_context(client_id: int, guidance: Guidance | None = None) -> dict:
    """Next appointment, and the appointment a rebook would repeat with when it is due.

    The free times themselves are fetched only when the client asks (one click), so the
    dashboard stays quick. `guidance`: the client's guidance when the page has it already.
    """
    upcoming = queries.upcoming(client_id)
    last = queries.latest_completed(client_id)
    if guidance is None and last:
        guidance = guidance_for_client(client_id, booked=queries.local_days(a.starts_at for a in upcoming))
    # The same date as the guidance panel's "Next due", from the same guidance.
    due = rebook.due_date(guidance)[0] if last else None
    next_appointment = upcoming[0] if upcoming else None
    return {
        "booking_next": next_appointment,
        "booking_more_upcoming": len(upcoming) - 1 if upcoming else 0,
        "booking_next_changeable": bool(next_appointment and slots.can_change_online(next_appointment.starts_at)),
        "booking_last": last,
        "booking_due": due,
        "booking_locations": catalogue_cache.locations(),
        # Upcoming appointments the health gate no longer allows, with what to do.
        "booking_held": recheck.held_advice(upcoming),
        "booking_screening": gate.screening_conditions(),
    }


@dataclass
class Schedule:
    day: date  # the day shown in full
    today: date
    week: list[ScheduleDay]  # Monday to Sunday of the week containing `day`

    @property
    def the_day(self) -> ScheduleDay:
        return next(d for d in self.week if d.day == self.day)

    @property
    def previous_week(self) -> date:
        return self.week[0].day - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week[0].day + timedelta(days=7)


def schedule_context(day: date | None, therapist_id: int | None = None) -> Schedule:
    """One day in full and its week, for one therapist (their own) or everyone (admin)."""
    today = clock.today()
    day = day or today
    monday = day - timedelta(days=day.weekday())
    week = queries.schedule(monday, monday + timedelta(days=6), therapist_id=therapist_id)
    return Schedule(day=day, today=today, week=week)
