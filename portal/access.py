"""Who may open which page: every view declares its roles, anything undeclared is refused."""

from __future__ import annotations

import logging
from typing import Callable

from flask import abort, current_app, request, url_for
from flask_login import current_user

from portal.extensions import login_manager
from portal.roles import ANONYMOUS, EVERYONE, HOME_ENDPOINTS

log = logging.getLogger("portal.access")

__all__ = ["ANONYMOUS", "EVERYONE", "allow", "public", "current_role", "enforce_access", "home_for"]


def allow(*roles: str) -> Callable:
    """Mark a view as open to these roles (use `ANONYMOUS` for logged-out visitors)."""
    unknown = set(roles) - EVERYONE
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def mark(view: Callable) -> Callable:
        view.allowed_roles = frozenset(roles)
        return view

    return mark


def public(view: Callable) -> Callable:
    return allow(*EVERYONE)(view)


def home_for(user) -> str:
    """The address of this user's dashboard."""
    return url_for(HOME_ENDPOINTS[user.role])


def current_role() -> str:
    return current_user.role if current_user.is_authenticated else ANONYMOUS


def enforce_access():
    """before_request: deny by default, send anonymous visitors to log in."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    allowed = getattr(view, "allowed_roles", None)
    role = current_role()
    if allowed is not None and role in allowed:
        return None
    if role == ANONYMOUS and allowed:
        return login_manager.unauthorized()
    log.warning(
        "access refused endpoint=%s role=%s user_id=%s",
        request.endpoint, role, current_user.get_id().split(":")[0] if current_user.is_authenticated else "-",
    )
    abort(403)
