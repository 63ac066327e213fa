"""Mesmerising Beauty client portal.

The package root stays light: importing any module (say `portal.guidance.rules`) must not load
Flask, the database or a view. The app is built by `portal.app.create_app`.
"""

from __future__ import annotations


def create_app(config: dict | None = None):
    """Build the app (see portal.app.create_app); imported here so `from portal import create_app`
    and `flask --app portal` keep working."""
    from portal.app import create_app as build  # here: keeps the package root free of Flask

    return build(config)
