"""The portal's own error pages: no stack traces, a way back, the request id to quote."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

log = logging.getLogger("portal.errors")

MESSAGES = {
    400: ("Something in that request was not right", "Please go back, reload the page and try again."),
    403: ("That page is not yours to see", "If you think you should have access, please ask the salon."),
    404: ("We could not find that page", "It may have moved, or the link may be mistyped."),
    405: ("That action is not available here", "Please use the buttons on the page."),
    413: ("That was more than we can accept", "Please send less text or a smaller file."),
    429: ("Too many attempts", "Please wait a minute before trying again."),
    500: ("Something went wrong on our side", "We have been told about it. Please try again shortly."),
}


class UnstorableInput(BadRequest):
    """The request held a character that can't be stored (a NUL): refused with its own advice."""

    description = ("What you sent held a character we can't store (a NUL, often from text copied out of "
                   "another program). Please go back, type that text again and send it.")


def _render(status: int, detail: str | None = None):
    title, advice = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, advice=detail or advice,
        request_id=g.get("request_id"),
        # A visitor's error page has no form: it draws no CSRF token, so it sets no cookie.
        public_page=not current_user.is_authenticated,
    ), status


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log.warning("csrf refused: %s", error.description)
        return _render(400, "The form had expired or was missing its security token. "
                            "Please reload the page and try again.")

    @app.errorhandler(UnstorableInput)
    def unstorable_input(error: UnstorableInput):
        return _render(error.code, error.description)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error.code or InternalServerError.code)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        # Flask has already logged the traceback; the visitor sees only our page.
        return _render(InternalServerError.code)
