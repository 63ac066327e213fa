"""Absolute addresses for links that leave the browser (emails, calendar feeds and events).

Always built from the configured PUBLIC_URL, never the request's Host header, which a visitor
controls: the one place that joins the two.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint`, on the portal's public address."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def public_host() -> str:
    """The public address's host name (calendar event ids are unique under it)."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "portal"
