"""Response headers, request ids and safe redirects: the security baseline of every page."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from typing import Callable

from flask import Flask, current_app, g, request, session
from flask.wrappers import Response
from flask_login import current_user

from portal.errors import UnstorableInput

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def content_security_policy(htmx_from_cdn: bool) -> str:
    script_src = "'self' https://cdn.jsdelivr.net" if htmx_from_cdn else "'self'"
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def assign_request_id() -> None:
    """Reuse a proxy's X-Request-ID when it looks like one, otherwise make our own."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def add_security_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(config["HTMX_FROM_CDN"])
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if config["PORTAL_ENV"] == "production":
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        _cache_and_robots(response)
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    return response


# How long a shared cache (or the browser) may keep a public page, in seconds.
PUBLIC_MAX_AGE = 300
_PUBLIC_CACHE = f"public, max-age={PUBLIC_MAX_AGE}"


def public_page(view: Callable) -> Callable:
    """Mark a view as a public page: for a logged-out visitor it is the same for everyone, so
    caches may keep it for a few minutes (`Cache-Control: public`, `Vary: Cookie`) and search
    engines may index it. Every other page is `no-store` and `noindex`."""
    view.public_page = True
    return view


def _is_public_page() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "public_page", False))


def _cache_and_robots(response: Response) -> None:
    """Public pages as the visitor sees them are cacheable; anything for a logged-in user (which
    may show health data), anything that changed the session (a flash shown, a login form's
    CSRF token) and every error stays out of caches and search engines."""
    headers = response.headers
    signed_in = current_user.is_authenticated
    if not signed_in and response.status_code == 200 and _is_public_page() and not session.modified:
        headers["Cache-Control"] = _PUBLIC_CACHE
        vary = headers.get("Vary")
        if not vary:
            headers["Vary"] = "Cookie"
        elif "cookie" not in vary.lower():
            headers["Vary"] = vary + ", Cookie"
        return
    if signed_in or "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    headers["X-Robots-Tag"] = "noindex, nofollow"


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def refuse_nul_characters() -> None:
    """A NUL character (U+0000) in the address, a query or a form is refused (400) before any
    view reads it: no one types one, PostgreSQL can't store or even compare one (the query fails,
    a 500), and SQLite would store it. One check for every field, present and future."""
    if "\x00" in request.path:
        raise UnstorableInput()
    for values in (request.args, request.form) if request.method == "POST" else (request.args,):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise UnstorableInput()


def init_security(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
