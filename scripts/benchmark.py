"""Measure the portal's main pages: queries, response time and bytes, full page vs htmx swap.

    .venv/bin/python scripts/benchmark.py [--repeat 20] [--database-url URL]

Builds a throwaway database (SQLite in a temp folder unless --database-url names an empty
PostgreSQL database), loads the demo salon, logs in as each demo user through the real form,
and requests each page `repeat` times in-process with Flask's test client (no network, so the
figures are the app's own cost). Prints one line per page: SQL statements per request, median
and 95th-percentile time, and response size. It is a script to run and compare, not a test.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from portal import create_app  # noqa: E402
from portal.demo import DEMO_PASSWORD, brief_appointment_id, load_demo_data  # noqa: E402
from portal.encryption import new_key_entry  # noqa: E402
from portal.extensions import db  # noqa: E402

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def build_app(database_url: str):
    app = create_app({
        "PORTAL_ENV": "testing", "SECRET_KEY": "benchmark-" + "x" * 40, "SQLALCHEMY_DATABASE_URI": database_url,
        "HEALTH_DATA_KEYS": new_key_entry("bench"), "PUBLIC_URL": "http://bench.local",
        "LOGIN_RATE_LIMIT": "1000 per minute",
    })
    with app.app_context():
        db.create_all()
        load_demo_data()
        db.session.commit()  # the loader flushes; its caller commits
    return app


def log_in(app, email: str):
    client = app.test_client()
    token = CSRF.search(client.get("/account/login").get_data(as_text=True)).group(1)
    response = client.post("/account/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"log in as {email} failed"
    return client


def measure(app, client, path: str, repeat: int, headers: dict | None = None) -> dict:
    statements = []

    def count(*_args):
        statements[-1] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    times, size, status = [], 0, None
    try:
        for _ in range(repeat):
            statements.append(0)
            started = time.perf_counter()
            response = client.get(path, headers=headers or {})
            times.append((time.perf_counter() - started) * 1000)
            size, status = len(response.get_data()), response.status_code
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    return {"status": status, "queries": statistics.median(statements), "median_ms": statistics.median(times),
            "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))], "bytes": size}


@contextmanager
def demo_app_from_args(description: str):
    """Parse --repeat and --database-url, yield (app, args) with the demo salon loaded (SQLite in a
    temp folder, removed afterwards, unless --database-url names an empty database)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: SQLite in a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        yield build_app(args.database_url or f"sqlite:///{folder}/bench.db"), args


def main() -> None:
    with demo_app_from_args(__doc__) as (app, args):
        with app.app_context():
            today_id = brief_appointment_id()
        client, therapist, admin = (log_in(app, f"{role}@example.com") for role in ("client", "therapist", "admin"))
        hx = {"HX-Request": "true"}
        visitor = app.test_client()
        pages = [
            # A trivial route, then the public pages (after the first request, from the page cache).
            ("visitor", visitor, "/healthz", None),
            ("visitor", visitor, "/", None),
            ("visitor", visitor, "/salons", None),
            ("visitor", visitor, "/our-therapists", None),
            ("visitor", visitor, "/is-massage-right-for-me", None),
            ("visitor", visitor, "/free-times", None),
            ("visitor", visitor, "/free-times (htmx swap)", hx),
            ("client", client, "/dashboard", None),
            ("client", client, "/guidance", None),
            ("client", client, "/profile", None),
            ("client", client, "/pain?range=all", None),
            ("client", client, "/pain?range=all (htmx swap)", hx),
            ("client", client, "/appointments", None),
            ("client", client, "/book", None),
            ("therapist", therapist, "/therapist", None),
            ("therapist", therapist, f"/therapist/appointments/{today_id}/brief", None),
            ("therapist", therapist, f"/therapist/appointments/{today_id}/brief (htmx swap)", hx),
            ("admin", admin, "/admin", None),
        ]
        print(f"{'who':<10} {'page':<48} {'status':>6} {'queries':>8} {'median ms':>10} {'p95 ms':>8} {'bytes':>8}")
        for who, user_client, label, headers in pages:
            path = label.split(" ")[0]
            result = measure(app, user_client, path, args.repeat, headers)
            print(f"{who:<10} {label:<48} {result['status']:>6} {result['queries']:>8.0f} "
                  f"{result['median_ms']:>10.1f} {result['p95_ms']:>8.1f} {result['bytes']:>8}")


if __name__ == "__main__":
    main()
