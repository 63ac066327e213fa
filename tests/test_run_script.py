"""`make run` starts the web server and a job consumer together, and Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import HEALTH_KEYS, make_config

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("started_in_background", [False, True])
def test_the_launcher_runs_the_web_server_and_a_consumer_and_stops_both(tmp_path, database_url, started_in_background):
    """Also when started the way a shell starts a background job (`make run &` in a script:
    SIGINT ignored, inherited by every child), Ctrl-C to its process group stops all of it cleanly."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HUEY_", "MAIL_", "REDIS_URL"))}
    env.update(PORTAL_ENV="testing", DATABASE_URL=database_url, SECRET_KEY=make_config("")["SECRET_KEY"],
               HEALTH_DATA_KEYS=HEALTH_KEYS, HUEY_IMMEDIATE="0", HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    launcher = subprocess.Popen([sys.executable, "scripts/run_with_consumer.py", "--port", str(port), "--workers", "1"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=started_in_background,
                                preexec_fn=_ignore_sigint if started_in_background else None)
    pids, lines = {}, []
    try:
        while len(pids) < 2:
            line = launcher.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
            if line.startswith("run: ") and "started (pid " in line:
                pids[line.split()[1]] = int(line.rsplit("pid ", 1)[1].rstrip(")\n"))
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.2)
        assert _alive(pids["consumer"])
        assert (tmp_path / "huey.db").exists()  # the queue both share
    finally:
        if started_in_background:
            os.killpg(launcher.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        else:
            launcher.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            output, _ = launcher.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in (launcher.pid, *pids.values()):
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
            raise
    assert launcher.returncode == 0, "".join(lines) + output
    assert "run: stopping" in output
    assert not _alive(pids["web"]) and not _alive(pids["consumer"])
