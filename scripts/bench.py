"""`make bench`: the key pages and htmx swaps under load, served as production serves them.

    .venv/bin/python scripts/bench.py            (make bench installs locust and runs this)

1. Makes a throwaway PostgreSQL database on 127.0.0.1:5432 as user postgres (BENCH_PG_URL to
   use another server; SQLite in a temp folder, with a warning, when none answers), migrates it
   and loads the demo salon (`flask demo load`).
2. Serves it with gunicorn and the repo's gunicorn.conf.py, 2 workers, PORTAL_ENV=production and
   settings made for the run (SECRET_KEY, HEALTH_DATA_KEYS from `flask health new-key`, an https
   PUBLIC_URL, REDIS_URL when Redis answers on 127.0.0.1:6379 or at $REDIS_URL).
3. Logs in as the demo client, therapist and admin, then drives each page with locust
   (headless, no wait between requests, BENCH_USERS users, BENCH_SECONDS each), alternating
   with the trivial logged-in route /account/ping (half as long, before and after every page;
   each page is compared with the mean of its two neighbouring trivial runs).
4. Prints a markdown table: req/s, share of the trivial route, p50, p95, the server's CPU time
   per request (the gunicorn workers and, on this machine, the PostgreSQL backends serving them:
   it leaves out waiting, such as a commit's flush to disk, and the load tool's share), SQL
   statements per request (counted in-process with a SQLAlchemy listener), bytes (raw and as sent, brotli),
   the htmx swap's share of its page, and the gunicorn workers' memory; then the first load of
   the client dashboard (HTML + CSS + JS as transferred).
5. When the app has `flask demo scale`, loads a large salon (BENCH_CLIENTS, default 20000;
   BENCH_YEARS, default 2: the chain issue 14 describes, about a minute on PostgreSQL) into a
   second database, has PostgreSQL write the load out (CHECKPOINT), serves it at the same time on
   the next port, and runs each page on the demo and then on the large salon, seconds apart (the
   machine's drift over the minutes of a run does not enter their p50 ratio); prints a table for
   each and the p50 ratio large/demo per page.

Environment: BENCH_SECONDS (10), BENCH_USERS (6), BENCH_PORT (8765; the large salon the next), BENCH_CLIENTS, BENCH_YEARS,
BENCH_PG_URL; BENCH_PAGES (labels, comma-separated: only those pages) and BENCH_LARGE=0 (the demo
alone) for a quicker run while working on one page. It is a script to run and compare, not a timed test; targets (issue 14): each
key page >= 0.40 of the trivial route, each htmx swap >= 0.60, a swap <= 20% of its page's bytes,
first load <= 60 kB compressed, p50 large/demo <= 1.5.
"""

from __future__ import annotations

import csv
import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PASSWORD = "demo-massage-2026"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
USERS = int(os.environ.get("BENCH_USERS", "6"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = os.environ.get("BENCH_CLIENTS", "20000")
YEARS = os.environ.get("BENCH_YEARS", "2")
# Only these pages (labels from PAGES, comma-separated; a swap measured alone has no share of its
# page's bytes), and whether to load the large salon after the demo: a quicker run while working.
ONLY = [label.strip() for label in os.environ.get("BENCH_PAGES", "").split(",") if label.strip()]
LARGE = os.environ.get("BENCH_LARGE", "1") != "0"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TRIVIAL = "/account/ping"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass
class Page:
    label: str
    role: str
    path: str  # may hold {brief} / {service}, filled once the data is loaded, and {choices}, once served
    htmx: bool = False
    page_of: str | None = None  # for a swap: the label of its full page


PAGES = [
    Page("client dashboard", "client", "/dashboard"),
    Page("booking page", "client", "/book"),
    # Any change of choice swaps the free times: htmx sends the whole form (massage, salon,
    # therapist, day), as the booking page shows it, not the bare /book.
    Page("booking slot list (htmx)", "client", "/book?{choices}", True, "booking page"),
    Page("guidance", "client", "/guidance"),
    Page("profile", "client", "/profile"),
    Page("pain over time", "client", "/pain?range=all"),
    Page("pain range switch (htmx)", "client", "/pain?range=3m", True, "pain over time"),
    Page("appointments", "client", "/appointments"),
    Page("therapist day", "therapist", "/therapist"),
    Page("brief", "therapist", "/therapist/appointments/{brief}/brief"),
    # "Open brief" on the therapist's day swaps the brief into that page.
    Page("brief (htmx)", "therapist", "/therapist/appointments/{brief}/brief", True, "therapist day"),
    Page("admin day", "admin", "/admin"),
    Page("catalogue", "admin", "/admin/services"),
    Page("catalogue row edit (htmx)", "admin", "/admin/services/{service}/edit", True, "catalogue"),
]


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- the database -------------------------------------------------------------------------------

def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def on_server(command: str) -> None:
    """Run one command on the PostgreSQL server at BENCH_PG_URL, outside a transaction."""
    import psycopg
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as connection:
        connection.execute(command)


def make_database(folder: str) -> tuple[str, callable]:
    """(DATABASE_URL, drop): a new PostgreSQL database, or a SQLite file when none answers."""
    try:
        name = f"bench_{secrets.token_hex(4)}"
        on_server(f'CREATE DATABASE "{name}"')
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        return url, lambda: on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:  # noqa: BLE001  (any failure means: no PostgreSQL here)
        say(f"WARNING: no PostgreSQL at {PG_URL} ({error}); using SQLite, which production does not run: "
            "figures are not comparable with the README's")
        return f"sqlite:///{folder}/bench.db", lambda: None


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True)
    if result.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def settings(database_url: str, folder: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env |= {"PORTAL_ENV": "development", "DATABASE_URL": database_url, "HUEY_SQLITE_PATH": f"{folder}/huey.db"}
    key = flask(env, "health", "new-key").strip().splitlines()[-1]
    env |= {"SECRET_KEY": secrets.token_urlsafe(48), "HEALTH_DATA_KEYS": key,
            "PUBLIC_URL": "https://bench.invalid", "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(3)}",
            "HUEY_NAME": f"bench-{secrets.token_hex(3)}", "LOG_LEVEL": "WARNING"}
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    host, _, port = redis_url.split("//", 1)[1].split("/")[0].rpartition("@")[2].partition(":")
    if _reachable(host, int(port or 6379)):
        env["REDIS_URL"] = redis_url
    else:
        say("no Redis: rate-limit counters in each worker's memory, the job queue in SQLite")
    return env


# -- the server -----------------------------------------------------------------------------------

def serve(env: dict, production: bool, app: str = "wsgi:app", port: int = PORT) -> subprocess.Popen:
    """Gunicorn as production runs it, on `port`; `app` another module of the repo's scripts/
    instead of wsgi.py (scripts/bench_data_only.py, the app with its extra routes)."""
    run_env = env | {"PORTAL_ENV": "production" if production else "development", "PORT": str(port),
                     "WEB_CONCURRENCY": "2"}
    scripts = [] if app == "wsgi:app" else ["--pythonpath", str(ROOT / "scripts")]
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
                               *scripts, "--bind", f"127.0.0.1:{port}", app], cwd=ROOT, env=run_env,
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            if get("/healthz", port=port)[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within a minute")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def _processes():
    """(pid, parent pid, command name, fields after the name) of every process /proc shows."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone since the listing
        name, _, rest = stat.partition(" (")[2].rpartition(") ")
        fields = rest.split()
        yield int(entry.name), int(fields[1]), name, fields


def workers_rss_mb(master: int) -> list[float]:
    sizes = []
    for pid, parent, _name, _fields in _processes():
        if parent != master:
            continue
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sorted(sizes)


_TICKS = os.sysconf("SC_CLK_TCK")


def serves(title: str, database: str) -> bool:
    """Is this PostgreSQL process title ("postgres: [cluster: ]user database host(port) state",
    "[local]" for a socket) a backend serving a client of `database`? The workers' connections;
    not autovacuum, nor the server's own writers, nor other databases' clients."""
    words = title.split()
    if not words or words[0] != "postgres:":
        return False
    host = next((n for n, word in enumerate(words) if word == "[local]" or word.endswith(")") and "(" in word), None)
    return host is not None and host >= 3 and words[host - 1] == database


def _database_backend(pid: int, database: str) -> bool:
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False  # gone since the listing
    return serves(title, database)


def server_cpu_seconds(master: int, database: str | None = None) -> float:
    """CPU time used so far (user + system) by the gunicorn workers under `master` and, when
    PostgreSQL runs on this machine, by the backends serving `database`: what serving requests
    costs, without the load tool's share of the machine (nor what other tenants take)."""
    total = 0
    for pid, parent, name, fields in _processes():
        if parent == master or (database and name == "postgres" and _database_backend(pid, database)):
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return total / _TICKS


def with_cpu(master: int, database: str | None, run) -> dict:
    """`run()`'s locust figures, with the server's CPU milliseconds per request over the run
    (`server_cpu_seconds`): unlike req/s, it leaves out waiting, such as a commit's flush to disk."""
    before = server_cpu_seconds(master, database)
    measured = run()
    measured["cpu"] = (server_cpu_seconds(master, database) - before) * 1000 / max(measured["requests"], 1)
    return measured


def checkpoint(database_url: str) -> None:
    """Write out what a bulk load left in PostgreSQL's buffers now, not while pages are measured
    (a checkpoint the load's WAL set off could still be writing as the first pages run)."""
    if not database_url.startswith("postgresql"):
        return
    import psycopg
    try:
        on_server("CHECKPOINT")
    except psycopg.Error as error:  # CHECKPOINT needs a superuser or pg_checkpoint
        say(f"WARNING: no CHECKPOINT after the load ({error}); the first pages may share the disk with it")


# -- HTTP, by hand, so the sizes are what travels ---------------------------------------------------

def get(path: str, cookie: str = "", headers: dict | None = None, method: str = "GET", body: str = "",
        port: int = PORT):
    """(status, headers, body as sent: still compressed if the server compressed it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = {"Cookie": cookie} if cookie else {}
    all_headers |= headers or {}
    if body:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=all_headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.headers, data


def _session_cookie(headers, cookie: str) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        name_value = value.split(";", 1)[0]
        if name_value.startswith("session="):
            return name_value
    return cookie


def log_in(email: str, port: int = PORT) -> str:
    """A Cookie header for a fresh login session; the CSRF token is already in it."""
    status, headers, body = get("/account/login", port=port)
    cookie = _session_cookie(headers, "")
    match = CSRF_FIELD.search(body.decode())
    token = match.group(1) or match.group(2)
    from urllib.parse import urlencode
    status, headers, _ = get("/account/login", cookie, method="POST",
                             body=urlencode({"email": email, "password": PASSWORD, "csrf_token": token}), port=port)
    if status != 302:
        raise SystemExit(f"log in as {email} failed ({status})")
    cookie = _session_cookie(headers, cookie)
    # A first page puts the form token in the session, so no later answer has to set a cookie.
    for path in ("/account/", "/account/ping"):
        _status, headers, _ = get(path, cookie, port=port)
        cookie = _session_cookie(headers, cookie)
    return cookie


def decoded_length(headers, data: bytes) -> int:
    encoding = headers.get("Content-Encoding")
    if encoding == "gzip":
        return len(gzip.decompress(data))
    if encoding == "br":
        import brotli
        return len(brotli.decompress(data))
    return len(data)


class _FormValues(HTMLParser):
    """The values a form would send (its inputs, ticked boxes, each select's chosen option or,
    none chosen, its first, as a browser does), for the first form whose hx-get is `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.select: str | None = None  # the name of the select being read
        self.chosen: str | None = None  # its chosen option's value, or its first's
        self.picked = False  # an option said it was chosen
        self.values: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and attrs.get("hx-get") == self.action:
            self.inside = True
        elif not self.inside:
            return
        elif tag == "select":
            self.select, self.chosen, self.picked = attrs.get("name"), None, False
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if "selected" in attrs and not self.picked:
                self.chosen, self.picked = value, True
            elif self.chosen is None:
                self.chosen = value
        elif tag == "input" and attrs.get("name") and attrs.get("type", "text") not in ("submit", "button", "image"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.values.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            if self.chosen is not None:
                self.values.append((self.select, self.chosen))
            self.select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_query(html: str, action: str) -> str:
    """The query string an htmx GET of the form whose hx-get is `action` sends, as the page shows it."""
    parser = _FormValues(action)
    parser.feed(html)
    if not parser.done:
        raise SystemExit(f"no form with hx-get={action!r} on the page")
    return urlencode(parser.values)


def booking_choices(cookie: str, port: int = PORT) -> str:
    """The booking page's choices as its form sends them when one changes (the slot list's swap)."""
    status, headers, sent = get("/book", cookie, {"Accept-Encoding": "identity"}, port=port)
    if status != 200:
        raise SystemExit(f"the booking page answered {status}")
    return form_query(sent.decode(), "/book")


def first_load(cookie: str, port: int = PORT) -> tuple[int, list[tuple[str, int]]]:
    """Bytes transferred for the client dashboard with an empty cache: HTML, CSS, JS, icon."""
    accept = {"Accept-Encoding": "br, gzip"}
    _status, headers, html = get("/dashboard", cookie, accept, port=port)
    parts = [("/dashboard", len(html))]
    text = html if headers.get("Content-Encoding") is None else None
    if text is None:
        import brotli
        text = brotli.decompress(html) if headers["Content-Encoding"] == "br" else gzip.decompress(html)
    for url in sorted(set(STATIC.findall(text.decode()))):
        parts.append((url, len(get(url, headers=accept, port=port)[2])))
    return sum(size for _url, size in parts), parts


# -- statements per request, in-process -------------------------------------------------------------

def in_process_app(env: dict, production: bool):
    """The app on the bench's database, in this process (its statement counts, the demo's ids)."""
    os.environ.update({k: v for k, v in env.items() if k in ("SECRET_KEY", "HEALTH_DATA_KEYS", "PUBLIC_URL", "DATABASE_URL")})
    from portal import create_app
    return create_app({"PORTAL_ENV": "production" if production else "development",
                       "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"),
                       "RATELIMIT_STORAGE_URI": "memory://", "SESSION_COOKIE_SECURE": False,
                       "REMEMBER_COOKIE_SECURE": False, "HUEY_IMMEDIATE": True})


def count_statements(env: dict, production: bool, pages: list[Page], extend=None) -> dict[str, int]:
    """The median number of SQL statements per request, with the app's own test client and a
    listener on the engine (as tests/conftest.py count_queries does); `extend(app)` adds routes."""
    from sqlalchemy import event

    from portal.extensions import db
    app = in_process_app(env, production)
    if extend is not None:
        extend(app)
    clients = {}
    for role in ("client", "therapist", "admin"):
        client = app.test_client()
        token = CSRF_FIELD.search(client.get("/account/login").get_data(as_text=True))
        response = client.post("/account/login", data={"email": f"{role}@example.com", "password": PASSWORD,
                                                        "csrf_token": token.group(1) or token.group(2)})
        assert response.status_code == 302, f"in-process log in as {role} failed"
        clients[role] = client
    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    for page in [Page("trivial route", "client", TRIVIAL), *pages]:
        seen = []

        def count(*_args):
            seen[-1] += 1
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(3):
                seen.append(0)
                clients[page.role].get(page.path, headers={"HX-Request": "true"} if page.htmx else {})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[page.label] = int(statistics.median(seen))
    with app.app_context():
        db.engine.dispose()
    return counts


# -- the load ---------------------------------------------------------------------------------------

def locust(path: str, cookies: list[str], htmx: bool, folder: str, seconds: int = SECONDS, port: int = PORT) -> dict:
    """One locust run: req/s and failures from its summary; p50 and p95 from every request's own
    time (locust's percentiles are whole milliseconds: 8 against 12 or 13 ms is a ratio of 1.50
    or 1.62 by rounding alone)."""
    prefix = f"{folder}/locust-{secrets.token_hex(3)}"
    env = dict(os.environ) | {"BENCH_PATH": path, "BENCH_COOKIES": json.dumps(cookies),
                              "BENCH_HTMX": "1" if htmx else "0", "BENCH_TIMES": f"{prefix}_times.txt"}
    subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "scripts/bench_locustfile.py"), "--headless",
                    "--host", f"http://127.0.0.1:{port}", "-u", str(USERS), "-r", str(USERS), "-t", f"{seconds}s",
                    "--csv", prefix, "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
                   env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "page")
    with open(f"{prefix}_times.txt") as lines:
        times = [float(line) for line in lines]
    p50, p95 = percentiles(times)
    return {"rps": float(row["Requests/s"]), "p50": p50, "p95": p95,
            "failures": int(row["Failure Count"]), "requests": int(row["Request Count"])}


def percentiles(times: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile of request times, in ms (nan with none)."""
    if len(times) < 2:
        return (times[0], times[0]) if times else (float("nan"), float("nan"))
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


@dataclass
class Salon:
    """One database served by its own gunicorn, its sessions, and what was measured on it."""
    name: str
    server: subprocess.Popen
    port: int
    database: str | None  # its PostgreSQL backends count with the workers' CPU (this machine's server)
    cookies: dict[str, list[str]]
    pages: list[Page]
    results: dict[str, dict]
    trivial: list[dict]


def open_salon(name: str, env: dict, production: bool, ids: dict, port: int = PORT, pages: list[Page] | None = None,
               app: str = "wsgi:app", extend=None) -> Salon:
    """Serve `env`'s database as `app` (see `serve`) on `port`, log in, and take each page's
    statements and bytes: `pages` (default PAGES, or those BENCH_PAGES names), whose routes
    `extend` adds to the in-process app that counts the statements. `measured` stops it."""
    server = serve(env, production, app, port)
    try:
        cookies = {role: [log_in(f"{role}@example.com", port) for _ in range(USERS)]
                   for role in ("client", "therapist", "admin")}
        chosen = pages if pages is not None else [p for p in PAGES if not ONLY or p.label in ONLY]
        if any("{choices}" in p.path for p in chosen):  # read off the booking page only when asked for
            ids = ids | {"choices": booking_choices(cookies["client"][0], port)}
        listed = [Page(p.label, p.role, p.path.format(**ids), p.htmx, p.page_of) for p in chosen]
        statements = count_statements(env, production, listed, extend)
        results: dict[str, dict] = {"trivial route": {"statements": statements["trivial route"]}}
        for page in listed:
            hx = {"HX-Request": "true"} if page.htmx else {}
            status, headers, sent = get(page.path, cookies[page.role][0], hx | {"Accept-Encoding": "br, gzip"},
                                        port=port)
            if status != 200:
                raise SystemExit(f"{page.label} ({page.path}) answered {status}")
            results[page.label] = {"raw": decoded_length(headers, sent), "sent": len(sent),
                                   "statements": statements[page.label]}
    except BaseException:
        stop(server)
        raise
    database = env["DATABASE_URL"].rsplit("/", 1)[-1] if production else None
    return Salon(name, server, port, database, cookies, listed, results, [])


def run_pages(salons: list[Salon], folder: str) -> None:
    """Each page under load on every salon in turn, each run between two of that salon's trivial
    route runs (half as long). A page is compared with the mean of the trivial runs just before
    and after it, and one salon's run of a page with another's seconds later: on a shared machine
    the load from elsewhere drifts, and a ratio within one stretch of time does not."""
    def run(salon: Salon, path: str, role: str, htmx: bool, seconds: int = SECONDS) -> dict:
        return with_cpu(salon.server.pid, salon.database,
                        lambda: locust(path, salon.cookies[role], htmx, folder, seconds, salon.port))

    for salon in salons:
        salon.trivial.append(run(salon, TRIVIAL, "client", False, max(2, SECONDS // 2)))
    for index in range(len(salons[0].pages)):
        for salon in salons:
            page = salon.pages[index]
            say(f"loading {page.label} ({salon.name}) for {SECONDS}s")
            salon.results[page.label] |= run(salon, page.path, page.role, page.htmx)
            salon.trivial.append(run(salon, TRIVIAL, "client", False, max(2, SECONDS // 2)))
            salon.results[page.label]["floor"] = statistics.mean(t["rps"] for t in salon.trivial[-2:])
            salon.results[page.label]["floor_cpu"] = statistics.mean(t["cpu"] for t in salon.trivial[-2:])


def figures(salon: Salon) -> dict:
    """What `table` prints for a measured salon: its pages' figures, the trivial route's over all
    its runs, the worker memory and the first load (its server still up)."""
    trivial = salon.trivial
    floor = statistics.mean(t["rps"] for t in trivial)
    salon.results["trivial route"] |= {
        "rps": floor, "p50": statistics.mean(t["p50"] for t in trivial), "p95": max(t["p95"] for t in trivial),
        "cpu": statistics.mean(t["cpu"] for t in trivial), "failures": sum(t["failures"] for t in trivial),
        "raw": 0, "sent": 0}
    return {"pages": salon.pages, "results": salon.results, "floor": floor, "memory": workers_rss_mb(salon.server.pid),
            "first_load": first_load(salon.cookies["client"][0], salon.port)}


def measure(env: dict, production: bool, folder: str, ids: dict, pages: list[Page] | None = None,
            app: str = "wsgi:app", extend=None) -> dict:
    """One salon alone (`open_salon`'s arguments): each page's run between two of the trivial
    route's, its statements and bytes."""
    return measured([open_salon("demo", env, production, ids, PORT, pages, app, extend)], folder)[0]


def measured(salons: list[Salon], folder: str) -> list[dict]:
    """`run_pages` on the salons, then each one's `figures`; every server stopped, whatever fails."""
    try:
        run_pages(salons, folder)
        return [figures(salon) for salon in salons]
    finally:
        for salon in salons:
            if salon.server.poll() is None:  # one that died already has no process group to end
                stop(salon.server)


def cpu_cell(cpu: float, floor_cpu: float) -> str:
    """A page's server CPU per request, and how many times the trivial route's next to it."""
    return f"{cpu:.2f} ({cpu / floor_cpu:.1f}x)" if floor_cpu > 0 else f"{cpu:.2f}"


def table(measured: dict, title: str) -> str:
    results, floor = measured["results"], measured["floor"]
    lines = [f"### {title}", "",
             "| page | req/s | share of trivial (adjacent runs) | target | p50 ms | p95 ms | server CPU ms/req "
             "(x trivial) | statements | bytes (raw) | bytes (sent, br) | swap share of page | failures |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    trivial = results["trivial route"]
    lines.append(f"| trivial route `{TRIVIAL}` | {floor:.0f} | 1.00 | | {trivial['p50']:.1f} | {trivial['p95']:.1f} "
                 f"| {trivial['cpu']:.2f} | {trivial['statements']} | 0 | 0 | | {trivial['failures']} |")
    for page in measured["pages"]:
        r = results[page.label]
        share = r["rps"] / r["floor"] if r["floor"] else 0
        target = 0.60 if page.htmx else 0.40
        swap = ""
        if page.page_of in results:
            ratio = r["raw"] / results[page.page_of]["raw"]
            swap = f"{ratio:.2f} {'ok' if ratio <= 0.20 else 'over 0.20'}"
        lines.append(f"| {page.label} | {r['rps']:.0f} | {share:.2f} | {target:.2f} {'ok' if share >= target else 'MISSED'} "
                     f"| {r['p50']:.1f} | {r['p95']:.1f} | {cpu_cell(r['cpu'], r['floor_cpu'])} | {r['statements']} "
                     f"| {r['raw']} | {r['sent']} | {swap} "
                     f"| {r['failures']} |")
    total, parts = measured["first_load"]
    memory = ", ".join(f"{mb:.0f} MB" for mb in measured["memory"]) or "unknown"
    lines += ["", f"Gunicorn workers' memory (RSS, after the run): {memory}.", "",
              f"First load of the client dashboard, as transferred (brotli): {total / 1024:.1f} kB "
              f"(target 60 kB: {'ok' if total <= 60 * 1024 else 'MISSED'}): "
              + ", ".join(f"`{url}` {size} B" for url, size in parts), ""]
    return "\n".join(lines)


def prepared(name: str, folder: str, drops: list) -> tuple[dict, bool]:
    """A new database (`make_database`, its drop added to `drops`) migrated, with the demo salon:
    (the environment to serve it with, whether it is PostgreSQL)."""
    os.makedirs(f"{folder}/{name}", exist_ok=True)
    database_url, drop = make_database(f"{folder}/{name}")
    drops.append(drop)
    env = settings(database_url, f"{folder}/{name}")
    say(f"database {database_url.rsplit('/', 1)[-1]} ({name}): migrating and loading the demo salon")
    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    return env, database_url.startswith("postgresql")


def main() -> None:
    unknown = set(ONLY) - {page.label for page in PAGES}
    if unknown:
        raise SystemExit(f"BENCH_PAGES: no page called {', '.join(sorted(unknown))} "
                         f"(the pages: {', '.join(page.label for page in PAGES)})")
    started = time.monotonic()
    folder = tempfile.mkdtemp(prefix="bench-")
    drops: list = []
    try:
        # The demo salon and the large one in databases of their own, each served by its own
        # gunicorn at once: each page runs on the one, then on the other, seconds apart.
        demo_env, production = prepared("demo", folder, drops)
        large_env = None
        if not LARGE:
            say("BENCH_LARGE=0: the large-salon run is skipped")
        elif "scale" in flask(demo_env, "demo", "--help"):
            large_env, _ = prepared("large", folder, drops)
            say(f"loading a large salon: flask demo scale --clients {CLIENTS} --years {YEARS}")
            flask(large_env, "demo", "scale", "--clients", CLIENTS, "--years", YEARS)
            checkpoint(large_env["DATABASE_URL"])
        else:
            say("this app has no `flask demo scale`: the large-salon run is skipped")
        measured = measure_salons(demo_env, large_env, production, folder)
        print(f"## Benchmark ({'PostgreSQL' if production else 'SQLite'}, gunicorn 2 workers, {USERS} users, "
              f"{SECONDS}s per page, {os.cpu_count()} CPUs)\n")
        print(table(measured[0], "Demo data"))
        if len(measured) > 1:
            demo, large = measured
            print(table(large, f"Large salon ({CLIENTS} clients, {YEARS} years)"))
            print("### p50 large / demo (target <= 1.5)\n\n| page | demo p50 ms | large p50 ms | ratio |\n|---|---|---|---|")
            for page in ["trivial route", *(p.label for p in demo["pages"])]:
                before, after = demo["results"][page]["p50"], large["results"][page]["p50"]
                ratio = after / before if before else float("nan")
                print(f"| {page} | {before:.1f} | {after:.1f} | {ratio:.2f} {'ok' if ratio <= 1.5 else 'MISSED'} |")
            print()
    finally:
        for drop in drops:
            drop()
        shutil.rmtree(folder, ignore_errors=True)
    say(f"done in {(time.monotonic() - started) / 60:.1f} minutes")


def measure_salons(demo_env: dict, large_env: dict | None, production: bool, folder: str) -> list[dict]:
    """The demo salon, and the large one when there is one (on the next port), measured page by
    page in turn: what `table` prints for each."""
    salons = [open_salon("demo", demo_env, production, demo_ids(demo_env, production))]
    if large_env is not None:
        try:
            salons.append(open_salon("large salon", large_env, production, demo_ids(large_env, production), PORT + 1))
        except BaseException:
            stop(salons[0].server)
            raise
    return measured(salons, folder)


def demo_ids(env: dict, production: bool) -> dict:
    """The appointment whose brief is opened (`portal.demo.brief_appointment_id`) and a service."""
    from sqlalchemy import func, select

    from portal.demo import brief_appointment_id
    from portal.extensions import db
    from portal.salon.models import Service
    with in_process_app(env, production).app_context():
        ids = {"brief": brief_appointment_id(), "service": db.session.scalar(select(func.min(Service.id)))}
        db.engine.dispose()
    return ids


if __name__ == "__main__":
    main()
