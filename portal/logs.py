"""Log lines carry the request id; nothing here ever formats a password, token or health data."""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_logging(app: Flask) -> None:
    logger = logging.getLogger("portal")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(getattr(h, "portal_handler", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.portal_handler = True
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        ))
        logger.addHandler(handler)
    for handler in logger.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
    # Records also reach pytest's caplog through propagation; give them the id there too.
    if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
        logger.addFilter(RequestIdFilter())
