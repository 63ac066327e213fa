"""The load for one row of `make bench` (scripts/bench.py starts locust with this file).

Environment, set by bench.py: BENCH_PATH (the address to load), BENCH_HTMX ("1": send the
headers htmx sends for a swap), BENCH_COOKIES (JSON list of Cookie headers of logged-in
sessions; each simulated user takes one), BENCH_TIMES (a file to write every successful request's
time to, in milliseconds, one per line, when the run ends: locust's own percentiles are rounded
to whole milliseconds, too coarse for a page answering in 8). Users do not wait between requests:
the figure is the server's throughput, not a visitor's pace.
"""

from __future__ import annotations

import itertools
import json
import os

from locust import FastHttpUser, events, task

PATH = os.environ["BENCH_PATH"]
COOKIES = itertools.cycle(json.loads(os.environ["BENCH_COOKIES"]))
HTMX = os.environ.get("BENCH_HTMX") == "1"
TIMES: list[float] = []


@events.request.add_listener
def _timed(response_time, exception, **_kwargs):
    if exception is None:
        TIMES.append(response_time)


@events.test_stop.add_listener
def _write_times(**_kwargs):
    if os.environ.get("BENCH_TIMES"):
        with open(os.environ["BENCH_TIMES"], "w") as times:
            times.write("".join(f"{t:.3f}\n" for t in TIMES))


class Visitor(FastHttpUser):
    def on_start(self):
        self.headers = {"Cookie": next(COOKIES), "Accept-Encoding": "br, gzip"}
        if HTMX:
            # What htmx 2 sends with a swap (hx-get on an element of the page).
            self.headers |= {"HX-Request": "true", "HX-Current-URL": self.host + PATH}

    @task
    def page(self):
        with self.client.get(PATH, headers=self.headers, name="page", catch_response=True) as response:
            if response.status_code >= 300:
                response.failure(f"status {response.status_code}")
