"""Reads of the back-office activity log for the admin's page: filters and pages.

Only `admin_changes` is read here; the health access log is a different table and never shown
on this page (it can name what a therapist read about a client's health)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.audit.models import AdminChange
from portal.extensions import db
from portal.timezones import SALON_TZ

PER_PAGE = 25

# What the filter calls each kind of thing (subject_type). A kind not listed here still shows,
# under its own name, so a feature that records a new kind needs no change on this page.
KINDS: dict[str, str] = {
    "service": "Services",
    "therapist": "Therapists",
    "hours": "Working hours",
    "working_hours": "Working hours",
    "time_off": "Time off",
    "client_account": "Client accounts",
    "account": "Accounts",
    "user": "Accounts",
    "appointment": "Appointments",
    "location": "Locations",
}


def kind_label(subject_type: str) -> str:
    return KINDS.get(subject_type) or subject_type.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ActivityFilter:
    actor_id: int | None = None
    kind: str | None = None
    since: date | None = None  # salon days, both ends included
    until: date | None = None


@dataclass
class ActivityPage:
    entries: list[AdminChange]
    page: int
    pages: int
    total: int
    # The newest entry when the first page was drawn: the pages after it count from there, so
    # entries recorded meanwhile (reception books all day) neither repeat nor hide entries when
    # the admin goes Older or Newer; `newer` says how many came since (matching the filters).
    upto: int | None = None
    newer: int = 0

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _day_start(day: date) -> datetime:
    """Midnight of a salon day, as an aware instant (the right offset either side of a clock change)."""
    return datetime.combine(day, time(0), tzinfo=SALON_TZ)


def _where(chosen: ActivityFilter) -> list:
    clauses = []
    if chosen.actor_id is not None:
        clauses.append(AdminChange.actor_id == chosen.actor_id)
    if chosen.kind:
        clauses.append(AdminChange.subject_type == chosen.kind)
    if chosen.since is not None:
        clauses.append(AdminChange.at >= _day_start(chosen.since))
    if chosen.until is not None:
        clauses.append(AdminChange.at < _day_start(chosen.until + timedelta(days=1)))
    return clauses


def activity(chosen: ActivityFilter, page: int = 1, per_page: int = PER_PAGE, upto: int | None = None) -> ActivityPage:
    """Newest first, one page of entries matching the filter (a page past the end shows the last),
    among those recorded up to entry `upto` (the pager's; None: up to the newest now)."""
    where = _where(chosen)
    newer = 0
    if upto is None:
        upto = db.session.scalar(select(func.max(AdminChange.id)))
    else:
        newer = db.session.scalar(select(func.count()).select_from(AdminChange)
                                  .where(*where, AdminChange.id > upto)) or 0
    if upto is not None:
        where.append(AdminChange.id <= upto)
    total = db.session.scalar(select(func.count()).select_from(AdminChange).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = list(db.session.scalars(
        select(AdminChange).where(*where).order_by(AdminChange.at.desc(), AdminChange.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return ActivityPage(entries, page, pages, total, upto, newer)


def actors() -> list[tuple[int, str]]:
    """Everyone who has changed something (and still has an account), by name."""
    rows = db.session.execute(
        select(AdminChange.actor_id, func.max(AdminChange.actor_name))
        .where(AdminChange.actor_id.is_not(None)).group_by(AdminChange.actor_id)
    ).all()
    return sorted(((actor_id, name) for actor_id, name in rows), key=lambda row: (row[1].lower(), row[0]))


def kinds() -> list[tuple[str, str]]:
    """The kinds of thing changed so far, labelled."""
    found = db.session.scalars(select(AdminChange.subject_type).distinct())
    return sorted(((kind, kind_label(kind)) for kind in found), key=lambda row: row[1])
