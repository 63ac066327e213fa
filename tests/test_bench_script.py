"""`make bench` (scripts/bench.py): percentiles from every request's own time, not locust's whole
milliseconds; the server's CPU time per request."""

from __future__ import annotations

import math
import re
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.scripts import script_module


@pytest.fixture(scope="module")
def bench():
    with script_module("bench") as module:
        yield module


def test_the_median_and_95th_percentile_keep_fractions_of_a_millisecond(bench):
    # 8.0-8.9 ms: locust would say 8 for the median; the requests' own times say 8.45.
    p50, p95 = bench.percentiles([8 + n / 10 for n in range(10)])
    assert p50 == pytest.approx(8.45)
    assert p95 == pytest.approx(8.945)  # the 19th of 20 cuts, between the two slowest
    p50, p95 = bench.percentiles([float(n) for n in range(1, 101)])
    assert (p50, p95) == (pytest.approx(50.5), pytest.approx(95.95))


def test_one_or_no_request(bench):
    assert bench.percentiles([7.25]) == (7.25, 7.25)
    assert all(math.isnan(value) for value in bench.percentiles([]))


FAKE_LOCUST = '''#!{python}
"""Stands in for locust: its summary CSV, whole milliseconds as locust writes them, and the
requests' own times where the locustfile writes them (BENCH_TIMES)."""
import os, sys
prefix = sys.argv[sys.argv.index("--csv") + 1]
with open(prefix + "_stats.csv", "w") as stats:
    stats.write("Type,Name,Request Count,Failure Count,Requests/s,50%,95%\\n")
    stats.write("GET,page,10,0,100.0,8,9\\n")
with open(os.environ["BENCH_TIMES"], "w") as times:
    times.write("".join(f"{{8 + n / 10:.3f}}\\n" for n in range(10)))
'''


def test_a_locust_run_reports_the_requests_own_percentiles(bench, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "locust"
    fake.parent.mkdir()
    fake.write_text(FAKE_LOCUST.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(bench, "BIN", fake.parent)
    measured = bench.locust("/account/ping", ["session=x"], False, str(tmp_path), seconds=1)
    assert measured["rps"] == 100.0 and measured["failures"] == 0 and measured["requests"] == 10
    assert measured["p50"] == pytest.approx(8.45)  # locust's own summary says 8
    assert measured["p95"] == pytest.approx(8.945)  # and 9


def test_a_database_backend_is_known_by_its_title(bench):
    # As ps shows them, with and without a cluster name.
    assert bench.serves("postgres: 15/main: postgres bench_1a2b 127.0.0.1(54944) SELECT", "bench_1a2b")
    assert bench.serves("postgres: postgres bench_1a2b 127.0.0.1(54944) idle", "bench_1a2b")
    assert bench.serves("postgres: 15/main: app bench_1a2b [local] idle in transaction", "bench_1a2b")
    assert not bench.serves("postgres: 15/main: postgres demo_base 127.0.0.1(54944) idle", "bench_1a2b")
    assert not bench.serves("postgres: 15/main: autovacuum worker bench_1a2b", "bench_1a2b")
    assert not bench.serves("postgres: 15/main: walwriter", "bench_1a2b")
    assert not bench.serves("gunicorn: worker [wsgi:app]", "bench_1a2b")


def test_the_server_cpu_counts_the_workers_own_time(bench):
    # This process stands in for gunicorn's master: its child that works for 0.3 s when told
    # counts; a sleeping child adds nothing, nor does a process that is not its child (here a
    # grandchild) working all the while.
    work = ("import sys, time\nsys.stdin.readline()\nend = time.process_time() + 0.3\n"
            "while time.process_time() < end: pass\nprint('done', flush=True)\ntime.sleep(30)")
    spin = f"{sys.executable} -c 'while True: pass' & wait"
    with (subprocess.Popen([sys.executable, "-c", work], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True) as worker,
          subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as sleeper,
          subprocess.Popen(["bash", "-c", spin], start_new_session=True) as elsewhere):
        try:
            time.sleep(0.3)  # all started (their start-up is not the run's)
            before = bench.server_cpu_seconds(os.getpid())
            worker.stdin.write("go\n")
            worker.stdin.flush()
            assert worker.stdout.readline().strip() == "done"
            used = bench.server_cpu_seconds(os.getpid()) - before
            assert 0.25 <= used <= 0.45  # the worker's 0.3 s (in clock ticks), nothing of the others'
        finally:
            worker.kill()
            sleeper.kill()
            os.killpg(elsewhere.pid, signal.SIGKILL)


def test_a_run_reports_the_server_cpu_per_request(bench, monkeypatch):
    spent = iter([10.0, 10.5])  # 0.5 s of CPU over the run
    monkeypatch.setattr(bench, "server_cpu_seconds", lambda master, database: next(spent))
    measured = bench.with_cpu(1, "bench_x", lambda: {"rps": 100.0, "requests": 250})
    assert measured["cpu"] == pytest.approx(2.0)  # ms per request
    assert bench.cpu_cell(3.24, 1.93) == "3.24 (1.7x)"


def test_the_table_shows_each_pages_cpu_against_the_trivial_routes_next_to_it(bench):
    page = bench.Page("booking slot list (htmx)", "client", "/book", True, None)
    row = {"rps": 500.0, "p50": 11.5, "p95": 14.9, "statements": 3, "raw": 818, "sent": 418, "failures": 0}
    measured = {"pages": [page], "floor": 894.0, "memory": [151.0], "first_load": (25900, []), "results": {
        "trivial route": {"rps": 894.0, "p50": 6.4, "p95": 11.6, "statements": 1, "failures": 0, "cpu": 1.87},
        page.label: row | {"floor": 880.0, "cpu": 3.53, "floor_cpu": 1.60}}}
    text = bench.table(measured, "Demo data")
    assert "server CPU ms/req (x trivial)" in text
    assert "| trivial route `/account/ping` | 894 | 1.00 | | 6.4 | 11.6 | 1.87 | 1 |" in text
    # The page against the trivial runs next to it (1.60: 2.2x), not the whole run's (1.87: 1.9x).
    assert "| booking slot list (htmx) | 500 | 0.57 | 0.60 MISSED | 11.5 | 14.9 | 3.53 (2.2x) | 3 | 818 | 418 |" in text


FORMS = """<form method="post" action="/account/logout" hx-post="/account/logout">
<input type="hidden" name="csrf_token" value="t"></form>
<form class="card" method="get" action="/book" hx-get="/book" hx-trigger="change">
<select id="service" name="service"><option value="3">Indian Head</option><option selected value="1">Back &amp; Neck</option></select>
<select name="therapist"><option value="any">Any</option><option value="2" selected>Sofia</option></select>
<select name="location"><option value="2">Gosforth</option><option value="1">City Centre</option></select>
<input id="day" max="2027-01-31" name="day" type="date" value="2026-12-07">
<input type="checkbox" name="unticked" value="yes"><input type="checkbox" name="ticked" value="yes" checked>
<button type="submit" name="go" value="1">Show free times</button>
</form>
<form hx-get="/book"><input name="later" value="no"></form>"""


def test_the_slot_lists_swap_sends_the_booking_forms_choices(bench):
    # What htmx sends for a change in that form: each select's chosen option (the first, when
    # none says so), the day, a ticked box; not another form's fields, an unticked box or the
    # submit button.
    assert bench.form_query(FORMS, "/book") == "service=1&therapist=2&location=2&day=2026-12-07&ticked=yes"
    with pytest.raises(SystemExit):
        bench.form_query(FORMS, "/elsewhere")
    slot_list = next(page for page in bench.PAGES if page.label == "booking slot list (htmx)")
    assert slot_list.path == "/book?{choices}" and slot_list.htmx


def test_the_booking_pages_choices_ask_for_the_free_times_it_shows(bench, app, client, auth):
    # On the app itself: the query read off the booking page asks for the same day's times, as a
    # fragment, that the page shows.
    from portal.demo import DEMO_PASSWORD, load_demo_data
    from portal.extensions import db
    with app.app_context():
        load_demo_data()
        db.session.commit()
    assert auth.login("client@example.com", DEMO_PASSWORD).status_code == 302
    page = client.get("/book").get_data(as_text=True)
    query = bench.form_query(page, "/book")
    assert set(dict(pair.split("=") for pair in query.split("&"))) == {"service", "location", "therapist", "day"}
    swap = client.get(f"/book?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in swap
    heading = swap[swap.index("<h2"):swap.index("</h2>")]
    assert heading.startswith('<h2 id="slots-heading">Free times on ') and heading in page
    times = re.compile(r"<button name=time value=([0-9:]+)>")
    assert times.findall(swap) and times.findall(swap) == times.findall(page)  # the same times, one button each


def test_each_page_runs_on_every_salon_in_turn_between_that_salons_trivial_runs(bench, monkeypatch):
    # The demo and the large salon are served at once (two ports): each page runs on the one,
    # then on the other, seconds apart, so their p50 ratio is not the machine's drift.
    ran = []

    def locust(path, cookies, htmx, folder, seconds=bench.SECONDS, port=bench.PORT):
        ran.append((port, path, cookies[0]))
        rps = 1000.0 + len(ran) if path == bench.TRIVIAL else 500.0 + port - bench.PORT
        return {"rps": rps, "p50": 5.0, "p95": 6.0, "failures": 0, "requests": 100}
    monkeypatch.setattr(bench, "locust", locust)
    monkeypatch.setattr(bench, "server_cpu_seconds", lambda master, database: 0.0)
    demo, large = (bench.Salon(name, type("Server", (), {"pid": 1})(), port, None, {"client": [f"{name} cookie"]},
                               [bench.Page("a", "client", "/a"), bench.Page("b", "client", "/b")],
                               {"a": {}, "b": {}}, [])
                   for name, port in (("demo", bench.PORT), ("large", bench.PORT + 1)))
    bench.run_pages([demo, large], "/tmp")
    trivial, other = bench.TRIVIAL, bench.PORT + 1
    assert [(port, path) for port, path, _ in ran] == [
        (bench.PORT, trivial), (other, trivial),
        (bench.PORT, "/a"), (bench.PORT, trivial), (other, "/a"), (other, trivial),
        (bench.PORT, "/b"), (bench.PORT, trivial), (other, "/b"), (other, trivial)]
    assert all(cookie == ("demo cookie" if port == bench.PORT else "large cookie") for port, _, cookie in ran)
    # Each salon's page against the mean of its own trivial runs just before and after it.
    assert (demo.results["a"]["rps"], demo.results["a"]["floor"]) == (500.0, (1001.0 + 1004.0) / 2)
    assert (large.results["b"]["rps"], large.results["b"]["floor"]) == (501.0, (1006.0 + 1010.0) / 2)


def test_every_salons_server_is_stopped_whatever_fails(bench, monkeypatch):
    stopped = []

    class Server:
        def __init__(self, running):
            self.running = running

        def poll(self):
            return None if self.running else 0

    def fail(salons, folder):
        raise RuntimeError("locust failed")
    monkeypatch.setattr(bench, "run_pages", fail)
    monkeypatch.setattr(bench, "stop", stopped.append)
    running, dead, other = Server(True), Server(False), Server(True)
    salons = [bench.Salon(name, server, bench.PORT, None, {}, [], {}, [])
              for name, server in (("demo", running), ("large", dead), ("third", other))]
    with pytest.raises(RuntimeError):
        bench.measured(salons, "/tmp")
    assert stopped == [running, other]  # a server that died already has nothing to stop
