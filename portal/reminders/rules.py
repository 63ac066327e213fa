"""When each message between visits is due, and quiet hours: pure functions of times.

No Flask, no database: each takes "now" (from portal.clock, passed in) and the times it needs,
and is tested value for value, clock-change weeks included. Days and hours are the salon's
(Europe/London), so "the day before" and "after 21:00" mean what the client's own clock says.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from portal.timezones import SALON_TZ

# No email between 21:00 and 08:00 salon time: a message due then waits until 08:00.
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)

# "How did it feel?": a few hours after the session ends, while it is fresh; not a day later
# (a scan that was down that long sends nothing rather than something stale).
FEEL_AFTER = timedelta(hours=3)
FEEL_UNTIL = timedelta(hours=24)
# Lasting relief: 48 hours after the session ends, for a day.
RELIEF_AFTER = timedelta(hours=48)
RELIEF_UNTIL = timedelta(hours=72)
# How long a lasting-relief answer link works.
RELIEF_LINK_MAX_AGE = timedelta(days=7)


def local_day(moment: datetime) -> date:
    return moment.astimezone(SALON_TZ).date()


def salon_time(day: date, at: time) -> datetime:
    """`at` on `day` on the salon's clock, as aware UTC (08:00 is 07:00Z in summer, 08:00Z in winter)."""
    return datetime.combine(day, at, tzinfo=SALON_TZ).astimezone(timezone.utc)


def not_before(now: datetime) -> datetime | None:
    """When a message made at `now` may go: None (at once) outside quiet hours, else 08:00
    salon time (the same morning before 08:00, the next morning from 21:00)."""
    local = now.astimezone(SALON_TZ)
    if local.time() >= QUIET_FROM:
        return salon_time(local.date() + timedelta(days=1), QUIET_UNTIL)
    if local.time() < QUIET_UNTIL:
        return salon_time(local.date(), QUIET_UNTIL)
    return None


def reminder_due(starts_at: datetime, now: datetime) -> bool:
    """The day-before reminder is due all through the salon day before the appointment's day
    (from 00:00 to 23:59:59 local, however long the clocks make that day)."""
    return local_day(starts_at) - local_day(now) == timedelta(days=1)


def feel_due(ends_at: datetime, now: datetime) -> bool:
    """ "How did it feel?": from 3 hours after the session ends, for the rest of a day."""
    return ends_at + FEEL_AFTER <= now < ends_at + FEEL_UNTIL


def relief_due(ends_at: datetime, now: datetime) -> bool:
    """Lasting relief: from 48 hours after the session ends, for a day."""
    return ends_at + RELIEF_AFTER <= now < ends_at + RELIEF_UNTIL


def nudge_due(next_due: date | None, today: date) -> bool:
    """ "You're due" from the guidance's next due date on (its key, the due date, makes it once
    per interval: a new session moves the date, and with it the key)."""
    return next_due is not None and today >= next_due


def morning_list_due(now: datetime) -> bool:
    """The therapist's morning list goes from 06:00 salon time (quiet hours hold it to 08:00)."""
    return now.astimezone(SALON_TZ).time() >= time(6, 0)


# The dashboard asks the same lasting-relief question from 36 to 96 hours after the session ends:
# around the email's 48 hours, and for a while after it for a client who reads no email.
DASHBOARD_RELIEF_FROM = timedelta(hours=36)
DASHBOARD_RELIEF_UNTIL = timedelta(hours=96)


def relief_asked_on_dashboard(ends_at: datetime, now: datetime) -> bool:
    """The dashboard's lasting-relief question: from 36 hours after the session ends, until 96."""
    return ends_at + DASHBOARD_RELIEF_FROM <= now < ends_at + DASHBOARD_RELIEF_UNTIL
