"""Two gunicorn instances sharing PostgreSQL and Redis (scripts/two_instances.py): a booking storm
on the same times books each once, a login storm is limited across both, nothing answers 5xx.

Runs only where both are configured (CI sets TEST_DATABASE_URL and REDIS_URL); it starts real
servers, so it takes most of a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(not (DATABASE_URL.startswith("postgresql") and REDIS_URL),
                                reason="needs TEST_DATABASE_URL (PostgreSQL) and REDIS_URL")


def test_two_instances_book_each_time_once_and_share_the_login_limit():
    result = subprocess.run(
        [sys.executable, "scripts/two_instances.py", "--database-url", DATABASE_URL, "--redis-url", REDIS_URL,
         "--racers", "6", "--slots", "2", "--logins", "8", "--ports", "8131", "8132"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = result.stdout
    assert result.returncode == 0, report + result.stderr[-3000:]
    assert report.count(": 1 appointment(s)") == 2
    # Failed log-ins for one address: exactly the limit is answered, one after another (alternating
    # instances) and all at once (four workers on two instances).
    assert report.count("{200: 5, 429: 3}") == 2, report
    assert report.strip().endswith("PASS")
