"""Helpers for the race tests: logged-in clients and a barrier that sends their forms at once.
(The race_app fixture, with a database connection per racer, is in tests/conftest.py.)"""

from __future__ import annotations

import threading

from tests.conftest import RACERS, AuthActions

__all__ = ["RACERS", "logged_in_clients", "race", "race_posts"]


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
