"""Outgoing email: SMTP in production, the log in development, an outbox in tests.

Every message is a pair of templates, `templates/email/<name>.txt` and `<name>.html`, each
extending the shared layout (`email/_layout.txt`, `email/_layout.html`: greeting style, salon
name, footer). `send_template` renders both and sends them as one multipart/alternative email;
no body is written in Python. What an email may hold: names, times, places and links, never
anything from a health profile (email is not private).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, g, has_request_context, render_template

from portal.urls import external_url

log = logging.getLogger("portal.mail")

SALON_NAME = "Mesmerising Beauty"


def outbox() -> list[EmailMessage]:
    """Messages captured while testing, oldest first."""
    return current_app.extensions.setdefault("mail_outbox", [])


def render_email(name: str, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies of message `name`, both through the shared layout."""
    context.setdefault("salon_name", SALON_NAME)
    context.setdefault("portal_url", external_url("dashboard.home"))
    return (render_template(f"email/{name}.txt", **context),
            render_template(f"email/{name}.html", **context))


def send_template(to: str, subject: str, name: str, *, after_response: bool = False, **context) -> None:
    """Render message `name` with `context` now (links and names as they are in this request)
    and send it as text + HTML; `after_response` defers the sending as `send_after_response`."""
    body, html = render_email(name, **context)
    (send_after_response if after_response else send_mail)(to, subject, body, html)


def send_mail(to: str, subject: str, body: str, html: str | None = None) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if html is not None:
        # Text first, HTML last: a mail client shows the last part it can display.
        message.add_alternative(html, subtype="html")

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


def send_after_response(to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send this email once the response has gone out, so how long a request takes cannot show
    whether it sent mail (e.g. whether an address has an account). Outside a request it sends
    at once. One function on purpose: a job queue will replace it.

    Inside a request it only queues: `deliver_after_response` hands the queue to the response.
    That is an app-wide after_request hook rather than `after_this_request`, because the
    account emails are queued by listeners that run during the request's commit, itself an
    after_request hook, when `after_this_request` functions have already run.
    """
    if not has_request_context():
        send_mail(to, subject, body, html)
        return
    g.setdefault("mail_after_response", []).append((to, subject, body, html))


def deliver_after_response(response):
    """after_request (registered before events.commit_request, so it runs after the commit):
    send the queued emails once the server has written the response."""
    queue = g.pop("mail_after_response", None)
    if not queue:
        return response
    app = current_app._get_current_object()

    # call_on_close runs after the server has written the response, outside the request, so it
    # brings its own app context.
    def deliver():
        with app.app_context():
            for message in queue:
                try:
                    send_mail(*message)
                except Exception:  # one failed send must not stop the others
                    log.exception("deferred mail not sent subject=%s", message[1])

    response.call_on_close(deliver)
    return response
