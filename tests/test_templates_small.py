"""Small template promises: a loading indicator for htmx requests that respects reduced motion,
an <h1> on the brief page, and no template that nothing renders."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from portal import clock
from tests.factories import make_appointment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def test_every_page_shows_a_loading_indicator_during_htmx_requests(client):
    html = client.get("/account/login").get_data(as_text=True)
    body = re.search(r"<body[^>]*>", html).group(0)
    assert 'hx-indicator="#loading"' in body  # inherited by every hx-get/hx-post on the page
    assert re.search(r'<div id="loading" class="htmx-indicator[^"]*" aria-hidden="true">.*Loading', html)
    css = (ROOT / "static" / "css" / "site.css").read_text()
    # htmx's own indicator styles are off (inline styles break the CSP), so ours must exist.
    assert re.search(r"^\.htmx-indicator \{[^}]*opacity: 0", css, re.M)
    assert re.search(r"\.htmx-request\.htmx-indicator[^{]*\{[^}]*opacity: 1", css)
    reduced = re.search(r"@media \(prefers-reduced-motion: reduce\) \{(.*?)\n\}", css, re.S).group(1)
    assert "animation: none" in reduced and ".spinner { display: none; }" in reduced


def test_the_brief_page_has_an_h1_and_its_fragment_does_not(app, client, auth, small_salon, users):
    appointment_id = make_appointment(app, small_salon, users["client"].id, clock.now() + timedelta(hours=2))
    auth.login("therapist@example.com")
    page = client.get(f"/therapist/appointments/{appointment_id}/brief").get_data(as_text=True)
    assert len(re.findall(r"<h1\b", page)) == 1 and "<h1>Brief before the session</h1>" in page
    fragment = client.get(f"/therapist/appointments/{appointment_id}/brief",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<h1" not in fragment and "<h2" in fragment  # it goes under the day's own h1


def test_every_template_is_used():
    """A template is rendered by Python code or pulled in by another template."""
    python = "\n".join(p.read_text() for p in (ROOT / "portal").rglob("*.py"))
    templates = {str(p.relative_to(TEMPLATES)): p.read_text() for p in TEMPLATES.rglob("*") if p.is_file()}
    jinja = "\n".join(templates.values())
    unused = []
    for name in templates:
        if name.startswith("email/"):  # named without the suffix by portal.mail.render_email
            stem = name.removeprefix("email/").rsplit(".", 1)[0]
            used = f'"{stem}"' in python or f'"{name}"' in jinja
        else:
            used = f'"{name}"' in python or f'"{name}"' in jinja
        if not used:
            unused.append(name)
    assert unused == []
