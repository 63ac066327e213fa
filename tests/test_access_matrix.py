"""Every route, for every role, answers what it should. A new route must be added to a
file in tests/routes/, and a view that declares no roles is refused to everyone."""

from __future__ import annotations

import pytest
from flask import Blueprint

from portal import create_app

from tests.routes import LOGIN, MATRIX, ROLES


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints == set(MATRIX), "add new routes to MATRIX with what each role should get"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_gets_what_it_should(client, auth, users, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    if callable(path):
        path = path(client.application, users)
    if role != "anonymous":
        assert auth.login(f"{role}@example.com").status_code == 302
    if method == "GET":
        response = client.get(path)
    else:
        response = auth.post(path)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response.location.startswith("/account/login?next=")
    else:
        assert response.status_code == want, f"{role} {method} {path}"


def test_a_view_without_declared_roles_is_refused_to_everyone(app_config, users):
    app = create_app(app_config)
    extra = Blueprint("undeclared", __name__)

    @extra.route("/forgot-to-declare")
    def forgotten():
        return "should never be seen"

    app.register_blueprint(extra)
    from tests.conftest import AuthActions
    client = app.test_client()
    assert client.get("/forgot-to-declare").status_code == 403
    AuthActions(client).login("admin@example.com")
    assert client.get("/forgot-to-declare").status_code == 403
