"""The role x route matrix, one module per feature: each defines ROUTES =
{endpoint: (method, path, {role: expected status or LOGIN})}. POSTs carry a CSRF token.

A `setup` callable may stand in for the path: it gets (app, users) and returns the path,
for routes that need rows (an appointment id, say) to exist first."""

from __future__ import annotations

import importlib
import pkgutil

ROLES = ("anonymous", "client", "therapist", "admin")
LOGIN = "login"  # expected: a redirect to the login page


def _collect() -> dict:
    matrix = {}
    for module in pkgutil.iter_modules(__path__):
        routes = importlib.import_module(f"{__name__}.{module.name}").ROUTES
        overlap = set(matrix) & set(routes)
        assert not overlap, f"routes listed twice: {overlap}"
        matrix.update(routes)
    return matrix


MATRIX = _collect()
