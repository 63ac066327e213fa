"""Back-office operations on people: each takes plain data and the acting admin, records the
change in the activity log (portal.audit), flushes, never commits (the request commits once).

Never passwords, tokens or health data in the activity log: names, addresses, roles, phone
numbers, qualifications and services only.
"""

from __future__ import annotations

import logging

from portal import events, signals
from portal.accounts import invitations
from portal.accounts.invitations import AlreadyHasAccount
from portal.accounts.models import User
from portal.audit.services import record_change
from portal.extensions import db
from portal.roles import CLIENT, THERAPIST
from portal.salon import versions
from portal.salon.locks import lock_therapist
from portal.salon.models import Therapist
from portal.staff import queries

log = logging.getLogger("portal.staff")

__all__ = ["AlreadyHasAccount", "NotFound", "invite_staff", "resend_invitation",
           "update_therapist", "add_phone_client"]


class NotFound(LookupError):
    """No such therapist or staff member."""


def _names(rows) -> str:
    return ", ".join(sorted(row.name for row in rows))


def invite_staff(actor: User, name: str, email: str, role: str) -> User:
    """A therapist or admin account with no usable password, and the invitation to choose one.

    A therapist also gets their Therapist row, giving no services yet: they are offered to
    clients once the admin has said which services they give."""
    user = invitations.create_account(name, role, email=email)
    record_change(actor, "invited", "user", user.id, name, {"name": (None, name), "email": (None, email),
                                                          "role": (None, role)})
    if role == THERAPIST:
        therapist = Therapist(display_name=name, user=user)
        db.session.add(therapist)
        db.session.flush()
        record_change(actor, "created", "therapist", therapist.id, name,
                      {"display_name": (None, name), "login": (None, email)})
    return user


def resend_invitation(actor: User, user_id: int) -> User:
    """Another invitation email for staff who have not chosen their password yet."""
    user = queries.staff_member(user_id)
    if user is None or not invitations.is_pending(user):
        raise NotFound(user_id)
    invitations.invite(user)
    record_change(actor, "invitation resent", "user", user.id, user.name)
    return user


def update_therapist(actor: User, therapist_id: int, display_name: str, bio: str,
                     qualification_ids: set[int], service_ids: set[int], *, seen_version: int | None) -> Therapist:
    """Name, bio, qualifications and the services they give (booking offers them only for those),
    as the form drawn at `seen_version` has them; versions.Stale if they were saved since.

    Qualifications are what the health gate reads of a therapist (pregnancy training): when they
    change, booking re-checks the therapist's upcoming appointments once this has committed
    (`therapist_qualifications_changed`), holding those the gate would now refuse."""
    # First the therapist's row lock (as the rota's changes): a booking holds it shared from its
    # check of their qualifications and services to its commit, and the version claim's UPDATE
    # alone would not wait for it, so the re-check after this commit could miss that booking.
    if lock_therapist(therapist_id, to_change=True) is None:
        raise NotFound(therapist_id)
    therapist = queries.therapist(therapist_id)
    if not versions.claim(Therapist, therapist, seen_version):
        raise versions.Stale(therapist, f"{therapist.display_name}'s details")
    qualifications = [q for q in queries.qualifications() if q.id in qualification_ids]
    services = [s for s in queries.services() if s.id in service_ids]
    before = {"display_name": therapist.display_name, "bio": therapist.bio,
              "qualifications": _names(therapist.qualifications), "services": _names(therapist.services)}
    qualified_before = {q.id for q in therapist.qualifications}
    therapist.display_name, therapist.bio = display_name, bio
    therapist.qualifications, therapist.services = qualifications, services
    db.session.flush()
    if {q.id for q in qualifications} != qualified_before:
        events.after_commit(signals.therapist_qualifications_changed, therapist_id=therapist.id)
    after = {"display_name": display_name, "bio": bio, "qualifications": _names(qualifications),
             "services": _names(services)}
    record_change(actor, "updated", "therapist", therapist.id, display_name,
                  {field: (before[field], after[field]) for field in before})
    return therapist


def add_phone_client(actor: User, name: str, phone: str, email: str | None) -> User:
    """A client who phoned the salon: name and (normalised) phone, and an email if they gave one.

    With an email they are invited to choose a password and fill in their health form; without
    one they cannot log in and are never emailed (reception books for them)."""
    user = invitations.create_account(name, CLIENT, email=email or None, phone=phone)
    record_change(actor, "created", "client", user.id, name,
                  {"name": (None, name), "phone": (None, phone), "email": (None, email or None)})
    return user
