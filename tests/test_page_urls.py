"""The templates' `url_for` (portal/urls.py page_url_for): a page's fixed links worked out once
per app and script root, with the same addresses as `url_for`."""

from __future__ import annotations

import re

from flask import url_for
from werkzeug.routing import MapAdapter

from portal import urls

HREF = re.compile(r'(?:href|src|action)="([^"]+)"')
NAV = ("dashboard.home", "dashboard.client", "booking.book", "booking.appointments", "profile.guidance",
       "accounts.account", "accounts.logout", "public.salons", "public.therapists", "public.free_times")


def _links(response) -> set[str]:
    return set(HREF.findall(response.get_data(as_text=True)))


def test_a_page_links_what_url_for_gives(app, client, auth, users):
    auth.login()
    links = _links(client.get("/account/"))
    with app.test_request_context():
        expected = {url_for(endpoint) for endpoint in NAV}
        expected.add(url_for("static", filename="css/site.css"))
    assert expected <= links, expected - links


def test_the_prefix_a_proxy_mounts_the_portal_under_is_kept_apart(client, auth, users):
    auth.login()
    plain = _links(client.get("/account/"))
    mounted = _links(client.get("/account/", environ_overrides={"SCRIPT_NAME": "/portal"}))
    again = _links(client.get("/account/"))
    assert "/account/" in plain and "/portal/account/" in mounted
    assert not any(link.startswith("/portal/") for link in plain | again)
    assert all(link.startswith("/portal/") for link in mounted if link.startswith("/")), mounted
    assert again == plain


def test_a_second_page_works_out_no_fixed_link_again(app, client, auth, users, monkeypatch):
    auth.login()
    client.get("/account/")
    built = []
    real = MapAdapter.build

    def counting(self, endpoint, values=None, *args, **kwargs):
        built.append((endpoint, dict(values or {})))
        return real(self, endpoint, values, *args, **kwargs)

    monkeypatch.setattr(MapAdapter, "build", counting)
    page = client.get("/account/")
    assert page.status_code == 200 and "/account/ping" not in {endpoint for endpoint, _ in built}
    fixed = [(endpoint, values) for endpoint, values in built
             if not values or (endpoint == "static" and list(values) == ["filename"])]
    assert fixed == []


def test_arguments_and_no_request_go_to_url_for(app):
    with app.test_request_context():
        assert urls.page_url_for("static", filename="css/site.css", _external=True).startswith("http")
        assert urls.page_url_for("accounts.account", _anchor="x") == "/account/#x"
    assert "page_urls" not in app.extensions or all(
        "#" not in address and not address.startswith("http") for address in app.extensions["page_urls"].values())
