"""htmx is pinned, vendored, loaded with its SRI hash, and locked down in the base template."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from portal import create_app
from portal.config import HTMX_CDN_URL, HTMX_SRI, HTMX_VERSION

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_vendored_file_matches_the_pinned_hash():
    content = (STATIC / "vendor" / f"htmx-{HTMX_VERSION}.min.js").read_bytes()
    digest = base64.b64encode(hashlib.sha384(content).digest()).decode()
    assert HTMX_SRI == f"sha384-{digest}"
    assert f'version:"{HTMX_VERSION}"' in content.decode()  # the file is the version we pin


def test_page_loads_the_vendored_file_with_sri(client):
    html = client.get("/").get_data(as_text=True)
    tag = re.search(r"<script [^>]*>", html).group(0)
    # The content-hashed name of the vendored file (portal/static_assets.py)...
    src = re.search(rf'src="(/static/vendor/htmx-{re.escape(HTMX_VERSION)}\.min\.[0-9a-f]{{12}}\.js)"', tag).group(1)
    assert f'integrity="{HTMX_SRI}"' in tag and 'crossorigin="anonymous"' in tag
    # ...serves exactly the bytes the SRI hash pins.
    served = client.get(src).get_data()
    assert served == (STATIC / "vendor" / f"htmx-{HTMX_VERSION}.min.js").read_bytes()


def test_cdn_switch_uses_the_same_version_and_hash(app_config):
    app = create_app({**app_config, "HTMX_FROM_CDN": True})
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert f'src="{HTMX_CDN_URL}"' in html and f'integrity="{HTMX_SRI}"' in html
    assert HTMX_VERSION in HTMX_CDN_URL
    assert "https://cdn.jsdelivr.net" in response.headers["Content-Security-Policy"]


def test_htmx_security_settings(client, auth, users):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1))
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0
    auth.login()
    assert 'hx-history="false"' in client.get("/dashboard").get_data(as_text=True)
