"""Issue 12 items 2, 3, 4, 6 and 7: lasting relief (dashboard question, pain page, brief), the
dashboard's pain at a glance, the summary after a rise, goals in the profile, and optional
stress and sleep quality in feedback and check-ins. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.accounts.models import User
from portal.audit.models import HealthAccess
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import AppointmentFeedback, PainCheckIn
from portal.profile import services as profile_services
from portal.profile.content import ProfileContent
from portal.reminders import services as reminder_services
from portal.reminders.links import ReliefAnswer
from portal.timezones import SALON_TZ
from tests.conftest import AuthActions
from tests.factories import make_appointment
from tests.test_pain_chart import dot_count
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
clock_stopped_at_import = clock_stopped_at(NOW)


def _client(user_id: int) -> User:
    return db.session.get(User, user_id)


def _session(app, salon, client_id, starts_at, before=None, after=None, **extra):
    """A completed session with feedback (given under consent); its id."""
    appointment_id = make_appointment(app, salon, client_id, starts_at)
    with app.app_context():
        feedback_services.save_feedback(_client(client_id), appointment_id, feedback_services.FeedbackInput(
            pain_before=before or {}, pain_after=after or {}, **extra), now=NOW, consent_given=True)
        db.session.commit()
    return appointment_id


def _checkins_for(app, appointment_id):
    with app.app_context():
        return [c.pain() for c in db.session.scalars(select(PainCheckIn).where(PainCheckIn.appointment_id == appointment_id))]


# --- 2. lasting relief ------------------------------------------------------------------------


@pytest.fixture
def two_days_ago(app, small_salon, users):
    """A session that ended about 48 hours ago: lower back 7 -> 3, neck 5 -> 4."""
    return _session(app, small_salon, users["client"].id, NOW - timedelta(hours=49),
                    before={"lower_back": 7, "neck": 5}, after={"lower_back": 3, "neck": 4})


def test_dashboard_asks_two_days_on_for_each_scored_area(app, client, auth, users, two_days_ago):
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Two days on: how are you now?" in html
    for area in ("lower_back", "neck"):
        assert f'action="/relief/sessions/{two_days_ago}/{area}"' in html
    assert f'id="relief-{two_days_ago}-lower_back-score"' in html and 'name="csrf_token"' in html

    response = auth.post(f"/relief/sessions/{two_days_ago}/lower_back", {f"relief-{two_days_ago}-lower_back-score": "4"})
    assert response.status_code == 302 and response.location.endswith("/dashboard#relief-panel")
    assert _checkins_for(app, two_days_ago) == [{"lower_back": 4}]
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Lower back: 7 before, 3 after, 4 two days later: most of the relief lasted." in html
    assert f'action="/relief/sessions/{two_days_ago}/lower_back"' not in html  # answered
    assert f'action="/relief/sessions/{two_days_ago}/neck"' in html  # still asked

    # A second answer (another tab, or the email's link) stores nothing more.
    again = auth.post(f"/relief/sessions/{two_days_ago}/lower_back", {f"relief-{two_days_ago}-lower_back-score": "9"})
    assert again.status_code == 302
    assert "already answered" in client.get("/dashboard").get_data(as_text=True)
    with app.app_context(), pytest.raises(reminder_services.AlreadyAnswered):
        reminder_services.answer_relief(ReliefAnswer(users["client"].id, two_days_ago, "lower_back", 2))
    assert _checkins_for(app, two_days_ago) == [{"lower_back": 4}]


def test_the_email_link_answer_closes_the_dashboard_question(app, client, auth, users, two_days_ago):
    with app.app_context():  # the email's link: the same service
        reminder_services.answer_relief(ReliefAnswer(users["client"].id, two_days_ago, "neck", 4))
        db.session.commit()
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert f'action="/relief/sessions/{two_days_ago}/neck"' not in html
    assert f'action="/relief/sessions/{two_days_ago}/lower_back"' in html


def test_dashboard_relief_answer_with_htmx_and_bad_input(app, client, auth, two_days_ago):
    auth.login()
    field = f"relief-{two_days_ago}-lower_back-score"
    bad = auth.post(f"/relief/sessions/{two_days_ago}/lower_back", {field: "11"}, headers={"HX-Request": "true"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "<html" not in body and 'id="relief-panel"' in body
    assert "whole number from 0" in body and 'value="11"' in body  # kept as typed, with the reason
    empty = auth.post(f"/relief/sessions/{two_days_ago}/lower_back", {field: ""}, headers={"HX-Request": "true"})
    assert "Please give a score from 0 to 10" in empty.get_data(as_text=True)
    assert _checkins_for(app, two_days_ago) == []
    good = auth.post(f"/relief/sessions/{two_days_ago}/lower_back", {field: "7"}, headers={"HX-Request": "true"})
    assert "7 two days later: none of the relief lasted" in good.get_data(as_text=True)
    assert _checkins_for(app, two_days_ago) == [{"lower_back": 7}]


def test_dashboard_asks_only_between_36_and_96_hours(app, client, auth, small_salon, users):
    client_id = users["client"].id
    too_soon = _session(app, small_salon, client_id, NOW - timedelta(hours=30), before={"neck": 6}, after={"neck": 2})
    too_late = _session(app, small_salon, client_id, NOW - timedelta(hours=110), before={"neck": 6}, after={"neck": 2})
    unscored = _session(app, small_salon, client_id, NOW - timedelta(hours=60))
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Two days on" not in html
    for appointment_id, why in ((too_soon, "That question has closed"), (too_late, "That question has closed"),
                                (unscored, "You did not score that area")):
        response = auth.post(f"/relief/sessions/{appointment_id}/neck", {f"relief-{appointment_id}-neck-score": "3"},
                             headers={"HX-Request": "true"})
        assert why in response.get_data(as_text=True)
        assert _checkins_for(app, appointment_id) == []


def test_someone_elses_session_is_not_answerable(app, client, auth, small_salon, make_user, two_days_ago):
    make_user("other@example.com", "client", "Other Client")
    auth.login("other@example.com")
    auth.post(f"/relief/sessions/{two_days_ago}/lower_back", {f"relief-{two_days_ago}-lower_back-score": "1"})
    assert _checkins_for(app, two_days_ago) == []
    assert auth.post(f"/relief/sessions/{two_days_ago}/elbow", {}).status_code == 404


def test_lasting_relief_on_the_pain_page_and_in_the_brief(app, client, auth, small_salon, users, two_days_ago):
    with app.app_context():
        reminder_services.answer_relief(ReliefAnswer(users["client"].id, two_days_ago, "lower_back", 5))
        db.session.commit()
    upcoming = make_appointment(app, small_salon, users["client"].id, NOW + timedelta(hours=2))
    auth.login()
    page = client.get("/pain").get_data(as_text=True)
    section = re.search(r'aria-labelledby="area-lower_back">(.*?)</section>', page, re.S).group(1)
    assert '<td class="relief-cell">5: most of the relief lasted</td>' in section  # 2 of 4 points remain
    rules = re.search(r'aria-labelledby="reading-changes">(.*?)</section>', page, re.S).group(1)
    assert "at least half of that drop remains" in rules  # the rule, in words, once on the page
    assert "Two days later 5: most of the relief lasted." in section
    staff = app.test_client()
    AuthActions(staff).login("therapist@example.com")
    brief = staff.get(f"/therapist/appointments/{upcoming}/brief").get_data(as_text=True)
    assert '<td class="relief-cell">5: most of the relief lasted</td>' in brief
    assert "session 7→3 (meaningful drop), 5 two days later (most of the relief lasted)" in brief
    assert "at least half of that drop remains" in brief


# --- 3. at a glance, and the summary after a rise -----------------------------------------------


def test_glance_and_summary_notice_the_latest_rise(app, client, auth, small_salon, users):
    client_id = users["client"].id
    _session(app, small_salon, client_id, NOW - timedelta(days=30), before={"lower_back": 7}, after={"lower_back": 3})
    _session(app, small_salon, client_id, NOW - timedelta(days=1), before={"lower_back": 3}, after={"lower_back": 6})
    auth.login()
    dashboard = client.get("/dashboard").get_data(as_text=True)
    glance = re.search(r'<section class="card glance".*?</section>', dashboard, re.S).group(0)
    assert 'id="glance-lower_back"' in glance and '<svg' in glance and 'class="pain-chart pain-chart-small"' in glance
    assert "<strong>Rise</strong> at your last session" in glance and "3 before, 6 after" in glance
    assert 'id="glance-neck"' not in glance  # never scored
    pain = client.get("/pain").get_data(as_text=True)
    assert "from 3 to 6: rise." in pain and "From 7 to 6 since" in pain
    assert "from 7 to 3 since" not in pain.lower()


def test_giving_feedback_with_htmx_updates_the_glance_out_of_band(app, client, auth, small_salon, users):
    appointment_id = make_appointment(app, small_salon, users["client"].id, NOW - timedelta(hours=5))
    auth.login()
    response = auth.post(f"/appointments/{appointment_id}/feedback",
                         {"pressure": "just_right", "note": "", "consent": "y",
                          "lower_back_before": "8", "lower_back_after": "3"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="feedback-panel"' in body
    glance = re.search(r'<section class="card glance" id="glance-panel"[^>]*hx-swap-oob="true".*?</section>', body, re.S)
    assert glance and "<strong>Meaningful drop</strong> at your last session" in glance.group(0)


def test_pain_tables_are_in_date_order(app, client, auth, small_salon, users):
    client_id = users["client"].id
    _session(app, small_salon, client_id, NOW - timedelta(days=20), before={"neck": 6}, after={"neck": 4})
    with app.app_context():
        feedback_services.record_checkin(_client(client_id), {"neck": 5}, now=NOW - timedelta(days=30))
        feedback_services.record_checkin(_client(client_id), {"neck": 3}, now=NOW - timedelta(days=2))
        db.session.commit()
    auth.login()
    page = client.get("/pain").get_data(as_text=True)
    section = re.search(r'aria-labelledby="area-neck">(.*?)</section>', page, re.S).group(1)
    kinds = re.findall(r"<td>(Session|Check-in)</td>", section)
    assert kinds == ["Check-in", "Session", "Check-in"]
    assert re.findall(r'class="axis-label date-label"', section) and "font-size" not in section


def test_dashboard_queries_do_not_grow_with_history(app, small_salon, users, count_queries):
    client_id = users["client"].id

    def measure():
        browser = app.test_client()
        AuthActions(browser).login()
        with app.app_context(), count_queries() as counted:
            html = browser.get("/dashboard").get_data(as_text=True)
        assert 'id="glance-lower_back"' in html
        return counted.count

    _session(app, small_salon, client_id, NOW - timedelta(days=90), before={"lower_back": 6}, after={"lower_back": 3})
    with app.app_context():
        feedback_services.record_checkin(_client(client_id), {"lower_back": 4}, now=NOW - timedelta(days=3))
        db.session.commit()
    measure()  # the first request of the process loads the catalogue into its cache
    with_one = measure()
    assert with_one > 1  # the counter counts (more than the login's one statement)
    for day in range(1, 20):
        when = NOW - timedelta(days=90 - 4 * day)
        appointment_id = _session(app, small_salon, client_id, when, before={"lower_back": 6, "neck": 4},
                                  after={"lower_back": 3, "neck": 2}, stress=5, sleep_quality=6)
        with app.app_context():
            reminder_services.answer_relief(ReliefAnswer(client_id, appointment_id, "lower_back", 4),
                                            now=when + timedelta(hours=49))
            db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback)) == 20
    assert measure() == with_one


# --- 4. the brief on a phone ------------------------------------------------------------------


def test_brief_opens_where_the_therapist_looks(app, client, auth, small_salon, users):
    starts_at = NOW + timedelta(hours=1)
    appointment_id = make_appointment(app, small_salon, users["client"].id, starts_at)
    auth.login("therapist@example.com")
    # The appointment's own day on the salon's clock: an hour from now is tomorrow after 23:00.
    day = client.get(f"/therapist?day={starts_at.astimezone(SALON_TZ).date().isoformat()}").get_data(as_text=True)
    assert f'href="/therapist/appointments/{appointment_id}/brief#brief-{appointment_id}"' in day
    assert 'hx-swap="innerHTML show:#brief-panel:top"' in day


# --- 6. goals -----------------------------------------------------------------------------------


def test_goals_are_saved_sealed_shown_in_the_brief_and_echoed_back(app, client, auth, small_salon, users):
    auth.login()
    form = {"pressure_preference": "", "notes_for_therapist": "", "consent": "y",
            "goals": ["sleep_better", "less_pain_at_work"], "goals_own_words": "Carry my toddler again"}
    tampered = auth.post("/profile", {**form, "goals": ["sleep_better", "world_peace"]})
    assert tampered.status_code == 422 and "not a valid choice" in tampered.get_data(as_text=True)
    response = auth.post("/profile", form)
    assert response.status_code == 302
    with app.app_context():
        content = profile_services.latest_content(profile_services.profile_of(users["client"].id))
        assert content.goals == {"sleep_better", "less_pain_at_work"}
        assert content.goal_list() == ["less pain at work", "sleep better", "Carry my toddler again"]
        raw = db.session.execute(text("SELECT sealed FROM health_profile_revisions")).scalars().all()
        assert raw and all(b"toddler" not in bytes(blob) and b"sleep_better" not in bytes(blob) for blob in raw)
    edit = client.get("/profile").get_data(as_text=True)
    assert re.search(r'<input[^>]*value="sleep_better"[^>]*checked', edit) and 'value="Carry my toddler again"' in edit
    for page in ("/pain", "/dashboard"):
        assert "less pain at work; sleep better; Carry my toddler again" in client.get(page).get_data(as_text=True)

    appointment_id = make_appointment(app, small_salon, users["client"].id, NOW + timedelta(hours=1))
    staff = app.test_client()
    AuthActions(staff).login("therapist@example.com")
    with app.app_context():
        logged_before = db.session.scalar(select(func.count()).select_from(HealthAccess))
    brief = staff.get(f"/therapist/appointments/{appointment_id}/brief").get_data(as_text=True)
    goals = re.search(r'<ul class="goals">(.*?)</ul>', brief, re.S).group(1)
    assert re.findall(r"<li>([^<]+)</li>", goals) == ["Less pain at work", "Sleep better", "Carry my toddler again"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthAccess)) == logged_before + 1


def test_goals_too_long_are_refused_and_kept_as_typed(app, client, auth, users):
    auth.login()
    long_words = "x" * 301
    response = auth.post("/profile", {"pressure_preference": "", "notes_for_therapist": "", "consent": "y",
                                      "goals": ["relax"], "goals_own_words": long_words})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert long_words in html and re.search(r'<input[^>]*value="relax"[^>]*checked', html)


def test_goals_change_shows_in_what_changed():
    from portal.profile.content import changes_between
    old = ProfileContent(goals=frozenset({"relax"}))
    new = ProfileContent(goals=frozenset({"relax", "recover_from_sport"}), goals_own_words="Run a marathon")
    assert "Goals: recover from sport; relax; Run a marathon." in changes_between(old, new) or \
        "Goals: relax; recover from sport; Run a marathon." in changes_between(old, new)


# --- 7. stress and sleep quality -----------------------------------------------------------------


def test_stress_and_sleep_are_validated_0_to_10_and_nothing_is_lost(app, client, auth, small_salon, users):
    appointment_id = make_appointment(app, small_salon, users["client"].id, NOW - timedelta(hours=5))
    auth.login()
    bad = auth.post(f"/appointments/{appointment_id}/feedback", {
        "pressure": "just_right", "note": "kept", "consent": "y", "lower_back_before": "6",
        "stress": "11", "sleep_quality": "lots"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Stress is a whole number from 0 (none) to 10" in html
    assert "Sleep quality is a whole number from 0 (very poor) to 10" in html
    assert 'value="11"' in html and "kept</textarea>" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback)) == 0
    good = auth.post(f"/appointments/{appointment_id}/feedback", {
        "pressure": "just_right", "note": "", "consent": "y", "lower_back_before": "6", "stress": "7",
        "sleep_quality": "0"})
    assert good.status_code == 302
    with app.app_context():
        saved = db.session.scalar(select(AppointmentFeedback))
        assert (saved.stress, saved.sleep_quality) == (7, 0)

    # A check-in may hold only stress or sleep; out of range is refused.
    assert auth.post("/pain/check-in", {"checkin-stress": "4"}).status_code == 302
    auth.post("/pain/check-in", {"checkin-sleep_quality": "-1"})
    with app.app_context():
        checkins = list(db.session.scalars(select(PainCheckIn)))
        assert [(c.pain(), c.stress, c.sleep_quality) for c in checkins] == [({}, 4, None)]
    empty = auth.post("/pain/check-in", {}, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "or your stress or sleep" in empty


def test_the_database_refuses_stress_and_sleep_out_of_range(app, users):
    with app.app_context():
        db.session.add(PainCheckIn(client_id=users["client"].id, stress=11))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(PainCheckIn(client_id=users["client"].id, sleep_quality=-1))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_stress_and_sleep_are_charted_beside_pain_and_exported(app, client, auth, small_salon, users):
    client_id = users["client"].id
    _session(app, small_salon, client_id, NOW - timedelta(days=10), before={"neck": 5}, after={"neck": 2},
             stress=8, sleep_quality=3)
    with app.app_context():
        feedback_services.record_checkin(_client(client_id), {"neck": 3}, now=NOW - timedelta(days=3),
                                         wellbeing={"stress": 5, "sleep_quality": 6})
        db.session.commit()
    auth.login()
    page = client.get("/pain").get_data(as_text=True)
    for key, values in (("stress", ["8", "5"]), ("sleep_quality", ["3", "6"])):
        section = re.search(rf'id="wellbeing-{key}">(.*?)</section>', page, re.S).group(1)
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in section
        assert dot_count(section, "dot-before") == 1 and dot_count(section, "dot-checkin") == 1
        assert re.findall(r"<td>(?:Session|Check-in)</td><td>(\d+)</td>", section) == values
    document = client.get("/profile/export").get_json()
    feedback = [a["feedback"] for a in document["appointments"] if a["feedback"]][0]
    assert (feedback["stress"], feedback["sleep_quality"]) == (8, 3)
    assert [(c["stress"], c["sleep_quality"]) for c in document["pain_checkins"]] == [(5, 6)]


def test_session_history_shows_each_sessions_change_and_lasting_relief(app, client, auth, small_salon, users,
                                                                       two_days_ago):
    older = _session(app, small_salon, users["client"].id, NOW - timedelta(days=20), before={"neck": 6},
                     after={"neck": 6})
    with app.app_context():
        reminder_services.answer_relief(ReliefAnswer(users["client"].id, two_days_ago, "lower_back", 6))
        db.session.commit()
    auth.login()
    html = client.get("/appointments").get_data(as_text=True)
    lines = re.findall(r'<ul class="session-outcome">(.*?)</ul>', html, re.S)
    assert [re.findall(r"<li>([^<]+)</li>", block) for block in lines] == [
        ["Neck: 5 before, 4 after: small drop.",
         "Lower back: 7 before, 3 after, 6 two days later: some of the relief lasted."],
        ["Neck: 6 before, 6 after: no clear change."],
    ]
    assert "at least half of that drop remains" in html and "Farrar" in html
    assert older  # listed second: the history is newest first
    # Consent withdrawn: the page reads the profile with the calendar feed and shows no outcome.
    with app.app_context():
        profile_services.withdraw_consent(_client(users["client"].id))
        db.session.commit()
    html = client.get("/appointments").get_data(as_text=True)
    assert 'class="session-outcome"' not in html and "at least half of that drop remains" not in html
