"""How much of a page's cost is its data and how much its drawing: the pages that miss issue 14's
targets, each beside the same work without the drawing, under load as `make bench` serves them.

    .venv/bin/python scripts/bench_data_only.py     (after `make install-bench`; about 3 minutes)

For each page below, the app answers a second address that does what the page's view does before
it draws: the same reads (the brief's access record too), the same rules, the same objects built,
then answers "ok" with no template, form or compression. The extra addresses exist only in the app
this script serves (`app`, below: wsgi.py's app with `add_routes`), never in the portal. Beside
them, a route that runs N `SELECT 1`: what a statement itself costs, round trip included.

The table, like `make bench`'s, gives each address's share of the trivial route's throughput and
its server CPU per request as a multiple of the trivial route's, run between two trivial runs. A
page whose data alone is under its target's share cannot reach the target by drawing less:
issue 14 asks 0.60 of a swap, 0.40 of a page.

Environment: as scripts/bench.py (BENCH_SECONDS, BENCH_USERS, BENCH_PORT, BENCH_PG_URL).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from flask import request
from flask_login import current_user
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (scripts/ is not a package)
from bench import Page  # noqa: E402

DATA = "/bench-data"

# (label, role, the page's address, its data alone, htmx): {choices} and {brief} as in bench.PAGES.
PAIRS = [
    ("booking slot list (htmx)", "client", "/book?{choices}", f"{DATA}/book?{{choices}}", True),
    ("brief (htmx)", "therapist", "/therapist/appointments/{brief}/brief", f"{DATA}/brief/{{brief}}", True),
    ("profile", "client", "/profile", f"{DATA}/profile", False),
]
STATEMENTS = (1, 3)


def add_routes(app) -> None:
    """The data-only addresses and the statements route, on `app` (before its first request)."""
    from portal.access import allow
    from portal.booking.forms import ChooseForm, therapist_id
    from portal.booking.offer import booking_offer
    from portal.client_guidance import guidance_for_client
    from portal.extensions import db
    from portal.feedback import brief as briefs
    from portal.profile import views as profile_views

    @allow("client")
    def book():
        # portal.booking.views.book, up to the drawing.
        form = ChooseForm(formdata=request.args)
        form.validate()
        booking_offer(current_user.id, form.service.data, form.location.data, therapist_id(form.therapist.data),
                      form.day.data, lambda: guidance_for_client(current_user.id))
        return "ok"

    @allow("therapist", "admin")
    def brief(appointment_id: int):
        # portal.feedback.views.brief, up to the drawing: the view is recorded as there.
        briefs.brief_for(current_user._get_current_object(), appointment_id, log_alone=True)
        return "ok"

    @allow("client")
    def profile():
        # portal.profile.views.edit's GET, up to the form and the drawing: the stored profile (the
        # view's own reader) and the guidance beside it.
        profile_views._stored(current_user.id)
        guidance_for_client(current_user.id)
        return "ok"

    @allow("client")
    def statements(count: int):
        for _ in range(count):
            db.session.execute(text("SELECT 1")).all()
        return "ok"

    app.add_url_rule(f"{DATA}/book", "bench_data_book", book)
    app.add_url_rule(f"{DATA}/brief/<int:appointment_id>", "bench_data_brief", brief)
    app.add_url_rule(f"{DATA}/profile", "bench_data_profile", profile)
    app.add_url_rule(f"{DATA}/statements/<int:count>", "bench_data_statements", statements)


def pages() -> list[Page]:
    """Each page, then its data alone; then the statements route."""
    listed = []
    for label, role, path, data, htmx in PAIRS:
        listed += [Page(label, role, path, htmx), Page(f"{label}: data alone", role, data, htmx)]
    return listed + [Page(f"{n} x SELECT 1", "client", f"{DATA}/statements/{n}") for n in STATEMENTS]


def table(measured: dict) -> str:
    results = measured["results"]
    lines = ["| address | share of trivial | server CPU ms/req (x trivial) | statements |", "|---|---|---|---|",
             f"| trivial route `{bench.TRIVIAL}` | 1.00 | {results['trivial route']['cpu']:.2f} "
             f"| {results['trivial route']['statements']} |"]
    for page in measured["pages"]:
        r = results[page.label]
        share = r["rps"] / r["floor"] if r["floor"] else 0
        lines.append(f"| {page.label} | {share:.2f} | {bench.cpu_cell(r['cpu'], r['floor_cpu'])} | {r['statements']} |")
    return "\n".join(lines)


def main() -> None:
    folder = tempfile.mkdtemp(prefix="bench-data-")
    database_url, drop = bench.make_database(folder)
    production = database_url.startswith("postgresql")
    try:
        env = bench.settings(database_url, folder)
        bench.say(f"database {database_url.rsplit('/', 1)[-1]}: migrating and loading the demo salon")
        bench.flask(env, "db", "upgrade")
        bench.flask(env, "demo", "load")
        measured = bench.measure(env, production, folder, bench.demo_ids(env, production), pages(),
                                 app="bench_data_only:app", extend=add_routes)
        print(f"## Data alone ({'PostgreSQL' if production else 'SQLite'}, gunicorn 2 workers, {bench.USERS} users, "
              f"{bench.SECONDS}s per address, demo data)\n")
        print(table(measured))
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
elif __name__ == "bench_data_only":
    # Imported by gunicorn (`serve(..., app="bench_data_only:app")`): the production app, extended.
    from wsgi import app

    add_routes(app)
