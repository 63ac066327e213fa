"""The report to share: the client's own; the shared view is open to anyone with a working link."""

from __future__ import annotations

from tests.routes import LOGIN

CLIENT_ONLY = {"anonymous": LOGIN, "client": 200, "therapist": 403, "admin": 403}
CLIENT_ACTION = {"anonymous": LOGIN, "client": 302, "therapist": 403, "admin": 403}


def _link(app, users):
    """A working link of the client's (anyone holding it may read the report)."""
    from datetime import date

    from portal.extensions import db
    from portal.report import links

    with app.app_context():
        token = links.make_link(db.session.get(type(users["client"]), users["client"].id), date(2026, 1, 1),
                                date(2026, 2, 1), 7)
        db.session.commit()
    return f"/shared/report/{token}"


ROUTES = {
    "report.page": ("GET", "/report", CLIENT_ONLY),
    "report.csv": ("GET", "/report.csv", CLIENT_ONLY),
    "report.pdf": ("GET", "/report.pdf", CLIENT_ONLY),
    # Nothing posted: the client is sent back to the page with a message.
    "report.share": ("POST", "/report/share", CLIENT_ACTION),
    # Another's (or no) link: 404 for the client.
    "report.revoke": ("POST", "/report/share/999999/revoke", {"anonymous": LOGIN, "client": 404, "therapist": 403,
                                                               "admin": 403}),
    "report.shared": ("GET", _link, {"anonymous": 200, "client": 200, "therapist": 200, "admin": 200}),
    "report.shared_open": ("POST", _link, {"anonymous": 200, "client": 200, "therapist": 200, "admin": 200}),
}
