"""Helpers for the race tests: logged-in clients and a barrier that sends their forms at once.
(The race_app fixture, with a database connection per racer, is in tests/conftest.py.)"""

from __future__ import annotations

import threading

from tests.conftest import RACERS, AuthActions

__all__ = ["RACERS", "booking_paused_beside", "logged_in_clients", "race", "race_posts"]


def logged_in_clients(app, emails: list[str]) -> list[tuple]:
    """A test client per racer, logged in, with the CSRF token its form would carry."""
    clients = []
    for email in emails:
        client = app.test_client()
        auth = AuthActions(client)
        assert auth.login(email).status_code == 302
        clients.append((client, auth.csrf_token()))
    return clients


def race(clients: list[tuple], forms: list[dict], url: str = "/book") -> list:
    """POST every form to `url` at the same moment, one thread each; returns the responses."""
    return race_posts(clients, [(url, form) for form in forms])


def race_posts(clients: list[tuple], posts: list[tuple[str, dict]]) -> list:
    """POST each (url, form) from its own client at the same moment, one thread each."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        client, token = clients[n]
        url, form = posts[n]
        try:
            barrier.wait(timeout=30)
            responses[n] = client.post(url, data={**form, "csrf_token": token})
        except BaseException as error:  # noqa: BLE001  (reported below, not swallowed)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return responses


def booking_paused_beside(monkeypatch, booking: tuple, other: tuple, *, pause: str) -> tuple[int, int]:
    """A booking and another request that changes what the booking decides on (a therapist's
    training, the client's profile), as two real requests on their own connections. Each of
    `booking` and `other` is (test client, CSRF token, url, form). The booking is paused in
    booking's services at `pause` ("after_checks": once it has passed the gate and holds its
    locks, just before it writes; "before_locks": once it has read what it decides on, before
    any lock) while the other request runs: until that one has finished, or for at most two
    seconds if it waits for the booking. Returns both status codes (booking's, then the other's)."""
    from portal.booking import services as booking_services

    reached, go = threading.Event(), threading.Event()
    paused_at = {"after_checks": "insert_if_free", "before_locks": "lock_client"}[pause]
    original = getattr(booking_services, paused_at)

    def paused(*args, **kwargs):
        if not reached.is_set():
            reached.set()
            assert go.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(booking_services, paused_at, paused)
    responses = {}

    def post(name, client, token, url, form):
        responses[name] = client.post(url, data={**form, "csrf_token": token})

    first = threading.Thread(target=post, args=("booking", *booking))
    first.start()
    assert reached.wait(timeout=30)
    second = threading.Thread(target=post, args=("other", *other))
    second.start()
    second.join(timeout=2)  # it waits for the booking when they take turns
    go.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert not first.is_alive() and not second.is_alive()
    return responses["booking"].status_code, responses["other"].status_code
