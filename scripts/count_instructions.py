"""Instructions per request for a few pages, counted by valgrind's callgrind: a figure that does
not move with the machine's load, as wall and CPU time do (by up to 40% within minutes on a
shared 2-core machine, more than most single changes save).

    PORTAL_ENV=production SECRET_KEY=... HEALTH_DATA_KEYS=... PUBLIC_URL=https://... \\
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/demo \\
        .venv/bin/python scripts/count_instructions.py [--requests 100] \\
        [--page client:/dashboard --page therapist:hx:/therapist/appointments/{brief}/brief ...]

Needs valgrind (`apt-get install -y valgrind`) and a database with the demo salon loaded (`flask
demo load`), read in-process as `scripts/profile_page.py` does: the app's own work (Python, and
the database driver's side of each statement), not the database server's, nor the HTTP
server's. Each page is run twice under callgrind after the same log-in and warm-up, once with no
measured requests and once with `--requests`: the difference, per request, is the page's count.
The trivial logged-in route (/account/ping) is always counted, and each page is given as a
multiple of it (as `make bench` gives its CPU time). Pages: `role:path` or `role:hx:path` (an
htmx swap); `{brief}` stands for the demo client's latest appointment. Two counts run at once
(slow: about a minute and a half each for the app's start under valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL = "client:/account/ping"
DEFAULT_PAGES = ["client:/dashboard", "client:/profile", "client:/appointments", "client:hx:/book",
                 "therapist:hx:/therapist/appointments/{brief}/brief"]
COLLECTED = re.compile(r"Collected\s*:\s*([0-9]+)")


def parse_page(spec: str) -> tuple[str, str, bool]:
    """'role:path' or 'role:hx:path' -> (email, path, htmx)."""
    role, _, rest = spec.partition(":")
    htmx = rest.startswith("hx:")
    path = rest[3:] if htmx else rest
    if not role or not path.startswith("/"):
        raise SystemExit(f"a page is role:path or role:hx:path, not {spec!r}")
    return f"{role}@example.com", path, htmx


def collected(valgrind_output: str) -> int:
    """The instruction count callgrind reports when the program ends."""
    match = COLLECTED.search(valgrind_output)
    if match is None:
        raise SystemExit("callgrind reported no count:\n" + valgrind_output[-2000:])
    return int(match.group(1))


def per_request(without: int, with_requests: int, requests: int) -> float:
    return (with_requests - without) / requests


def count(spec: str, requests: int, valgrind: str = "valgrind") -> int:
    """Instructions for the app's start, log-in, warm-up and `requests` requests of one page."""
    run = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                          __file__, "--child", spec, "--requests", str(requests)],
                         capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"{spec} failed under valgrind:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return collected(run.stderr)


def child(spec: str, requests: int) -> None:
    """Under valgrind: log in, warm the page up, then ask for it `requests` times."""
    sys.path.insert(0, str(ROOT))
    from portal import create_app
    from portal.demo import DEMO_PASSWORD, brief_appointment_id

    email, path, htmx = parse_page(spec)
    app = create_app({"LOGIN_RATE_LIMIT": "1000 per minute"})
    if "{brief}" in path:
        with app.app_context():
            path = path.format(brief=brief_appointment_id())
    client = app.test_client()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/account/login").get_data(as_text=True)).group(1)
    response = client.post("/account/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"log in as {email} failed")
    headers = {"Accept-Encoding": "br, gzip"} | ({"HX-Request": "true"} if htmx else {})
    for _ in range(10):  # templates compiled, catalogue cached, statements prepared
        client.get(path, headers=headers)
    for _ in range(requests):
        status = client.get(path, headers=headers).status_code
        if status not in (200, 204):
            raise SystemExit(f"{path} answered {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--page", action="append", help="role:path or role:hx:path; may be given more than once")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # the run without requests is one of each page's two
        return child(args.child, args.requests)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    pages = [TRIVIAL, *(args.page or DEFAULT_PAGES)]
    for spec in pages:
        parse_page(spec)  # a mistyped page fails now, not after minutes
    runs = [(spec, n) for spec in pages for n in (0, args.requests)]
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        counts = dict(zip(runs, pool.map(lambda run: count(run[0], run[1]), runs)))
    trivial = per_request(counts[(TRIVIAL, 0)], counts[(TRIVIAL, args.requests)], args.requests)
    print(f"| page | instructions per request (M) | x trivial |\n|---|---|---|")
    for spec in pages:
        each = per_request(counts[(spec, 0)], counts[(spec, args.requests)], args.requests)
        print(f"| {spec} | {each / 1e6:.2f} | {each / trivial:.2f} |")


if __name__ == "__main__":
    main()
