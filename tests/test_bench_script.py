"""`make bench`'s percentiles (scripts/bench.py): from every request's own time, not locust's
whole milliseconds."""

from __future__ import annotations

import math

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
