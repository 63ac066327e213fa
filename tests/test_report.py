"""Issue 12 item 8: the report to share (page, CSV, PDF), share links (expiry, revocation, every
view logged), and who may see what. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import pathlib
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal import clock
from portal.timezones import to_local
from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.meaning import RULE_IN_WORDS
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.report import links
from portal.report.models import ReportShare
from portal.report.rules import default_period, link_is_open, period_problems, viewer_name
from portal.reminders import services as reminder_services
from portal.reminders.links import ReliefAnswer
from tests.conftest import AuthActions
from tests.factories import make_appointment
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
TODAY = to_local(NOW).date()  # clock.today() at NOW
clock_stopped_at_import = clock_stopped_at(NOW)
NOTE = "Trigger point left rhomboid, SECRET-TREATMENT-NOTE"
OWN_NOTE = "my-own-private-feedback-note"


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def story(app, small_salon, users):
    """The client's goals, a session ten days ago (lower back 7 -> 3, four two days later), one a
    year ago (outside the default six months), a check-in, and a therapist's treatment note."""
    client_id = users["client"].id
    recent = make_appointment(app, small_salon, client_id, NOW - timedelta(days=10))
    old = make_appointment(app, small_salon, client_id, NOW - timedelta(days=365))
    with app.app_context():
        client = _user(client_id)
        profile_services.save_profile(client, ProfileContent(goals=frozenset({"sleep_better", "relax"}),
                                                             goals_own_words="Lift my grandson"),
                                      consent_given=True)
        feedback_services.save_feedback(client, recent, feedback_services.FeedbackInput(
            pain_before={"lower_back": 7, "neck": 5}, pain_after={"lower_back": 3, "neck": 6}, note=OWN_NOTE),
            now=NOW, consent_given=True)
        feedback_services.save_feedback(client, old, feedback_services.FeedbackInput(
            pain_before={"lower_back": 9}, pain_after={"lower_back": 8}), now=NOW, consent_given=True)
        reminder_services.answer_relief(ReliefAnswer(client_id, recent, "lower_back", 4))
        feedback_services.record_checkin(client, {"shoulders": 2}, now=NOW - timedelta(days=3))
        feedback_services.add_treatment_note(_user(users["therapist"].id), recent, NOTE, now=NOW)
        db.session.commit()
    return {"recent": recent, "old": old}


# --- rules ----------------------------------------------------------------------------------


def test_period_rules():
    today = date(2026, 12, 3)
    assert default_period(today) == (date(2026, 6, 4), today)
    assert period_problems(date(2026, 6, 1), today, today) == {}
    assert period_problems(today, today, today) == {}  # one day is a period
    assert set(period_problems(date(2026, 6, 1), today + timedelta(days=1), today)) == {"end"}
    assert set(period_problems(today + timedelta(days=1), today + timedelta(days=2), today)) == {"start", "end"}
    assert period_problems(date(2026, 7, 1), date(2026, 6, 1), today) == {
        "start": "The first day must be before the last day."}
    assert set(period_problems(date(1, 1, 1), today, today)) == {"start"}
    assert set(period_problems(date(2026, 1, 1), date(9999, 12, 31), today)) == {"end"}
    assert set(period_problems(None, None, today)) == {"start", "end"}


def test_a_link_is_closed_at_the_instant_it_expires():
    ends = NOW + timedelta(days=7)
    assert link_is_open(ends, None, ends - timedelta(microseconds=1))
    assert not link_is_open(ends, None, ends)
    assert not link_is_open(ends, NOW, NOW)
    assert viewer_name(date(2026, 12, 3), date(2026, 12, 10)) == "Shared link (made 3 Dec, ends 10 Dec)"


# --- the page, CSV and PDF ------------------------------------------------------------------


def test_the_report_page_shows_labels_relief_sessions_and_goals_never_notes(client, auth, story):
    auth.login()
    response = client.get("/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    start, end = default_period(TODAY)
    assert f'value="{start.isoformat()}"' in html and f'value="{end.isoformat()}"' in html
    assert "Sleep better" in html or "sleep better" in html
    assert "Lift my grandson" in html and "relax" in html
    assert "<caption>Lower back</caption>" in html and "<caption>Neck</caption>" in html
    assert "meaningful drop" in html and "rise" in html  # 7 -> 3 and 5 -> 6
    assert "4: most of the relief lasted" in html
    assert "Lower back: 7 before, 3 after, 4 two days later: most of the relief lasted." in html
    assert RULE_IN_WORDS in html
    assert "Back, Neck &amp; Shoulder Massage" in html and "Amelia Hart" in html
    assert "<caption>Shoulders</caption>" in html  # the check-in
    # The session a year ago is outside the default six months.
    assert "9 before" not in html and ">9<" not in html
    assert "SECRET-TREATMENT-NOTE" not in html and OWN_NOTE not in html
    css = pathlib.Path(client.application.static_folder, "css/site.css").read_text()
    assert "@media print" in css and "size: A4" in css


def test_a_chosen_period_and_bad_dates(client, auth, story):
    auth.login()
    year_ago = (TODAY - timedelta(days=400)).isoformat()
    whole = client.get(f"/report?start={year_ago}&end={TODAY.isoformat()}").get_data(as_text=True)
    assert "Lower back: 9 before, 8 after: small drop." in whole
    cases = {
        "start=0001-01-01&end=2026-01-01": "Please choose a first day from 1900 on.",
        f"start=2026-01-01&end=9999-12-31": "The last day cannot be in the future",
        f"start={(TODAY + timedelta(days=1)).isoformat()}&end={TODAY.isoformat()}": "The first day cannot be in the future.",
        f"start={TODAY.isoformat()}&end={(TODAY - timedelta(days=5)).isoformat()}": "The first day must be before the last day.",
        "start=2026-02-30&end=2026-03-01": "Please enter a date the calendar has",
        "start=&end=": "Please enter the first day",
    }
    for query, message in cases.items():
        response = client.get(f"/report?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, query
        assert message in html, query
        assert 'aria-invalid="true"' in html
        assert "Lower back" not in html
    kept = client.get("/report?start=2026-02-30&end=2026-03-01").get_data(as_text=True)
    assert 'value="2026-03-01"' in kept  # nothing lost
    # The downloads send bad dates back to the page, which says what is wrong.
    for ext in ("csv", "pdf"):
        bad = client.get(f"/report.{ext}?start=0001-01-01&end=9999-12-31")
        assert bad.status_code == 302 and bad.location.startswith("/report?")


def test_the_csv_has_one_row_per_score_and_the_columns(client, auth, story):
    auth.login()
    response = client.get("/report.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == ["date", "kind", "area", "pain_before", "pain_after", "change", "two_days_later",
                             "relief_lasted", "massage", "therapist"]
    session_day = (NOW - timedelta(days=10))
    back = [r for r in rows if r["area"] == "lower back"]
    assert back == [{"date": back[0]["date"], "kind": "session", "area": "lower back", "pain_before": "7",
                     "pain_after": "3", "change": "meaningful drop", "two_days_later": "4",
                     "relief_lasted": "most of the relief lasted", "massage": "Back, Neck & Shoulder Massage",
                     "therapist": "Amelia Hart"},
                    {"date": back[1]["date"], "kind": "check-in", "area": "lower back", "pain_before": "4",
                     "pain_after": "", "change": "", "two_days_later": "", "relief_lasted": "", "massage": "",
                     "therapist": ""}]
    assert abs((date.fromisoformat(back[0]["date"]) - session_day.date()).days) <= 1
    assert [r["change"] for r in rows if r["area"] == "neck"] == ["rise"]
    assert [(r["kind"], r["pain_before"]) for r in rows if r["area"] == "shoulders"] == [("check-in", "2")]
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert "SECRET" not in body and OWN_NOTE not in body


def test_the_pdf_is_a_real_pdf_with_the_report_in_it(client, auth, story):
    auth.login()
    response = client.get("/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    assert "Massage and pain report: Claire Robson" in flat
    assert "meaningful drop" in flat and "most of the relief lasted" in flat
    assert "Lift my grandson" in flat and "Amelia Hart" in flat
    assert "Farrar et al., Pain 2001" in flat
    assert "SECRET" not in flat and OWN_NOTE not in flat


def test_only_the_client_sees_their_report(client, auth, story, make_user):
    for role in ("therapist", "admin"):
        auth.login(f"{role}@example.com")
        for path in ("/report", "/report.csv", "/report.pdf"):
            assert client.get(path).status_code == 403
        auth.logout()
    make_user("other@example.com", "client", "Olive Other")
    auth.login("other@example.com")
    html = client.get("/report").get_data(as_text=True)
    assert "Claire Robson" not in html and "Lower back" not in html


# --- share links -----------------------------------------------------------------------------


def _make_link(auth, client, days="7", start=None, end=None):
    start, end = start or (TODAY - timedelta(days=30)), end or TODAY
    response = auth.post("/report/share", {"start": start.isoformat(), "end": end.isoformat(), "days": days})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(response.location).get_data(as_text=True)
    match = re.search(r'id="new-link" value="http[^"]*/shared/report/([A-Za-z0-9_-]+)"', html)
    assert match, "the new link is shown once"
    assert "/shared/report/" not in client.get("/report").get_data(as_text=True)  # and only once
    return match.group(1)


def test_a_share_link_opens_the_report_logged_out_and_every_view_is_logged(app, client, auth, story, users):
    auth.login()
    token = _make_link(auth, client)
    with app.app_context():
        link = db.session.scalar(select(ReportShare))
        assert link.token_hash != token and token not in link.token_hash  # only a hash is kept
        assert link.expires_at - link.created_at == timedelta(days=7)  # the default
    auth.logout()
    stranger = app.test_client()
    # What a link preview or a mail scanner fetches: a button, nothing of the report, no view.
    first = stranger.get(f"/shared/report/{token}")
    landing = first.get_data(as_text=True)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in first.headers and "noindex" in first.headers["X-Robots-Tag"]
    assert "Open the report" in landing and 'method="post"' in landing
    assert "Claire" not in landing and "Robson" not in landing and "Lower back" not in landing
    with app.app_context():
        assert db.session.scalar(select(ReportShare.views)) == 0
        assert db.session.scalar(select(func.count()).select_from(HealthAccess)) == 0
    for view in (1, 2):
        response = stranger.post(f"/shared/report/{token}")  # no CSRF token: no session to keep one in
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"] and 'name="robots" content="noindex' in html
        assert "meaningful drop" in html and "Lift my grandson" in html and "Amelia Hart" in html
        assert "SECRET" not in html and OWN_NOTE not in html
        assert "<form" not in html.split('<main')[1]  # read-only
    with app.app_context():
        entries = list(db.session.scalars(select(HealthAccess).where(HealthAccess.client_id == users["client"].id,
                                                                     HealthAccess.viewer_role == "shared link")))
        assert len(entries) == 2 and all(e.viewer_id is None for e in entries)
        assert entries[0].viewer_name.startswith("Shared link (made ") and ", ends " in entries[0].viewer_name
        assert entries[0].what.startswith("shared report ")
        assert db.session.scalar(select(ReportShare.views)) == 2
    # The client sees the views on their page and in their access log.
    auth.login()
    page = client.get("/report").get_data(as_text=True)
    assert re.search(r"<td>2</td>\s*<td><form", page)
    assert "Shared link (made " in client.get("/profile/privacy").get_data(as_text=True)
    export = json.loads(client.get("/profile/export").get_data(as_text=True))
    assert [(s["views"], s["revoked_at"]) for s in export["report_share_links"]] == [(2, None)]
    assert token not in str(export)


def test_a_bad_or_missing_token_is_404(app, client, story):
    for token in ("nope", "x" * 43, "x" * 200):
        assert client.get(f"/shared/report/{token}").status_code == 404
        assert client.post(f"/shared/report/{token}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthAccess)) == 0


@pytest.mark.parametrize("days", [1, 7, 30])
def test_a_share_link_works_until_exactly_its_limit(app, client, auth, story, booking_clock, days):
    booking_clock.now = NOW
    auth.login()
    token = _make_link(auth, client, days=str(days))
    auth.logout()
    booking_clock.now = NOW + timedelta(days=days) - timedelta(seconds=1)
    assert client.get(f"/shared/report/{token}").status_code == 200
    assert client.post(f"/shared/report/{token}").status_code == 200
    booking_clock.now = NOW + timedelta(days=days)
    assert client.get(f"/shared/report/{token}").status_code == 404
    assert client.post(f"/shared/report/{token}").status_code == 404
    auth.login()
    assert "None: nothing is shared." in client.get("/report").get_data(as_text=True)


def test_bad_share_requests_make_no_link(app, client, auth, story):
    auth.login()
    today = TODAY.isoformat()
    for data in ({"start": "2026-01-01", "end": today, "days": "3"},
                 {"start": "0001-01-01", "end": today, "days": "7"},
                 {"start": "2026-01-01", "end": "9999-12-31", "days": "7"},
                 {"start": "junk", "end": today, "days": "7"}):
        response = auth.post("/report/share", data)
        assert response.status_code == 302 and response.location.endswith("/report#share")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportShare)) == 0
    no_csrf = client.post("/report/share", data={"start": "2026-01-01", "end": today, "days": "7"})
    assert no_csrf.status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportShare)) == 0


def test_revoking_closes_the_link_and_only_the_owner_can(app, client, auth, story, make_user):
    auth.login()
    token = _make_link(auth, client)
    with app.app_context():
        link_id = db.session.scalar(select(ReportShare.id))
    auth.logout()
    make_user("other@example.com", "client", "Olive Other")
    auth.login("other@example.com")
    assert auth.post(f"/report/share/{link_id}/revoke").status_code == 404
    auth.logout()
    assert client.get(f"/shared/report/{token}").status_code == 200
    auth.login()
    response = auth.post(f"/report/share/{link_id}/revoke")
    assert response.status_code == 302
    page = client.get("/report").get_data(as_text=True)
    assert "revoked" in page and "None: nothing is shared." in page
    auth.logout()
    assert client.get(f"/shared/report/{token}").status_code == 404
    assert client.post(f"/shared/report/{token}").status_code == 404


def test_deleting_the_health_profile_or_the_account_deletes_the_links(app, client, auth, story, users):
    with app.app_context():
        client_user = _user(users["client"].id)
        links.make_link(client_user, TODAY - timedelta(days=9), TODAY, 7)
        db.session.commit()
        profile_services.delete_profile(client_user)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ReportShare)) == 0
        links.make_link(client_user, TODAY - timedelta(days=9), TODAY, 30)
        db.session.commit()
        db.session.delete(_user(users["client"].id))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ReportShare)) == 0


def test_the_shared_report_is_the_period_the_link_was_made_for(app, client, auth, story):
    auth.login()
    old_day = TODAY - timedelta(days=400)
    token = _make_link(auth, client, start=old_day, end=TODAY - timedelta(days=300))
    auth.logout()
    html = client.post(f"/shared/report/{token}").get_data(as_text=True)
    assert "Lower back: 9 before, 8 after: small drop." in html
    assert "meaningful drop" not in html  # the recent session is outside that period
