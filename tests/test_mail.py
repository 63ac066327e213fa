"""Every email comes from a template pair (text + HTML) on the shared layout, with links on
PUBLIC_URL and nothing from a health profile; no body is written in Python."""

from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from portal.booking import notify
from portal.booking.models import Appointment
from portal.extensions import db
from portal.mail import outbox
from tests.factories import make_appointment, make_salon

ROOT = Path(__file__).resolve().parent.parent
EMAILS = ROOT / "templates" / "email"
LINK = re.compile(r"""https?://[^\s"'<>]+""")
HEALTH = re.compile(r"pregnan|precaution|condition|health|\bGP\b", re.IGNORECASE)
STARTS = datetime(2027, 3, 15, 10, 0, tzinfo=timezone.utc)


def parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def assert_on_layout(message, first_name: str) -> None:
    text, html = parts(message)
    for body in (text, html):
        assert f"Hello {first_name}," in body
        assert "Mesmerising Beauty, Newcastle City Centre and Gosforth" in body  # the layout's footer
        assert "http://portal.test/" in body
        links = LINK.findall(body)
        assert links and all(link.startswith("http://portal.test/") for link in links), links
        assert not HEALTH.search(body)
    assert html.lstrip().lower().startswith("<!doctype html>") and '<html lang="en-GB">' in html
    assert "{{" not in text + html and "{%" not in text + html


def test_every_message_is_a_text_and_html_pair_on_the_shared_layout():
    names = sorted(p.stem for p in EMAILS.glob("*.txt") if not p.name.startswith("_"))
    assert names == ["account_exists", "booked", "cancelled", "confirm_email", "due", "due_note", "feel",
                     "invitation", "morning_list", "relief", "reminder", "rescheduled", "reset_password"]
    for name in names:
        for suffix in ("txt", "html"):
            source = (EMAILS / f"{name}.{suffix}").read_text()
            assert source.startswith(f'{{% extends "email/_layout.{suffix}" %}}'), f"{name}.{suffix}"


def test_account_emails_render_both_parts_on_the_layout(app, auth, users):
    password = "quiet-harbour-lantern-77"
    form = {"name": "Nina Bell", "password": password, "confirm": password}
    auth.post("/account/register", {**form, "email": "nina@example.com"})  # confirm your address
    auth.post("/account/register", {**form, "email": "client@example.com"})  # you already have one
    auth.post("/account/forgot-password", {"email": "client@example.com"})  # reset link
    with app.app_context():
        sent = list(outbox())
    assert [m["To"] for m in sent] == ["nina@example.com", "client@example.com", "client@example.com"]
    confirm, exists, reset = sent
    assert_on_layout(confirm, "Nina")
    assert_on_layout(exists, "Claire")
    assert_on_layout(reset, "Claire")
    assert "http://portal.test/account/confirm/" in parts(confirm)[1]
    assert "works for 48 hours" in parts(confirm)[0]
    assert 'href="http://portal.test/account/login"' in parts(exists)[1]
    assert "http://portal.test/account/reset-password/" in parts(reset)[1]
    assert "It works once, for 60 minutes" in parts(reset)[0]


def test_invitations_render_both_parts_on_the_layout(app, auth, users):
    auth.login("admin@example.com")
    auth.post("/admin/staff/invite", {"name": "Grace Liddell", "email": "grace@example.com", "role": "therapist"})
    auth.post("/admin/clients/new", {"name": "Ann Reid", "phone": "07700 900123", "email": "ann@example.com"})
    with app.app_context():
        staff, client = list(outbox())
    assert_on_layout(staff, "Grace")
    assert_on_layout(client, "Ann")
    for message in (staff, client):
        text, html = parts(message)
        assert "http://portal.test/account/welcome/" in html and "It works once, for 7 days" in text
    assert "as a therapist" in parts(staff)[0] and "before your visit" in parts(client)[0]


def test_appointment_emails_render_both_parts_on_the_layout(app, users):
    salon = make_salon(app, users["therapist"].id)
    appointment_id = make_appointment(app, salon, users["client"].id, STARTS)
    with app.test_request_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert notify.booked(appointment)
        assert notify.rescheduled(appointment, was=STARTS - timedelta(days=1))
        assert notify.cancelled(appointment)
        assert list(outbox()) == []  # queued in the transaction: nothing sent before the commit
        db.session.commit()
        sent = list(outbox())
    assert [m["Subject"] for m in sent] == ["Booked: Monday 15 March 2027 at 10:00",
                                            "Moved to Monday 15 March 2027 at 10:00",
                                            "Cancelled: Monday 15 March 2027 at 10:00"]
    for message in sent:
        assert_on_layout(message, "Claire")
        text, html = parts(message)
        assert "Back, Neck & Shoulder Massage (45 minutes" in text
        assert "Back, Neck &amp; Shoulder Massage (45 minutes" in html  # escaped in HTML
        assert "Amelia Hart" in html and "Newcastle City Centre, Grey Street" in html
    booked, moved, cancelled = (parts(m)[1] for m in sent)
    assert f'href="http://portal.test/appointments/{appointment_id}"' in booked
    assert 'href="tel:01914980123"' in booked
    assert "moved from Sunday 14 March 2027 at 10:00" in moved
    assert 'href="http://portal.test/book"' in cancelled


def test_no_email_body_is_written_in_python():
    """Only portal/mail.py builds messages; everyone else names a template. A call that sends
    mail may pass its body only as a variable rendered from the email templates: the outbox's
    delivery job sends the bodies `queue_email` rendered."""
    senders = {"send_mail"}
    assert "render_email" in (ROOT / "portal/outbox/services.py").read_text()
    for path in (ROOT / "portal").rglob("*.py"):
        if path.name == "mail.py" and path.parent.name == "portal":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in senders:
                    body = node.args[2] if len(node.args) > 2 else None
                    assert isinstance(body, ast.Name), f"{path.relative_to(ROOT)}:{node.lineno} writes a body"
                    assert "render_email" in path.read_text() or path == ROOT / "portal/outbox/tasks.py", path
