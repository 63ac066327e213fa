"""`make bench`'s percentiles (scripts/bench.py): from every request's own time, not locust's
whole milliseconds."""

from __future__ import annotations

import math
import sys

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
