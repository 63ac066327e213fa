"""Two gunicorn instances on one PostgreSQL and one Redis, as two machines would run them.

    .venv/bin/python scripts/two_instances.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        --redis-url redis://127.0.0.1:6379/0 [--racers 12] [--slots 3] [--logins 30]

Makes a throwaway database next to --database-url (dropped at the end), migrates it and loads the
demo salon, adds `racers` clients, then starts two instances (`gunicorn -c gunicorn.conf.py
wsgi:app`, two workers each) on two ports and:

* booking storm: for each of `slots` free times, every racer (half of them through each
  instance) posts the booking form for that same time at the same moment;
* login storm: `logins` failed log-ins for one address, fired at both instances at once.

It passes (exit 0) when each time holds exactly one appointment, no response was a 5xx, and the
failed log-ins sent one after another to alternating instances were answered exactly
LOGIN_RATE_LIMIT times (5 a minute), the rest 429: the counters live in Redis, shared by both
instances. Sent all at once, a few more than 5 may be answered (at most one per worker: the
limiter counts a failure after it happened, so requests already past the check finish); the
script checks that bound. Prints what it saw either way.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.booking.forms import local_start  # noqa: E402
from tests.databases import create_database, drop_database  # noqa: E402

PASSWORD = "demo-massage-2026"  # portal.demo.DEMO_PASSWORD
LOGIN_LIMIT = 5  # LOGIN_RATE_LIMIT below: failed log-ins per minute per address and IP
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
KEY_INPUT = re.compile(r'name="idempotency_key" value="([^"]+)"')
# The booking page's free times: the day once, then one button per time, named by its label.
DAY_INPUT = re.compile(r'<input type=hidden name=day value=(\d{4}-\d\d-\d\d)>')
TIME_BUTTON = re.compile(r'<button name=time value=(\d\d:\d\d)[ >]')


class Browser:
    """One person's cookies, over plain HTTP, against one instance."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def token(self, html: str) -> str:
        match = CSRF_INPUT.search(html) or CSRF_HEADER.search(html)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)

    def log_in(self, email: str, password: str = PASSWORD) -> int:
        _, page = self.request("/account/login")
        status, _ = self.request("/account/login", {"email": email, "password": password,
                                                    "csrf_token": self.token(page)})
        return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to count, not a page to follow


def _environment(database_url: str, redis_url: str) -> dict:
    from portal.encryption import new_key_entry

    return {**os.environ, "PORTAL_ENV": "development", "FLASK_DEBUG": "0", "DATABASE_URL": database_url,
            "REDIS_URL": redis_url, "SECRET_KEY": uuid.uuid4().hex * 2, "HEALTH_DATA_KEYS": new_key_entry("storm"),
            "RATELIMIT_KEY_PREFIX": f"two-instances-{uuid.uuid4().hex[:8]}",
            "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "LOGIN_IP_RATE_LIMIT": "1000 per minute",
            "WEB_CONCURRENCY": "2", "LOG_LEVEL": "WARNING"}


def _flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _add_racers(env: dict, count: int) -> list[str]:
    """`count` confirmed clients with the demo password (no health profile: they tick the screening)."""
    emails = [f"racer{n}@example.com" for n in range(count)]
    script = (
        "import sys\n"
        "from portal import create_app, clock\n"
        "from portal.accounts.models import User\n"
        "from portal.accounts.passwords import hash_password\n"
        "from portal.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    hashed = hash_password({PASSWORD!r})\n"
        "    for email in sys.argv[1:]:\n"
        "        db.session.add(User(email=email, name=email.split('@')[0], role='client', password_hash=hashed,\n"
        "                            email_confirmed_at=clock.now()))\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script, *emails], cwd=ROOT, env=env, check=True)
    return emails


def _start(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base} did not come up")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the gunicorn master we started, and its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _all_at_once(jobs) -> list:
    """Run every job in its own thread, released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        results[index] = job()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _apart(offered: list[str], count: int) -> list[str]:
    """`count` of the offered times, two hours apart, so booking one never takes the next."""
    from datetime import datetime

    chosen: list[str] = []
    for text in offered:
        if not chosen or datetime.fromisoformat(text) - datetime.fromisoformat(chosen[-1]) >= timedelta(hours=2):
            chosen.append(text)
    return chosen[:count]


def _booking_day() -> date:
    """A weekday beyond the demo's own week, when the demo therapist works at City Centre."""
    day = date.today() + timedelta(days=9)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _appointments_at(env: dict, therapist: str, starts: list[str]) -> dict[str, int]:
    """Booked appointments of the therapist starting at each of `starts`, read from the database."""
    script = (
        "import sys\n"
        "from sqlalchemy import func, select\n"
        "from portal import create_app\n"
        "from portal.booking.forms import parse_start\n"
        "from portal.booking.models import BOOKED, Appointment\n"
        "from portal.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    for text in sys.argv[2:]:\n"
        "        n = db.session.scalar(select(func.count()).select_from(Appointment).where(\n"
        "            Appointment.therapist_id == int(sys.argv[1]),\n"
        "            Appointment.starts_at == parse_start(text), Appointment.status == BOOKED))\n"
        "        print(text, n)\n"
    )
    output = subprocess.run([sys.executable, "-c", script, therapist, *starts], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout
    return {line.split()[0]: int(line.split()[1]) for line in output.splitlines() if line.strip()}


def storm(database_url: str, redis_url: str, racers: int, slots: int, logins: int, ports: tuple[int, int]) -> bool:
    url = create_database(database_url, label="two_instances")
    env = _environment(url, redis_url)
    instances = []
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "demo", "load")
        emails = _add_racers(env, racers)
        instances = [_start(env, port) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            _wait_until_up(base)

        # Everyone logs in (half on each instance) and opens the same booking page.
        browsers = [Browser(bases[n % 2]) for n in range(racers)]
        for browser, email in zip(browsers, emails):
            assert browser.log_in(email) == 302, f"log in as {email} failed"
        day = _booking_day().isoformat()
        _, page = browsers[0].request(f"/book?day={day}")
        # The demo therapist (Amelia Hart) at City Centre, where she works on weekdays.
        therapist = re.search(r'value="(\d+)"[^>]*>\s*Amelia Hart', page).group(1)
        location = re.search(r'value="(\d+)"[^>]*>\s*Newcastle City Centre', page).group(1)
        choice = f"/book?therapist={therapist}&location={location}&day={day}"
        status, page = browsers[0].request(choice)
        offered_day = DAY_INPUT.search(page)
        offered = [local_start(offered_day.group(1), label) for label in TIME_BUTTON.findall(page)] if offered_day else []
        times = _apart([text for text in offered if text], slots)
        if status != 200 or len(times) < slots:
            raise RuntimeError(f"the booking page for {day} offered {len(times)} free times (status {status})")
        service = re.search(r'name="service" value="(\d+)"', page).group(1)
        statuses: list[int] = []
        for starts_at in times:
            forms = []
            for browser in browsers:
                _, mine = browser.request(choice)
                forms.append({"csrf_token": browser.token(mine), "idempotency_key": KEY_INPUT.search(mine).group(1),
                              "service": service, "location": location, "therapist": therapist,
                              "starts_at": starts_at, "screening_confirmed": "y"})
            statuses += _all_at_once([lambda b=b, f=f: b.request("/book", f)[0] for b, f in zip(browsers, forms)])
        per_slot = _appointments_at(env, therapist, times)

        # Failed log-ins for one address, alternating between the instances, one after another:
        # exactly LOGIN_LIMIT are answered, then every one is refused, whichever instance it hits.
        one_by_one, started = [], time.monotonic()
        for n in range(logins):
            attacker = Browser(bases[n % 2])
            one_by_one.append(attacker.log_in("client@example.com", "wrong-guess"))
        one_by_one_seconds = time.monotonic() - started
        # The same for another address, all at once at both instances.
        attackers = [Browser(bases[n % 2]) for n in range(logins)]
        tokens = [a.token(a.request("/account/login")[1]) for a in attackers]
        at_once = _all_at_once([
            lambda a=a, t=t: a.request("/account/login", {"email": "priya.shah@example.com", "password": "wrong-guess",
                                                          "csrf_token": t})[0]
            for a, t in zip(attackers, tokens)])
    finally:
        for process in instances:
            _stop(process)
        drop_database(url)

    def tally(found: list[int]) -> dict[int, int]:
        return {code: found.count(code) for code in sorted(set(found))}

    server_errors = [s for s in statuses + one_by_one + at_once if s >= 500]
    print(f"booking storm: {racers} clients x {len(times)} times over two instances; responses {tally(statuses)}")
    for starts_at, count in per_slot.items():
        print(f"  {starts_at}: {count} appointment(s)")
    print(f"login storm, one after another: {logins} failed log-ins for one address; responses "
          f"{tally(one_by_one)} in {one_by_one_seconds:.0f} s (limit {LOGIN_LIMIT} per minute)")
    print(f"login storm, all at once: {logins} failed log-ins for one address; responses {tally(at_once)}")
    # Each attempt takes its count atomically in Redis before the password is checked
    # (accounts.throttle), so even all at once on four workers exactly LOGIN_LIMIT are answered.
    ok = (len(per_slot) == slots and all(count == 1 for count in per_slot.values()) and not server_errors
          and one_by_one.count(200) == LOGIN_LIMIT and one_by_one.count(429) == logins - LOGIN_LIMIT
          and at_once.count(200) == LOGIN_LIMIT and at_once.count(429) == logins - LOGIN_LIMIT)
    print("PASS" if ok else "FAIL")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="a PostgreSQL server to make the throwaway database on (default: $TEST_DATABASE_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"), help="default: $REDIS_URL")
    parser.add_argument("--racers", type=int, default=12)
    parser.add_argument("--slots", type=int, default=3, help="free times raced for, two hours apart")
    parser.add_argument("--logins", type=int, default=10,
                        help="failed log-ins per storm (more than 10 on one address are slowed down on purpose)")
    parser.add_argument("--ports", type=int, nargs=2, default=(8101, 8102))
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql") or not args.redis_url:
        parser.error("needs a PostgreSQL --database-url and a --redis-url (or TEST_DATABASE_URL and REDIS_URL)")
    sys.exit(0 if storm(args.database_url, args.redis_url, args.racers, args.slots, args.logins,
                        tuple(args.ports)) else 1)


if __name__ == "__main__":
    main()
