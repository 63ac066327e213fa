"""Who reacts to which domain event: the one place signals are connected.

The app factory calls `connect_listeners()`, so the server, the CLI and every test app share
the same wiring, and no module subscribes anything as a side effect of being imported.
Connecting twice is harmless (blinker keeps one connection per receiver).
"""

from __future__ import annotations

from portal import signals
from portal.accounts import emails as account_emails
from portal.booking import recheck
from portal.feedback import services as feedback_services
from portal.outbox import tasks as outbox_tasks
from portal.reminders import answered
from portal.report import links as report_links


def connect_listeners() -> None:
    # Strong references: the receivers are module functions, but say so rather than rely on it.
    signals.health_profile_changed.connect(recheck.on_profile_changed, weak=False)
    # A therapist's qualifications are what the gate reads of them: their bookings are re-checked.
    signals.therapist_qualifications_changed.connect(recheck.on_therapist_qualifications_changed, weak=False)
    signals.health_profile_deleted.connect(feedback_services.on_health_profile_deleted, weak=False)
    # Share links show health data: they go with the profile.
    signals.health_profile_deleted.connect(report_links.on_health_profile_deleted, weak=False)
    # So does a lasting-relief email still waiting to go: it names the areas the client scored.
    signals.health_profile_deleted.connect(answered.on_health_profile_deleted, weak=False)
    # Consent withdrawn (a profile change, after commit): the same email goes too.
    signals.health_profile_changed.connect(answered.on_health_profile_changed, weak=False)
    # Booking emails are queued by the booking services in their own transaction (the outbox);
    # this queues the delivery job of every committed email.
    signals.email_queued.connect(outbox_tasks.on_email_queued, weak=False)
    # An email still waiting to go (held by the quiet hours for 08:00) that booking or feedback
    # has just answered is withdrawn: "you're due" after a booking, "how did it feel?" after feedback.
    signals.appointment_booked.connect(answered.on_appointment_booked, weak=False)
    signals.feedback_given.connect(answered.on_feedback_given, weak=False)
    signals.account_registered.connect(account_emails.on_registered, weak=False)
    signals.registration_for_existing_account.connect(
        account_emails.on_registration_for_existing_account, weak=False)
    signals.password_reset_requested.connect(account_emails.on_password_reset_requested, weak=False)
    signals.account_invited.connect(account_emails.on_invited, weak=False)
