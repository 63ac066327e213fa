"""Health profile operations: consent, saving revisions, healing, export and deletion.

Each takes the client and plain data and flushes into the caller's transaction (the request
commits once): a save either writes the whole new revision (and consent record) or nothing.
`health_profile_changed` is queued with `events.after_commit`, so the re-check of the client's
bookings follows the committed change.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, events
from portal.accounts.locks import lock_client
from portal.accounts.models import User
from portal.audit.services import RecordingRead, Viewing, record_health_access
from portal.extensions import db
from portal.formatting import iso_or_none
from portal.guidance.rules import CONDITIONS, HealthFacts
from portal.roles import STAFF
from portal.profile.content import (
    ProfileContent,
    changes_across,
    changes_between,
    from_json,
    same_revision,
    to_json,
)
from portal.profile.models import HealthProfile, ProfileRevision
from portal.read_memo import remember, remembered
from portal.signals import health_profile_changed, health_profile_deleted

log = logging.getLogger("portal.profile")

CONSENT_VERSION = "2026-11-v1"
CONSENT_STATEMENT = (
    "I agree that Mesmerising Beauty may keep the health information I give here (conditions, "
    "pregnancy, injuries, medical clearance, pain and notes) to keep my massage safe, to suggest "
    "how often to come, and to brief the therapist who treats me. Only I and the salon staff who "
    "treat me can see it. I can withdraw this consent and delete the information at any time."
)


class ConsentRequired(PermissionError):
    """Health data is not stored without the client's explicit, current consent."""


class NotYours(PermissionError):
    """Only clients keep a health profile, and only their own."""


class ClearanceRefused(ValueError):
    """Staff can't record this GP clearance (nothing needs one, or it is already recorded)."""


@dataclass(frozen=True)
class RevisionChange:
    saved_at: datetime
    changes: list[str]
    recorded_by: str | None = None  # the member of staff who saved it for the client


@remembered
def profile_of(client_id: int) -> HealthProfile | None:
    return db.session.scalar(select(HealthProfile).where(HealthProfile.client_id == client_id))


def _open(revision: ProfileRevision) -> ProfileContent:
    return from_json(revision.content_json)


def latest_content(profile: HealthProfile | None) -> ProfileContent | None:
    """What the client has told us as of now, whatever the consent (for their own eyes)."""
    if profile is None:
        return None
    revision = db.session.scalar(
        select(ProfileRevision).where(ProfileRevision.profile_id == profile.id)
        .order_by(ProfileRevision.id.desc()).limit(1)
    )
    return _open(revision) if revision else None


@remembered
def content_for_use(client_id: int) -> ProfileContent | None:
    """The profile the portal may act on: none without current consent."""
    return _usable(*_profile_and_latest_revision(client_id))


def _usable(profile: HealthProfile | None, revision: ProfileRevision | None) -> ProfileContent | None:
    if profile is None or not profile.has_consent or revision is None:
        return None
    return _open(revision)


def latest_revision_of_profile():
    """The join condition from HealthProfile to its latest ProfileRevision, for a statement that
    reads the profile along with something else (then `remember_profile_read`)."""
    latest = (select(func.max(ProfileRevision.id)).where(ProfileRevision.profile_id == HealthProfile.id)
              .correlate(HealthProfile).scalar_subquery())
    return ProfileRevision.id == latest


def remember_profile_read(client_id: int, profile: HealthProfile | None, revision: ProfileRevision | None) -> None:
    """The profile and its latest revision, read by a wider statement (the booking page reads
    them with its defaults): `profile_of` and `content_for_use` remembered from them, unread again."""
    remember(profile_of, (client_id,), profile)
    remember(content_for_use, (client_id,), _usable(profile, revision))


def _profile_and_latest_revision(client_id: int) -> tuple[HealthProfile | None, ProfileRevision | None]:
    """The profile and its latest revision in one statement (and `profile_of` remembered)."""
    row = db.session.execute(_profile_and_latest_revision_statement(), {"client_id": client_id}).first()
    profile, revision = row if row is not None else (None, None)
    remember(profile_of, (client_id,), profile)
    return profile, revision


@cache
def _profile_and_latest_revision_statement():
    """`_profile_and_latest_revision`'s statement for the bound `client_id`: built once, as
    building it (and its cache key) costs as much as running it."""
    return (select(HealthProfile, ProfileRevision)
            .outerjoin(ProfileRevision, latest_revision_of_profile())
            .where(HealthProfile.client_id == bindparam("client_id")))


def goals_of(client_id: int) -> list[str]:
    """What the client hopes to achieve, as read (chosen goals, then their words); none without
    current consent."""
    content = content_for_use(client_id)
    return content.goal_list() if content is not None else []


def facts_from(content: ProfileContent | None) -> HealthFacts:
    """What the rules read from a profile; no profile (or no consent) is no known facts."""
    return content.to_facts() if content is not None else HealthFacts()


def facts_for(client_id: int) -> HealthFacts:
    """The one way to load a client's health facts: the consented profile's, or none."""
    return facts_from(content_for_use(client_id))


def _require_client(client: User) -> None:
    if not client.is_client:
        raise NotYours("only clients keep a health profile")


def has_consent(client_id: int) -> bool:
    """May the portal store and use this client's health data right now?"""
    profile = profile_of(client_id)
    return profile is not None and profile.has_consent


def record_consent(client: User, now: datetime | None = None) -> HealthProfile:
    """The client ticked the consent statement (on the profile, feedback or check-in form).

    Part of the caller's transaction: the consent and the data it covers are stored together.
    """
    _require_client(client)
    now = now or clock.now()
    profile = profile_of(client.id)
    if profile is None:
        profile = HealthProfile(client_id=client.id, created_at=now, updated_at=now)
        db.session.add(profile)
    if not profile.has_consent:
        profile.consent_version, profile.consent_given_at, profile.consent_withdrawn_at = CONSENT_VERSION, now, None
        log.info("health consent given user_id=%s version=%s", client.id, CONSENT_VERSION)
    db.session.flush()  # the profile id is part of the seal's context
    return profile


def save_profile(client: User, content: ProfileContent, consent_given: bool = False,
                 today: date | None = None, *, by: User | None = None) -> bool:
    """Store a new revision; the first save (or one after withdrawal) needs consent ticked.
    True if it stored one; False if nothing changed (the same content, dated as it would be
    stored, under the same consent): then nothing is written and no change is announced.

    `by`: the member of staff saving it for the client (the revision names them). Staff never
    give consent for a client: their save needs the client's current consent."""
    _require_client(client)
    staff = by is not None and by.id != client.id
    if staff and by.role not in STAFF:
        raise NotYours("only staff save a profile for someone else")
    # Two saves at once (two tabs, a double click) take turns, and the later compares with what
    # the earlier stored: the same answers sent twice are one revision, not two.
    lock_client(client.id)
    consented = has_consent(client.id)
    if not consented and (staff or not consent_given):
        raise ConsentRequired("tick the consent statement to store health information")
    now = clock.now()
    profile = record_consent(client, now)
    previous = latest_content(profile)
    dated = content.dated_from(previous, today or clock.today())
    if consented and same_revision(previous, dated):
        log.info("health profile unchanged, nothing saved user_id=%s", client.id)
        return False
    revision = ProfileRevision(profile=profile, created_at=now,
                               recorded_by_id=by.id if staff else None, recorded_by_name=by.name if staff else None)
    revision.content_json = to_json(dated).decode()  # sealed, bound to this profile
    db.session.add(revision)
    profile.updated_at = now
    db.session.flush()
    log.info("health profile saved user_id=%s by=%s", client.id, by.id if staff else "client")
    events.after_commit(health_profile_changed, client_id=client.id)
    return True


def clearable_conditions(content: ProfileContent | None) -> list[str]:
    """The labels of the conditions on this profile a GP clearance lifts, in table order: what
    a clearance recorded now covers (`ProfileContent.dated_from`)."""
    if content is None:
        return []
    clearable = content._clearable()
    return [rule.label for slug, rule in CONDITIONS.items() if slug in clearable]


def record_clearance(staff: User, client: User, cleared_on: date, source: str,
                     today: date | None = None) -> HealthProfile:
    """Staff record the GP clearance the client shows them: who gave it and when. Saved as a new
    revision in the staff member's name, covering every condition on the profile a GP clearance
    lifts (`dated_from`), and written to the health access log."""
    if staff.role not in STAFF:
        raise NotYours("only staff record a clearance for a client")
    today = today or clock.today()
    source = source.strip()
    if not source:
        raise ClearanceRefused("Please say who gave the clearance, for example: Dr Patel, Gosforth Surgery.")
    if cleared_on > today:
        raise ClearanceRefused("The clearance date can't be in the future.")
    current = content_for_use(client.id)
    if not clearable_conditions(current):
        raise ClearanceRefused("Nothing on this client's health profile needs a GP's clearance.")
    if (current.medical_clearance_on, current.clearance_source) == (cleared_on, source):
        raise ClearanceRefused("That clearance is already recorded.")
    save_profile(client, replace(current, medical_clearance_on=cleared_on, clearance_source=source),
                 today=today, by=staff)
    record_health_access(staff, client.id, "recorded a GP clearance")
    log.info("gp clearance recorded user_id=%s by=%s", client.id, staff.id)
    return profile_of(client.id)


def mark_healed(client: User, condition: str) -> bool:
    """One click for a skin condition that has healed; False if there was nothing to heal, or the
    condition needs more than the client's word (an acute injury needs a recorded diagnosis)."""
    _require_client(client)
    rule = CONDITIONS.get(condition)
    lock_client(client.id)  # a second click at once waits, then finds the condition gone
    profile = profile_of(client.id)
    current = latest_content(profile) if profile and profile.has_consent else None
    if rule is None or not rule.heals_in_one_click or current is None or condition not in current.conditions:
        return False
    save_profile(client, current.without_condition(condition))
    return True


def already_healed(client_id: int, condition: str) -> bool:
    """Is the condition off the client's consented profile, so there is nothing to heal (a second
    click of "It has healed", or a condition they never had)? False without consent."""
    content = content_for_use(client_id)
    return content is not None and condition not in content.conditions


def withdraw_consent(client: User) -> None:
    """Stop using the profile at once; the client is then offered deletion."""
    profile = profile_of(client.id)
    if profile is None or not profile.has_consent:
        return
    profile.consent_withdrawn_at = clock.now()
    db.session.flush()
    log.info("health consent withdrawn user_id=%s", client.id)
    events.after_commit(health_profile_changed, client_id=client.id)


def delete_profile(client: User) -> bool:
    """Delete all of the client's health data in one transaction: the profile and every
    revision, every pain check-in, and every session's feedback (pain scores, pressure, focus
    areas and the sealed note). Whole feedback rows go: the pressure answers were given under
    the same consent and teach guidance, so keeping them would leave history behind.

    Appointments, the therapists' treatment notes (the salon's record of the treatment) and
    the access log stay; templates/profile/privacy.html says exactly this to the client.
    """
    profile = profile_of(client.id)
    # Each feature that keeps health data deletes its part in this transaction; the result is
    # how many rows each deleted.
    forgotten = sum(count for _, count in health_profile_deleted.send(__name__, client_id=client.id))
    if not forgotten and profile is None:
        return False
    if profile is not None:
        db.session.delete(profile)
    db.session.flush()
    log.info("health profile deleted user_id=%s", client.id)
    events.after_commit(health_profile_changed, client_id=client.id)
    return True


def _with_revisions(client_id: int) -> HealthProfile | None:
    """The profile and every revision, in two queries (revisions are opened only as needed)."""
    return db.session.scalar(
        select(HealthProfile).options(selectinload(HealthProfile.revisions))
        .where(HealthProfile.client_id == client_id)
    )


def history(client_id: int) -> list[RevisionChange]:
    """Every save, newest first, with what it changed."""
    profile = _with_revisions(client_id)
    if profile is None:
        return []
    entries, previous = [], None
    for revision in profile.revisions:
        content = _open(revision)
        entries.append(RevisionChange(revision.created_at, changes_between(previous, content) or ["No changes."],
                                      revision.recorded_by_name))
        previous = content
    return entries[::-1]


def changes_since(client_id: int, since: datetime | None) -> list[str]:
    """What changed in the profile after `since` (e.g. the client's last visit), including
    conditions added and removed again in between."""
    return _changes(_with_revisions(client_id), since)


def consented_profile(client_id: int, since: datetime | None, viewed: Viewing | None = None
                      ) -> tuple[HealthProfile | None, ProfileContent | None, list[str]]:
    """The profile, and under current consent its latest content and what changed after `since`
    (`changes_since`), in one statement: the profile joined to every revision (opened only as
    needed), recording the view when `viewed` says who sees it. Without consent, the profile alone."""
    params = {"client_id": client_id}
    result = (db.session.execute(_PROFILE_WITH_REVISIONS, params) if viewed is None else
              _PROFILE_RECORDING_THE_VIEW.execute(params, client_id, viewed))
    profile = result.scalars().unique().first()
    if profile is None or not profile.has_consent:
        return profile, None, []
    opened: dict[int, ProfileContent] = {}  # each revision opened once
    changes = _changes(profile, since, opened)
    last = profile.revisions[-1] if profile.revisions else None
    return profile, (opened.get(last.id) or _open(last)) if last else None, changes


_PROFILE_WITH_REVISIONS = (select(HealthProfile).options(joinedload(HealthProfile.revisions))
                           .where(HealthProfile.client_id == bindparam("client_id")))
_PROFILE_RECORDING_THE_VIEW = RecordingRead(_PROFILE_WITH_REVISIONS)


def _changes(profile: HealthProfile | None, since: datetime | None, opened: dict | None = None) -> list[str]:
    if profile is None or not profile.has_consent or not profile.revisions:
        return []
    opened = {} if opened is None else opened

    def content(revision: ProfileRevision) -> ProfileContent:
        if revision.id not in opened:
            opened[revision.id] = _open(revision)
        return opened[revision.id]

    before = [r for r in profile.revisions if since is not None and r.created_at <= since]
    after = [r for r in profile.revisions if since is None or r.created_at > since]
    if not after:
        return []
    old = content(before[-1]) if before else None
    return changes_across(old, [content(revision) for revision in after])


def export(client: User) -> dict:
    """Everything the portal keeps about the client's health profile, readable."""
    profile = profile_of(client.id)
    document = {
        "account": {"name": client.name, "email": client.email, "phone": client.phone,
                    "created_at": client.created_at.isoformat()},
        "health_profile": None,
    }
    if profile is None:
        return document
    revisions = []
    for revision in profile.revisions:
        content = _open(revision)
        revisions.append({"saved_at": revision.created_at.isoformat(), "content": _readable(content),
                          "recorded_by_salon_staff": revision.recorded_by_name})
    document["health_profile"] = {
        "consent": {
            "version": profile.consent_version,
            "given_at": iso_or_none(profile.consent_given_at),
            "withdrawn_at": iso_or_none(profile.consent_withdrawn_at),
            "statement": CONSENT_STATEMENT,
        },
        "revisions": revisions,
    }
    return document


def _readable(content: ProfileContent) -> dict:
    return json.loads(to_json(content))

