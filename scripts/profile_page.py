"""Time one page on an existing database (say, one filled by `flask demo scale`): p50/p95 and SQL
statements per request, and optionally where the time goes (cProfile).

    PORTAL_ENV=development DATABASE_URL=... .venv/bin/python scripts/profile_page.py \\
        --email client17@scale.example.com --path /book [--repeat 30] [--profile [--sort tottime] [--top 40]]
        [--statements]

The app is built from the environment as `flask` builds it (so the database's health-data keys
must be the ones in HEALTH_DATA_KEYS or instance/), in-process with Flask's test client: the
figures are the app's own cost, database round trips included. Logs in with the demo password.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from portal import create_app  # noqa: E402
from portal.demo import DEMO_PASSWORD  # noqa: E402
from portal.extensions import db  # noqa: E402

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--email", required=True)
    parser.add_argument("--path", action="append", required=True, help="may be given more than once")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions for each page")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (pstats keys: cumulative, tottime...)")
    parser.add_argument("--top", type=int, default=18, help="how many functions the profile lists")
    parser.add_argument("--profile-requests", type=int, default=5, help="how many requests the profile covers")
    parser.add_argument("--htmx", action="store_true", help="send HX-Request: true (the pages' htmx swaps)")
    parser.add_argument("--compress", action="store_true", help="accept brotli, as browsers and the bench do")
    parser.add_argument("--statements", action="store_true",
                        help="each statement's median time, sent to answer (the last 2/3 of the repeats: "
                             "PostgreSQL's plan cache has settled), and its first words")
    args = parser.parse_args()

    app = create_app({"LOGIN_RATE_LIMIT": "1000 per minute"})
    client = app.test_client()
    token = CSRF.search(client.get("/account/login").get_data(as_text=True)).group(1)
    response = client.post("/account/login", data={"email": args.email, "password": DEMO_PASSWORD,
                                                   "csrf_token": token})
    if response.status_code != 302:
        sys.exit(f"log in as {args.email} failed")
    with app.app_context():
        engine = db.engine
    statements = [0]
    sent: list[list] = []  # this request's [statement, started, ms]

    def count(_conn, _cursor, statement, *_args):
        statements[0] += 1
        sent.append([statement, time.perf_counter(), None])

    def answered(*_args):
        sent[-1][2] = (time.perf_counter() - sent[-1][1]) * 1000

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "after_cursor_execute", answered)
    headers = {"HX-Request": "true"} if args.htmx else {}
    if args.compress:
        headers["Accept-Encoding"] = "br"
    for path in args.path:
        client.get(path, headers=headers)  # warm: templates compiled, catalogue cached
        times, counts = [], []
        per_request = []
        for _ in range(args.repeat):
            statements[0] = 0
            sent.clear()
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            status, size = response.status_code, len(response.data)
            times.append((time.perf_counter() - started) * 1000)
            counts.append(statements[0])
            per_request.append([(text, ms) for text, _, ms in sent])
        times.sort()
        print(f"{path:<50} status {status}  statements {statistics.median(counts):.0f}  "
              f"p50 {statistics.median(times):.2f} ms  p95 {times[int(len(times) * 0.95) - 1]:.1f} ms  {size} bytes")
        if args.statements:
            settled = per_request[len(per_request) // 3:]
            for n, (text, _) in enumerate(settled[-1]):
                ms = statistics.median(r[n][1] for r in settled if len(r) > n and r[n][1] is not None)
                print(f"    {ms:6.2f} ms  {' '.join(text.split())[:110]}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.profile_requests):
                client.get(path, headers=headers)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
