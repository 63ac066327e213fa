"""Outgoing email: SMTP in production, the log in development, an outbox in tests."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("portal.mail")


def outbox() -> list[EmailMessage]:
    """Messages captured while testing, oldest first."""
    return current_app.extensions.setdefault("mail_outbox", [])


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)

    if config["TESTING"]:
        outbox().append(message)
    elif config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    elif config["PORTAL_ENV"] == "development":
        # Development has no mail server: the message (links included) goes to the console.
        log.info("development mail to=%s subject=%s\n%s", to, subject, body)
    else:
        log.error("mail not sent (no MAIL_SERVER configured) subject=%s", subject)
