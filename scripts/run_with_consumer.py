"""`make run`: the development web server and a job consumer together, in one terminal.

Ctrl-C (or SIGTERM) stops both; if either stops on its own, the other is stopped too, so the
portal never runs half-alive (pages answer but no email goes out). Production runs them as
separate processes instead: gunicorn for the web, `huey_consumer wsgi.huey -w 2 -k thread`
for each consumer (see the README's deployment section).

    python scripts/run_with_consumer.py [--host 127.0.0.1] [--port 5000] [--workers 2]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 10
# Ctrl-C in the terminal reaches every process of the group: give them a moment on their own.
OWN_STOP_SECONDS = 2


def commands(host: str, port: str, workers: str) -> dict[str, list[str]]:
    return {
        "web": [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", host, "--port", port],
        "consumer": [sys.executable, "-m", "huey.bin.huey_consumer", "wsgi.huey", "-w", workers, "-k", "thread"],
    }


def _terminated(signum, frame):
    raise KeyboardInterrupt


def stop(processes: dict[str, subprocess.Popen]) -> None:
    """SIGINT (each shuts down cleanly, the consumer finishes its jobs), then SIGKILL."""
    deadline = time.monotonic() + OWN_STOP_SECONDS
    while time.monotonic() < deadline and any(p.poll() is None for p in processes.values()):
        time.sleep(0.1)
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    parser.add_argument("--workers", default="2")
    args = parser.parse_args(argv)

    processes: dict[str, subprocess.Popen] = {}
    # SIGTERM (e.g. from a process manager) stops both, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _terminated)
    # Ctrl-C stops both even when started where SIGINT is ignored (a shell script's `make run &`):
    # a handler here, not SIG_IGN, also means the children start with SIGINT at its default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, command in commands(args.host, args.port, args.workers).items():
            processes[name] = subprocess.Popen(command, cwd=ROOT)
            print(f"run: {name} started (pid {processes[name].pid})", flush=True)
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"run: {name} stopped (exit {process.returncode}); stopping the rest", flush=True)
                    return process.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("run: stopping", flush=True)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
