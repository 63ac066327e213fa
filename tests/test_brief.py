"""The therapist's pre-session brief: what it shows, to whom, that every view is logged, and
that its queries do not grow with the client's history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.audit.services import records_within_the_read
from portal.booking.models import Appointment
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.brief import brief_for
from portal.feedback.models import TreatmentNote
from portal.formatting import format_date
from portal.profile import services as profile_services
from portal.profile.content import ConditionEntry, ProfileContent
from portal import clock
from portal.timezones import to_local
from tests.conftest import AuthActions
from tests.booking_support import page_text
from tests.factories import make_appointment
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
clock_stopped_at_import = clock_stopped_at(NOW)


@pytest.fixture
def story(app, small_salon, users):
    """A client with a profile, a visit a fortnight ago with feedback, a change since, and a session today."""
    client_id = users["client"].id
    with app.app_context():
        client = db.session.get(User, client_id)
        profile_services.save_profile(client, ProfileContent(
            conditions={"severe_osteoporosis": ConditionEntry("hips and spine")},
            medical_clearance_on=clock.today() - timedelta(days=30), clearance_source="Dr Patel",
            pressure_preference="light", problem_areas=frozenset({"lower_back"}),
            notes_for_therapist="Cold hands please warm up first"), consent_given=True)
        db.session.execute(text("UPDATE health_profile_revisions SET created_at = :t"),
                           {"t": (NOW - timedelta(days=20)).replace(tzinfo=None)})
        db.session.commit()
    last_visit = make_appointment(app, small_salon, client_id, NOW - timedelta(days=14))
    with app.app_context():
        client = db.session.get(User, client_id)
        feedback_services.save_feedback(client, last_visit, feedback_services.FeedbackInput(
            pressure="too_firm", pain_before={"lower_back": 7}, pain_after={"lower_back": 4},
            focus_areas=frozenset({"lower_back"}), note="Bit sore the next day"), now=NOW)
        profile_services.save_profile(client, ProfileContent(
            conditions={"severe_osteoporosis": ConditionEntry("hips and spine"), "severe_sunburn": ConditionEntry()},
            medical_clearance_on=clock.today() - timedelta(days=30), clearance_source="Dr Patel",
            pressure_preference="light", problem_areas=frozenset({"lower_back"}),
            notes_for_therapist="Cold hands please warm up first"))
        db.session.commit()
    today = make_appointment(app, small_salon, client_id, NOW + timedelta(hours=1))
    return {"today": today, "last_visit": last_visit, "client_id": client_id}


def test_brief_shows_what_the_therapist_needs(client, auth, story):
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    assert "Severe osteoporosis" in html and "Severe sunburn on the back" in html
    assert "Not now" in html and "(cleared)" in html
    assert "Medical clearance recorded for" in html and "Dr Patel" in html
    assert "Changed since the last visit" in html and "sunburn" in html.split("Changed since the last visit")[1][:400].lower()
    # The pressure they like and their problem areas, once each (the guidance's notes carry them).
    notes = html.split("<h3>Notes for you</h3>")[1].split("</ul>")[0]
    assert notes.count("Prefers light pressure.") == 1 and notes.count("Problem areas: lower back.") == 1
    assert "Pressure they usually like" not in html
    assert "pressure too firm" in html and "Bit sore the next day" in html
    assert "Focus next time on lower back" in html
    assert "Cold hands please warm up first" in html
    assert "7→4" in html  # the small pain trend


def test_brief_keeps_light_pressure_for_osteoporosis_when_the_client_says_too_light(
        app, client, auth, small_salon, story):
    """Severe osteoporosis: "risk of fracture from pressure". "Too light" in the last two sessions
    must not put "Use firmer pressure" in the brief beside "Use light pressure (risk of fracture)"."""
    earlier = make_appointment(app, small_salon, story["client_id"], NOW - timedelta(days=28))
    with app.app_context():
        client_user = db.session.get(User, story["client_id"])
        for visit in (earlier, story["last_visit"]):
            feedback_services.save_feedback(client_user, visit, feedback_services.FeedbackInput(
                pressure="too_light", pain_before={"lower_back": 5}, pain_after={"lower_back": 3},
                focus_areas=frozenset(), note=""), now=NOW)
        db.session.commit()
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    assert "Use light pressure (risk of fracture)" in html
    assert "Use firmer pressure" not in html
    assert "Client said too light twice in a row, but keep to light pressure (severe osteoporosis)." in html


def test_brief_labels_the_last_feedback_change_with_the_rule_in_words(client, auth, story):
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    last = html.split("<h3>Last feedback</h3>")[1].split("<h3>")[0]
    row = re.search(r'<th scope="row">Lower back</th><td>(\d+)</td>\s*<td>(\d+)</td><td>([^<]+)</td>', last)
    assert row.groups() == ("7", "4", "meaningful drop")  # 3 points, 43%
    assert "at least 2 points and at least 30% of the score before" in last


def test_the_reading_rules_are_said_once_on_the_day_a_brief_is_swapped_into(client, auth, story):
    """Swapped into the therapist's day, the brief links to the rules the day says once; the
    brief on its own page, and swapped into the admin's day (which does not say them), keeps them."""
    rule = "at least 2 points and at least 30% of the score before"
    relief = "most of the relief lasted when at least half of that drop remains"
    brief = f"/therapist/appointments/{story['today']}/brief"
    auth.login("therapist@example.com")
    day = client.get("/therapist").get_data(as_text=True)
    rules = day.split('id="brief-rules"')[1].split("</section>")[0]
    assert rule in rules and relief in rules and day.count(rule) == 1
    swapped = client.get(brief, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert rule not in swapped and relief not in swapped and 'href="#brief-rules"' in swapped
    page = client.get(brief).get_data(as_text=True)
    assert rule in page and relief in page and "#brief-rules" not in page
    auth.logout()
    auth.login("admin@example.com")
    swapped = client.get(brief, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert rule in swapped and relief in swapped and "#brief-rules" not in swapped

def _resave(app, client_id, *extra, **fields):
    """Another save of the story's profile today, with `extra` conditions."""
    with app.app_context():
        conditions = {"severe_osteoporosis": ConditionEntry("hips and spine"), "severe_sunburn": ConditionEntry(),
                      **{slug: ConditionEntry(detail) for slug, detail in extra}}
        profile_services.save_profile(db.session.get(User, client_id), ProfileContent(
            conditions=conditions, medical_clearance_on=clock.today() - timedelta(days=30),
            clearance_source="Dr Patel", pressure_preference="light", problem_areas=frozenset({"lower_back"}),
            notes_for_therapist="Cold hands please warm up first", **fields))
        db.session.commit()


def test_brief_shows_what_came_and_went_and_each_conditions_details(app, client, auth, story):
    client_id = story["client_id"]
    _resave(app, client_id, ("open_wound", "left shoulder blade"))
    _resave(app, client_id)  # healed before the session: the therapist still hears of it
    _resave(app, client_id, ("acute_back_injury", "slipped lifting boxes"))
    _resave(app, client_id)  # removed again
    _resave(app, client_id, ("pregnancy", "second baby"), due_date=clock.today() + timedelta(weeks=20))
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    changes = html.split("Changed since the last visit")[1].split("</ul>")[0]
    assert "Added: Pregnancy." in changes and "Added: Severe sunburn on the back." in changes
    assert "Added, then marked healed: Open wound on the back." in changes
    assert "Added, then removed: Acute back injury that needs medical attention." in changes
    assert "Pregnancy: details \u201csecond baby\u201d." in changes
    # Details typed on the first save, long before the last visit, beside their precaution.
    precautions = html.split("<h3>Precautions</h3>")[1].split("Changed since")[0]
    osteoporosis = precautions.split("<strong>Severe osteoporosis</strong>")[1].split("</li>")[0]
    assert "Details, in their words:</span> hips and spine" in osteoporosis
    pregnancy = precautions.split("<strong>Pregnancy</strong>")[1].split("</li>")[0]
    assert "second baby" in pregnancy


def test_brief_shows_the_diagnosis_and_what_the_clearance_covers(app, client, auth, story):
    _resave(app, story["client_id"], ("acute_back_injury", ""), ("clotting_disorder", ""),
            acute_injury_diagnosed_on=clock.today() - timedelta(days=1), acute_injury_diagnosed_by="Dr Shah, RVI")
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    day = format_date(clock.today() - timedelta(days=1))
    assert f"Acute back injury diagnosed on {day} by Dr Shah, RVI: work within the diagnosis." in html
    assert f"Diagnosed on {day} by Dr Shah, RVI: work within the diagnosis." in html  # the precaution's note
    assert "It covers: Severe osteoporosis." in html
    assert "Not covered (added after it):</strong> Blood clotting disorder." in html
    assert "Ask your GP first" in html and "Ask your gp first" not in html


def test_every_brief_view_is_logged_and_the_client_can_see_it(app, client, auth, story, users):
    auth.login("therapist@example.com")
    client.get(f"/therapist/appointments/{story['today']}/brief")
    client.get(f"/therapist/appointments/{story['today']}/brief", headers={"HX-Request": "true"})
    with app.app_context():
        entries = list(db.session.scalars(select(HealthAccess).order_by(HealthAccess.id)))
    assert len(entries) == 2
    assert {(e.viewer_id, e.client_id, e.viewer_role) for e in entries} == {
        (users["therapist"].id, story["client_id"], "therapist")}
    assert all(e.what.startswith("pre-session brief for") and e.request_id for e in entries)
    # Never the data itself.
    assert all("osteoporosis" not in e.what.lower() for e in entries)
    auth.logout()
    auth.login()
    privacy = client.get("/profile/privacy").get_data(as_text=True)
    assert "Who has viewed your health record" in privacy and "Amelia Hart (therapist)" in privacy


def test_brief_opens_in_place_with_htmx(client, auth, story):
    auth.login("therapist@example.com")
    # The session's own day (an hour from now: tomorrow when the test runs late in the evening).
    with client.application.app_context():
        on = to_local(db.session.get(Appointment, story["today"]).starts_at).date()
    day = client.get(f"/therapist?day={on.isoformat()}").get_data(as_text=True)
    assert f'hx-get="/therapist/appointments/{story["today"]}/brief"' in day and 'id="brief-panel"' in day
    response = client.get(f"/therapist/appointments/{story['today']}/brief", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith("<article")
    assert '<span class="badge badge-not-now">Not now</span>' in html  # the level badge, in the fragment too
    assert "HX-Request" in response.headers["Vary"]


def test_only_their_own_clients_recent_or_upcoming(app, client, auth, small_salon, story, make_user, users):
    other_therapists_client = make_appointment(app, small_salon, story["client_id"], NOW + timedelta(hours=3),
                                               therapist_id=small_salon.other_therapist_id)
    long_ago = make_appointment(app, small_salon, story["client_id"], NOW - timedelta(days=60))
    far_ahead = make_appointment(app, small_salon, story["client_id"], NOW + timedelta(days=40))
    auth.login("therapist@example.com")
    for appointment_id in (other_therapists_client, long_ago, far_ahead, 999999):
        assert client.get(f"/therapist/appointments/{appointment_id}/brief").status_code == 404
    auth.logout()
    auth.login("admin@example.com")
    assert client.get(f"/therapist/appointments/{other_therapists_client}/brief").status_code == 200
    with app.app_context():
        roles = set(db.session.scalars(select(HealthAccess.viewer_role)))
    assert roles == {"admin"}  # refused views logged nothing, the admin's view was logged
    auth.logout()
    auth.login()
    assert client.get(f"/therapist/appointments/{story['today']}/brief").status_code == 403


def test_a_cancelled_appointment_has_no_brief_for_its_therapist(app, client, auth, small_salon, story, users):
    """Cancelled (here by reception), it is no session to prepare for: its therapist is refused the
    brief, nothing is logged, and their day offers no link to it; an admin, who sees every
    brief, still can."""
    brief = f"/therapist/appointments/{story['today']}/brief"
    auth.login("admin@example.com")
    cancelled = auth.post(f"/admin/clients/{story['client_id']}/appointments/{story['today']}/cancel",
                          {"sequence": "0"})
    assert cancelled.status_code == 302
    with app.app_context():
        appointment = db.session.get(Appointment, story["today"])
        assert appointment.is_cancelled
        on = to_local(appointment.starts_at).date()
    auth.logout()
    auth.login("therapist@example.com")
    assert client.get(brief).status_code == 404
    assert client.get(brief, headers={"HX-Request": "true"}).status_code == 404
    day = client.get(f"/therapist?day={on.isoformat()}").get_data(as_text=True)
    assert brief not in day
    with app.app_context():
        assert list(db.session.scalars(select(HealthAccess.viewer_role))) == []
    # A page opened before the cancellation: attendance and a note are refused, and its
    # therapist is sent to their day with why, not to the brief they may no longer see.
    base = f"/therapist/appointments/{story['today']}"
    for action, form, said in ((f"{base}/attendance", {"attended": "yes"}, "That appointment was cancelled."),
                               (f"{base}/notes", {"note": "Tight QL"}, "there was no session to write a note about")):
        refused = auth.post(action, form)
        assert refused.status_code == 302 and refused.location == "/therapist", action
        assert said in client.get("/therapist").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TreatmentNote)) == 0
        assert db.session.get(Appointment, story["today"]).no_show is not True
    auth.logout()
    auth.login("admin@example.com")
    seen = client.get(brief)
    assert seen.status_code == 200 and "This appointment was cancelled." in seen.get_data(as_text=True)
    today = make_appointment(app, small_salon, story["client_id"], NOW + timedelta(hours=3))
    assert "was cancelled" not in client.get(f"/therapist/appointments/{today}/brief").get_data(as_text=True)


def test_brief_without_consent_says_to_ask(app, client, auth, story, users):
    with app.app_context():
        profile_services.withdraw_consent(db.session.get(User, users["client"].id))
        db.session.commit()
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    assert "has not shared health information" in html and "osteoporosis" not in html.lower()


def test_attendance_and_no_show(app, client, auth, small_salon, story):
    auth.login("therapist@example.com")
    not_started = auth.post(f"/therapist/appointments/{story['today']}/attendance", {"attended": "no"})
    assert not_started.status_code == 302
    with app.app_context():
        assert db.session.get(Appointment, story["today"]).no_show is False
    auth.post(f"/therapist/appointments/{story['last_visit']}/attendance", {"attended": "no"})
    with app.app_context():
        assert db.session.get(Appointment, story["last_visit"]).no_show is True
        from portal.booking.queries import completed_dates
        assert completed_dates(story["client_id"]) == []
    auth.post(f"/therapist/appointments/{story['last_visit']}/attendance", {"attended": "yes"})
    with app.app_context():
        assert db.session.get(Appointment, story["last_visit"]).no_show is False
    assert auth.post(f"/therapist/appointments/{story['last_visit']}/attendance",
                     {"attended": "maybe"}).status_code == 400
    others = make_appointment(app, small_salon, story["client_id"], NOW - timedelta(days=1),
                              therapist_id=small_salon.other_therapist_id)
    assert auth.post(f"/therapist/appointments/{others}/attendance", {"attended": "no"}).status_code == 404


def test_treatment_notes_are_private_and_sealed(app, client, auth, story):
    auth.login("therapist@example.com")
    auth.post(f"/therapist/appointments/{story['last_visit']}/notes", {"note": "Tight QL on the left MARKER-q1"})
    html = client.get(f"/therapist/appointments/{story['today']}/brief").get_data(as_text=True)
    assert "Tight QL on the left MARKER-q1" in html
    with app.app_context():
        raw = db.session.execute(text("SELECT sealed FROM treatment_notes")).scalar()
    assert b"MARKER-q1" not in bytes(raw)
    auth.logout()
    auth.login()
    assert "MARKER-q1" not in client.get("/profile/export").get_data(as_text=True)


def test_a_note_as_long_as_the_box_allows_is_saved_with_its_line_breaks(app, client, auth, story):
    """The box stops at 2,000 characters counting a line break as one, but a browser sends each
    as CR LF: a 2,000-character note of a few lines reached the server longer than 2,000, was
    refused, and what the therapist typed was gone."""
    auth.login("therapist@example.com")
    typed = "\n".join(["Tight QL on the left, eased with slow work MARKER-q2"] * 13)
    typed += "." * (2000 - len(typed))  # all the box takes: 2,000 with its 12 line breaks
    response = auth.post(f"/therapist/appointments/{story['last_visit']}/notes", {"note": typed.replace("\n", "\r\n")})
    page = page_text(client.get(response.location))
    assert "Treatment note saved." in page and "up to 2,000 characters" not in page
    with app.app_context():
        [note] = db.session.scalars(select(TreatmentNote)).all()
        assert note.text == typed


def test_brief_shows_the_three_latest_notes_and_each_visit_once(app, small_salon, story, users):
    """The notes come with the history (a row per note): an appointment with two notes is still
    one visit, and only the three latest notes show, newest first."""
    earlier = make_appointment(app, small_salon, story["client_id"], NOW - timedelta(days=25))
    with app.app_context():
        therapist = db.session.get(User, users["therapist"].id)
        for appointment_id, text_, days_ago in ((earlier, "note-A", 24), (earlier, "note-B", 23),
                                                (story["last_visit"], "note-C", 13), (story["last_visit"], "note-D", 12)):
            feedback_services.add_treatment_note(therapist, appointment_id, text_, now=NOW - timedelta(days=days_ago))
        db.session.commit()
    with app.test_request_context():
        brief = brief_for(db.session.get(User, users["therapist"].id), story["today"], now=NOW)
        assert [n.text for n in brief.staff_notes] == ["note-D", "note-C", "note-B"]
        assert brief.last_visit == to_local(NOW - timedelta(days=14)).date()
        # The last session's feedback trend point appears once, though its appointment has two notes.
        sessions = [p for points in brief.trend.values() for p in points if p.kind == "session"]
        assert len(sessions) == len({(p.on, p.before, p.after) for p in sessions}) == 1

def _sessions(app, small_salon, client_id, count):
    for index in range(count):
        appointment_id = make_appointment(app, small_salon, client_id, NOW - timedelta(days=29, minutes=-60 * index))
        with app.app_context():
            feedback_services.save_feedback(db.session.get(User, client_id), appointment_id,
                                            feedback_services.FeedbackInput(pressure="just_right",
                                                                            pain_before={"neck": 5},
                                                                            pain_after={"neck": 3}), now=NOW)
            db.session.commit()
        with app.app_context():
            feedback_services.record_checkin(db.session.get(User, client_id), {"neck": 4},
                                             now=NOW - timedelta(days=20))
            db.session.commit()


def test_brief_and_pain_page_queries_do_not_grow_with_history(app, small_salon, story, users, count_queries):
    def measure():
        with app.test_request_context():
            therapist = db.session.get(User, users["therapist"].id)
            with count_queries() as counted:
                brief_for(therapist, story["today"])
            return counted.count

    def measure_pain_page():
        client = app.test_client()
        AuthActions(client).login()
        with app.app_context(), count_queries() as counted:
            assert client.get("/pain?range=all").status_code == 200
        return counted.count

    _sessions(app, small_salon, story["client_id"], 1)
    with_one_brief, with_one_page = measure(), measure_pain_page()
    # The counter really counts: the brief reads the appointment with the client's history (with
    # the treatment notes), the profile recording the view (on SQLite the access record is a
    # statement of its own before it) and the check-ins; the pain page: user, scores, goals.
    with app.app_context():
        recorded_apart = not records_within_the_read()
    assert with_one_brief == 3 + recorded_apart and with_one_page >= 3
    _sessions(app, small_salon, story["client_id"], 99)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appointment)) >= 100
    assert measure() == with_one_brief
    assert measure_pain_page() == with_one_page


def test_brief_flags_what_calls_for_asking_first(app, client, auth, story):
    auth.login("therapist@example.com")
    url = f"/therapist/appointments/{story['today']}/brief"
    assert "safety-flag" not in client.get(url).get_data(as_text=True)  # 7->4 and no check-ins: nothing to flag
    with app.app_context():
        client_user = db.session.get(User, story["client_id"])
        # Before the last visit: not "since the last session", so not flagged.
        feedback_services.record_checkin(client_user, {"neck": 9}, now=NOW - timedelta(days=20))
        feedback_services.record_checkin(client_user, {"lower_back": 8}, now=NOW - timedelta(days=3),
                                         new_numbness=True)
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    flag = re.search(r'<p class="flash flash-warning safety-flag"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert flag == ("<strong>Check first.</strong> Client reported pain of 8+ (lower back) / new numbness, "
                    "tingling or weakness: ask before starting, and do not massage the area if unsure.")


def test_brief_flags_a_rise_of_two_after_the_last_session(app, client, auth, small_salon, users):
    client_id = users["client"].id
    last_visit = make_appointment(app, small_salon, client_id, NOW - timedelta(days=7))
    with app.app_context():
        feedback_services.save_feedback(db.session.get(User, client_id), last_visit, feedback_services.FeedbackInput(
            pain_before={"shoulders": 3}, pain_after={"shoulders": 5}), now=NOW, consent_given=True)
        db.session.commit()
    today = make_appointment(app, small_salon, client_id, NOW + timedelta(hours=1))
    auth.login("therapist@example.com")
    html = client.get(f"/therapist/appointments/{today}/brief").get_data(as_text=True)
    assert "a rise of 2+ after the last session (shoulders): ask before starting" in html
    assert "Client reported a rise of 2+" in html
