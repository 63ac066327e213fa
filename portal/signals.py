"""Domain events one feature sends and others react to, so the sender needs no import of them.

Who listens is wired in one place, `portal.listeners.connect_listeners`, called by the app
factory (so tests, the CLI and the server get the same wiring, and importing a module never
subscribes anything).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by the profile services after a save, a healed condition, a consent withdrawal or a
# deletion, with `client_id=`: what the portal may act on for that client has changed.
# Queued with portal.events.after_commit: receivers run after the sender's transaction
# committed, so each is its own unit of work (booking's re-check commits its holds).
health_profile_changed = _signals.signal("health-profile-changed")

# Sent by the staff services when an admin changes a therapist's qualifications, with
# `therapist_id=`: what the health gate reads of that therapist (pregnancy training) has changed,
# so booking re-checks their upcoming appointments as after a profile change. Queued with
# portal.events.after_commit: the re-check is its own unit of work and commits its holds.
therapist_qualifications_changed = _signals.signal("therapist-qualifications-changed")

# Sent by profile.services.delete_profile INSIDE its transaction, with `client_id=`: every
# feature deletes the client's health data it keeps (feedback: check-ins and session feedback)
# as part of the same commit, so a deletion is whole or not at all. Receivers flush, never commit.
health_profile_deleted = _signals.signal("health-profile-deleted")

# Booking, each with `appointment=` (and `was=`, the old start, for a move). Queued with
# portal.events.after_commit, so they are sent only once the change is committed: listeners
# (reminders: a "you're due" email still waiting to go is withdrawn once the client has booked;
# the client's email is queued in the booking's own transaction, portal.outbox) never act on a
# booking that rolled back.
appointment_booked = _signals.signal("appointment-booked")
appointment_moved = _signals.signal("appointment-moved")
appointment_cancelled = _signals.signal("appointment-cancelled")

# Sent by feedback.services.save_feedback with `appointment_id=`: the client told us how that
# session felt. Queued with portal.events.after_commit (reminders withdraw the "how did it
# feel?" email still waiting to go for it).
feedback_given = _signals.signal("feedback-given")

# Accounts, each with `user=` (a portal.accounts.emails.Addressee: plain values) (and `token=`, the signed reset token, for a reset). Queued with
# portal.events.after_commit: the emails (portal.accounts.emails) follow the committed
# registration, never one that rolled back. `registration_for_existing_account`: someone
# registered with an address that already has an account (the owner is told, the visitor sees
# the usual page).
account_registered = _signals.signal("account-registered")
registration_for_existing_account = _signals.signal("registration-for-existing-account")
password_reset_requested = _signals.signal("password-reset-requested")

# Sent by portal.outbox.services when an email row is queued (or re-queued by the admin), with
# `message_id=` and `not_before=` (aware UTC). Queued with portal.events.after_commit: the
# delivery job is queued only once the row is committed (portal.outbox.tasks.on_email_queued).
email_queued = _signals.signal("email-queued")

# An account made by the salon (an invited therapist or admin, a client reception added with an
# email address), with `user=` (an Addressee), `token=` (the signed invitation) and `role=`.
# Queued with portal.events.after_commit: the invitation email follows the committed account.
account_invited = _signals.signal("account-invited")
