"""Outgoing email: SMTP in production, the log in development, an outbox in tests.

Every message is a pair of templates, `templates/email/<name>.txt` and `<name>.html`, each
extending the shared layout (`email/_layout.txt`, `email/_layout.html`: greeting style, salon
name, footer). `render_email` renders both; the outbox (portal/outbox) queues them in the sender's
transaction and its job sends them here as one multipart/alternative email. No body is written
in Python. What an email may hold: names, times, places and links, never
anything from a health profile (email is not private).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, render_template

from portal.urls import external_url, public_request_context

log = logging.getLogger("portal.mail")

SALON_NAME = "Mesmerising Beauty"


def outbox() -> list[EmailMessage]:
    """Messages captured while testing, oldest first."""
    return current_app.extensions.setdefault("mail_outbox", [])


def render_email(name: str, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies of message `name`, both through the shared layout.

    Works in a job too (an app context, no request): links are built as for a request to
    PUBLIC_URL, never from a visitor's Host header (portal.urls)."""
    if not has_request_context():
        with public_request_context():
            return render_email(name, **context)
    context.setdefault("salon_name", SALON_NAME)
    context.setdefault("portal_url", external_url("dashboard.home"))
    return (render_template(f"email/{name}.txt", **context),
            render_template(f"email/{name}.html", **context))


def send_mail(to: str, subject: str, body: str, html: str | None = None,
              headers: dict[str, str] | None = None) -> None:
    """Send one message now. Only the outbox's delivery job calls this (portal/outbox/tasks.py):
    everyone else queues with `portal.outbox.services.queue_email`. Raises when the mail server
    fails or does not answer within MAIL_TIMEOUT seconds (the job retries)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():  # e.g. List-Unsubscribe, List-Unsubscribe-Post
        message[name] = value
    message.set_content(body)
    if html is not None:
        # Text first, HTML last: a mail client shows the last part it can display.
        message.add_alternative(html, subtype="html")

    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    elif config["TESTING"]:
        outbox().append(message)
    elif config["PORTAL_ENV"] == "development":
        # Development has no mail server: the message (links included) goes to the console.
        log.info("development mail to=%s subject=%s\n%s", to, subject, body)
    else:
        log.error("mail not sent (no MAIL_SERVER configured) subject=%s", subject)
