"""Static files under content-hashed names, compressed and cached for a year; HTML compressed;
the first load within its budget; the benchmark's trivial route (portal/static_assets.py)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
from flask import url_for

from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.static_assets import IMMUTABLE, StaticAssets, hashed_name

STATIC = Path(__file__).resolve().parent.parent / "static"
CSS = (STATIC / "css" / "site.css").read_bytes()
CSS_DIGEST = hashlib.sha256(CSS).hexdigest()[:12]
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
FIRST_LOAD_BUDGET = 60 * 1024


def test_url_for_static_names_the_content_hash(app):
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == f"/static/css/site.{CSS_DIGEST}.css"
        # A file that does not exist keeps its name (and will be a 404).
        assert url_for("static", filename="nothing/here.css") == "/static/nothing/here.css"


def test_every_page_links_static_files_by_hash(client):
    urls = STATIC_URL.findall(client.get("/").get_data(as_text=True))
    assert urls and all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in urls), urls


def test_hashed_file_is_cached_for_a_year_and_gzipped_when_asked(client):
    url = f"/static/css/site.{CSS_DIGEST}.css"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.mimetype == "text/css"
    assert gzip.decompress(response.get_data()) == CSS
    assert len(response.get_data()) < len(CSS) / 2


def test_brotli_is_preferred_and_plain_bytes_go_to_clients_that_ask_for_neither(client):
    url = f"/static/css/site.{CSS_DIGEST}.css"
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.get_data()) == CSS
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.get_data() == CSS
    refused = client.get(url, headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_a_repeat_visit_is_answered_304_by_etag(client):
    url = f"/static/css/site.{CSS_DIGEST}.css"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_plain_or_stale_names_get_the_current_file_but_are_not_kept(client):
    for url in ("/static/css/site.css", "/static/css/site.000000000000.css"):
        response = client.get(url)
        assert response.status_code == 200 and response.get_data() == CSS
        assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../portal/config.py").status_code == 404


def test_an_edited_file_gets_a_new_name_in_development(tmp_path):
    (tmp_path / "a.css").write_text("body{}")
    assets = StaticAssets(str(tmp_path), watch=True)
    before = assets.url_filename("a.css")
    (tmp_path / "a.css").write_text("body{color:red}")
    after = assets.url_filename("a.css")
    assert before != after
    assert after == hashed_name("a.css", hashlib.sha256(b"body{color:red}").hexdigest()[:12])
    assert assets.find(after)[0].bodies["identity"] == b"body{color:red}"


def test_html_pages_are_compressed_when_the_browser_accepts_it(client, auth, users):
    auth.login()
    plain = client.get("/account/")
    packed = client.get("/account/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert "Accept-Encoding" in packed.headers["Vary"]
    # The health-data pages stay out of every cache, compressed or not.
    assert "no-store" in packed.headers["Cache-Control"]


def test_first_load_of_the_client_dashboard_is_at_most_60_kb_compressed(app, client, auth):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    assert auth.login("client@example.com", DEMO_PASSWORD).status_code == 302
    accept = {"Accept-Encoding": "gzip, deflate, br"}
    page = client.get("/dashboard", headers=accept)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.get_data()).decode()
    sizes = {"/dashboard": len(page.get_data())}
    for url in set(STATIC_URL.findall(html)):
        response = client.get(url, headers=accept)
        assert response.status_code == 200, url
        sizes[url] = len(response.get_data())
    assert any(url.endswith(".css") for url in sizes) and any(url.endswith(".js") for url in sizes)
    assert sum(sizes.values()) <= FIRST_LOAD_BUDGET, sizes


def test_ping_is_204_for_anyone_logged_in_with_one_statement(app, client, auth, users, count_queries):
    assert client.get("/account/ping").status_code == 302  # to log in
    for role in ("client", "therapist", "admin"):
        assert auth.login(f"{role}@example.com").status_code == 302
        with app.app_context(), count_queries() as counted:
            response = client.get("/account/ping")
        assert response.status_code == 204 and response.get_data() == b""
        # The user lookup (with its login session) and nothing else.
        assert counted.count == 1, counted.statements
        auth.logout()


def test_development_looks_for_edited_files_once_per_request(tmp_path, monkeypatch):
    from flask import Flask

    (tmp_path / "a.css").write_text("body{}")
    assets = StaticAssets(str(tmp_path), watch=True)
    walks = []
    real_files = assets._files
    monkeypatch.setattr(assets, "_files", lambda: walks.append(1) or real_files())
    app = Flask(__name__)
    with app.test_request_context("/"):
        for _ in range(3):
            assets.url_filename("a.css")
        assert len(walks) == 1
    (tmp_path / "a.css").write_text("body{color:red}")
    with app.test_request_context("/"):
        edited = assets.url_filename("a.css")
    assert len(walks) == 2
    assert edited == hashed_name("a.css", hashlib.sha256(b"body{color:red}").hexdigest()[:12])


def test_html_is_brotli_quality_1_the_fast_setting(client, auth, users):
    """Quality 4 (Flask-Compress's default) cost 170-480 us a page for 15% fewer bytes."""
    auth.login()
    plain = client.get("/account/")
    packed = client.get("/account/", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.get_data()) == plain.get_data()
    assert packed.get_data() == brotli.compress(plain.get_data(), quality=1, lgwin=22)
