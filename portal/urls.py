"""Absolute addresses for links that leave the browser (emails, calendar feeds and events).

Always built from the configured PUBLIC_URL, never the request's Host header, which a visitor
controls: the one place that joins the two.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask.globals import _cv_request


def external_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint`, on the portal's public address (in a job too)."""
    if not has_request_context():
        with public_request_context():
            return external_url(endpoint, **values)
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def public_request_context():
    """A request context for work outside a request (a job rendering an email): addresses are
    built as for a request to PUBLIC_URL. It shares the current app context (and its session)."""
    return current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"] or "http://localhost")


def public_host() -> str:
    """The public address's host name (calendar event ids are unique under it)."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "portal"


_MARKER = 987654321


def url_for_each(endpoint: str, key: str = "appointment_id"):
    """`url_for(endpoint, key=n)` for many n from one `url_for`: a long list (a salon's day, the
    client's appointments) links each row, and `url_for` costs about 5 us a call."""
    before, after = url_for(endpoint, **{key: _MARKER}).split(str(_MARKER))
    return lambda value: f"{before}{value}{after}"


def page_url_for(endpoint: str, **values) -> str:
    """The templates' `url_for`: the same address, but a page's fixed links (the nav, the footer,
    the static files: a dozen on every full page) are worked out once per app and script root
    (the prefix a proxy mounts the portal under) instead of on every render. Anything with
    arguments, or outside a request, goes to `url_for` as before."""
    context = _cv_request.get(None)  # the request context itself: three proxies cost more than the look-up
    if context is None:
        return url_for(endpoint, **values)
    if values:
        if endpoint != "static" or len(values) != 1 or "filename" not in values:
            return url_for(endpoint, **values)
        # Keyed by the file's current hashed name: an edited file (development) gets a new address.
        assets = context.app.extensions["static_assets"]
        key = (context.request.root_path, endpoint, assets.url_filename(values["filename"]))
    else:
        key = (context.request.root_path, endpoint)
    known = context.app.extensions["page_urls"]
    try:
        return known[key]
    except KeyError:
        address = known[key] = url_for(endpoint, **values)
        return address


def init_app(app) -> None:
    """Templates' `url_for` is `page_url_for`, with its addresses kept on the app."""
    app.extensions["page_urls"] = {}
    app.jinja_env.globals["url_for"] = page_url_for
