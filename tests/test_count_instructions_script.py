"""scripts/count_instructions.py: instructions per request from two callgrind counts, and the
table against the trivial route (valgrind itself stands in here: a real count takes minutes)."""

from __future__ import annotations

import sys

import pytest

from tests.scripts import script_module


@pytest.fixture(scope="module")
def counting():
    with script_module("count_instructions") as module:
        yield module


def test_pages_are_a_role_and_a_path_or_an_htmx_swap(counting):
    assert counting.parse_page("client:/dashboard") == ("client@example.com", "/dashboard", False)
    assert counting.parse_page("therapist:hx:/therapist/appointments/{brief}/brief") == (
        "therapist@example.com", "/therapist/appointments/{brief}/brief", True)
    for wrong in ("/dashboard", "client:dashboard", "client:hx:"):
        with pytest.raises(SystemExit):
            counting.parse_page(wrong)


def test_the_count_is_what_callgrind_reports_at_the_end(counting):
    output = "==3236== Events    : Ir\n==3236== Collected : 9785184210\n==3236==\n==3236== I   refs:      9,785,184,210\n"
    assert counting.collected(output) == 9_785_184_210
    with pytest.raises(SystemExit):
        counting.collected("==1== valgrind: no such tool\n")
    # 100 requests over the same start and warm-up: only the requests' own instructions.
    assert counting.per_request(9_778_018_027, 11_424_303_503, 100) == pytest.approx(16_462_854.76)


FAKE_VALGRIND = '''#!{python}
"""Stands in for valgrind: checks it was asked for callgrind, runs nothing, reports a count
that grows with --requests."""
import sys
assert sys.argv[1] == "--tool=callgrind" and sys.argv[2] == "--callgrind-out-file=/dev/null", sys.argv
requests = int(sys.argv[sys.argv.index("--requests") + 1])
page = sys.argv[sys.argv.index("--child") + 1]
each = 4_000_000 if page.endswith("/account/ping") else 14_000_000
print(f"==1== Collected : {{9_000_000_000 + each * requests}}", file=sys.stderr)
'''


def test_a_count_runs_the_page_under_callgrind(counting, tmp_path):
    fake = tmp_path / "valgrind"
    fake.write_text(FAKE_VALGRIND.format(python=sys.executable))
    fake.chmod(0o755)
    assert counting.count("client:/dashboard", 0, valgrind=str(fake)) == 9_000_000_000
    assert counting.count("client:/dashboard", 50, valgrind=str(fake)) == 9_700_000_000


def test_the_table_gives_each_page_against_the_trivial_route(counting, monkeypatch, capsys):
    asked = []

    def count(spec, requests):
        asked.append((spec, requests))
        each = {"client:/account/ping": 4_050_000, "client:/dashboard": 16_460_000}[spec]
        return 9_000_000_000 + each * requests

    monkeypatch.setattr(counting, "count", count)
    monkeypatch.setattr(sys, "argv", ["count_instructions.py", "--page", "client:/dashboard", "--requests", "20"])
    counting.main()
    out = capsys.readouterr().out
    assert "| client:/account/ping | 4.05 | 1.00 |" in out
    assert "| client:/dashboard | 16.46 | 4.06 |" in out
    assert sorted(asked) == [("client:/account/ping", 0), ("client:/account/ping", 20),
                             ("client:/dashboard", 0), ("client:/dashboard", 20)]


def test_a_count_needs_at_least_one_request(counting, monkeypatch):
    # Per request over none would divide by nothing, after minutes of counting.
    monkeypatch.setattr(sys, "argv", ["count_instructions.py", "--requests", "0"])
    with pytest.raises(SystemExit):
        counting.main()


def test_the_run_without_requests_is_allowed_under_valgrind(counting, monkeypatch):
    # Each page is counted twice, once with --requests 0: the child must take it (the refusal
    # above once stopped every count after its first run under valgrind).
    ran = []
    monkeypatch.setattr(counting, "child", lambda spec, requests: ran.append((spec, requests)))
    monkeypatch.setattr(sys, "argv", ["count_instructions.py", "--child", "client:/dashboard", "--requests", "0"])
    counting.main()
    assert ran == [("client:/dashboard", 0)]
