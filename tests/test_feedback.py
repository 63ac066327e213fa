"""Feedback after a session, check-ins, pain over time, and guidance learning from them."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal import clock, mail
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import AppointmentFeedback, PainCheckIn
from portal.feedback.pain import points_by_area
from portal.profile.models import HealthProfile
from portal.client_guidance import guidance_for_client
from tests.factories import make_appointment
from tests.test_pain_chart import dot_count
from tests.racing import RACERS, logged_in_clients
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
clock_stopped_at_import = clock_stopped_at(NOW)


@pytest.fixture
def past(app, small_salon, users):
    """A session the client had three days ago."""
    return make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=3))


def feedback_form(**fields) -> dict:
    form = {"pressure": "just_right", "note": "", "consent": "y"}
    form.update(fields)
    return form


def stored_feedback(app, appointment_id):
    with app.app_context():
        return db.session.scalar(select(AppointmentFeedback).where(AppointmentFeedback.appointment_id == appointment_id))


def test_dashboard_asks_about_the_latest_session(client, auth, past):
    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert f'action="/appointments/{past}/feedback"' in html
    assert 'hx-target="#feedback-panel"' in html and "Send my feedback" in html


def test_feedback_as_a_plain_form(app, client, auth, past):
    auth.login()
    response = auth.post(f"/appointments/{past}/feedback", feedback_form(
        pressure="a_little_firm", lower_back_before="7", lower_back_after="3", neck_before="4",
        focus_areas=["lower_back", "neck"], note="Loved the heat pack"))
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    saved = stored_feedback(app, past)
    assert saved.pressure == "a_little_firm"
    assert saved.pain("before") == {"lower_back": 7, "neck": 4} and saved.pain("after") == {"lower_back": 3}
    assert saved.focus == ["neck", "lower_back"]
    with app.app_context():
        assert services.open_note(db.session.merge(saved)) == "Loved the heat pack"
        raw = db.session.execute(text("SELECT note_sealed FROM appointment_feedback")).scalar()
    assert b"heat pack" not in bytes(raw)


def test_feedback_in_place_with_htmx(app, client, auth, past):
    auth.login()
    response = client.post(f"/appointments/{past}/feedback", data={
        **feedback_form(lower_back_before="6", lower_back_after="2"), "csrf_token": auth.csrf_token()},
        headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="feedback-panel"')
    assert "Thank you: your therapist will see this" in html
    assert "HX-Request" in response.headers["Vary"]
    assert stored_feedback(app, past).lower_back_after == 2


@pytest.mark.parametrize("fields, message", [
    ({"neck_before": "11"}, "whole number from 0"),
    ({"neck_after": "-1"}, "whole number from 0"),
    ({"upper_back_before": "seven"}, "whole number from 0"),
    ({"pressure": "bone-crushing"}, "Please choose from the options shown."),
    ({"focus_areas": "knees"}, "Please choose from the options shown."),
    ({"note": "x" * 1001}, "under 1,000 characters"),
])
def test_out_of_range_or_tampered_values_are_refused(app, client, auth, past, fields, message):
    auth.login()
    response = auth.post(f"/appointments/{past}/feedback", feedback_form(**fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored_feedback(app, past) is None
    htmx = client.post(f"/appointments/{past}/feedback", data={**feedback_form(**fields),
                                                              "csrf_token": auth.csrf_token()},
                       headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and message in htmx.get_data(as_text=True)
    assert stored_feedback(app, past) is None


def _form_tag(html: str, form_id: str) -> str:
    match = re.search(rf'<form[^>]*id="{form_id}"[^>]*>', html)
    assert match, form_id
    return match.group(0)


def test_a_mistake_swaps_only_the_form_it_was_made_in_and_keeps_what_was_typed(app, client, auth, past):
    auth.login()
    page = client.get("/dashboard").get_data(as_text=True)
    # Both forms carry the ids their mistakes are swapped into; what was saved swaps the panel.
    assert 'hx-target="#feedback-panel"' in _form_tag(page, "feedback-form")
    assert 'hx-target="#feedback-panel"' in _form_tag(page, "checkin-form")
    checkin = client.post("/pain/check-in", data={"checkin-neck": "11", "checkin-stress": "4", "checkin-consent": "y",
                                                  "csrf_token": auth.csrf_token()}, headers={"HX-Request": "true"})
    html = checkin.get_data(as_text=True)
    assert checkin.status_code == 200 and checkin.headers["HX-Retarget"] == "#checkin-form"
    assert checkin.headers["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith("<form") and 'id="checkin-form"' in html and "feedback-form" not in html
    assert "whole number from 0" in html and 'value="11"' in html and 'value="4"' in html
    feedback = client.post(f"/appointments/{past}/feedback", data={
        **feedback_form(neck_before="11", lower_back_before="6"), "csrf_token": auth.csrf_token()},
        headers={"HX-Request": "true"})
    html = feedback.get_data(as_text=True)
    assert feedback.status_code == 200 and feedback.headers["HX-Retarget"] == "#feedback-form"
    assert html.lstrip().startswith("<form") and 'id="feedback-form"' in html and "checkin-form" not in html
    assert "whole number from 0" in html and 'value="6"' in html and "Send my feedback" in html
    assert stored_feedback(app, past) is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == 0


def test_a_checkin_mistake_without_htmx_shows_the_dashboard_again_as_typed(app, client, auth, past):
    auth.login()
    response = auth.post("/pain/check-in", {"checkin-neck": "11", "checkin-lower_back": "5", "checkin-consent": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<h1>Hello," in html
    assert "whole number from 0" in html
    assert re.search(r'<input[^>]*name="checkin-neck"[^>]*value="11"', html)
    assert re.search(r'<input[^>]*name="checkin-lower_back"[^>]*value="5"', html)
    assert f'action="/appointments/{past}/feedback"' in html  # the rest of the dashboard is there too
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == 0


def test_only_your_own_completed_sessions(app, client, auth, small_salon, users, make_user, past):
    someone = make_user("someone@example.com")
    theirs = make_appointment(app, small_salon, someone.id, NOW - timedelta(days=2))
    future = make_appointment(app, small_salon, users["client"].id, NOW + timedelta(days=2))
    cancelled = make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=9), status="cancelled")
    no_show = make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=12), no_show=True)
    auth.login()
    assert auth.post(f"/appointments/{theirs}/feedback", feedback_form()).status_code == 404
    assert client.get(f"/appointments/{theirs}/feedback").status_code == 404
    assert auth.post("/appointments/999999/feedback", feedback_form()).status_code == 404
    for not_yet in (future, cancelled, no_show):
        response = auth.post(f"/appointments/{not_yet}/feedback", feedback_form())
        assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback)) == 0


def test_feedback_is_editable_for_seven_days(app, client, auth, past):
    auth.login()
    auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="5"))
    auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="4"))
    assert stored_feedback(app, past).neck_before == 4
    with app.app_context():
        db.session.execute(text("UPDATE appointment_feedback SET created_at = :t"),
                           {"t": (NOW - timedelta(days=8)).replace(tzinfo=None)})
        db.session.commit()
    response = auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="1"))
    assert response.status_code == 422 and "now closed" in response.get_data(as_text=True)
    assert stored_feedback(app, past).neck_before == 4


def test_checkin_records_todays_pain(app, client, auth, users):
    auth.login()
    response = auth.post("/pain/check-in", {"checkin-lower_back": "5", "checkin-neck": "", "checkin-consent": "y"})
    assert response.status_code == 302
    with app.app_context():
        checkin = db.session.scalar(select(PainCheckIn))
        assert checkin.pain() == {"lower_back": 5} and checkin.client_id == users["client"].id
    htmx = client.post("/pain/check-in", data={"checkin-neck": "2", "csrf_token": auth.csrf_token()},
                       headers={"HX-Request": "true"})
    assert "today's pain is recorded" in htmx.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == 2


@pytest.mark.parametrize("fields, message", [
    ({}, "Please score at least one area"),
    ({"checkin-neck": "12"}, "whole number from 0"),
])
def test_checkin_refuses_empty_or_out_of_range(app, client, auth, users, fields, message):
    auth.login()
    htmx = client.post("/pain/check-in", data={**fields, "csrf_token": auth.csrf_token()},
                       headers={"HX-Request": "true"})
    assert message in htmx.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == 0


def _history(app, small_salon, client_id, scores: list[tuple[int, int]], pressures=None):
    """Sessions two weeks apart (oldest first) with lower-back pain (before, after)."""
    with app.app_context():
        from portal.accounts.models import User
        client = db.session.get(User, client_id)
    ids = []
    for index, (before, after) in enumerate(scores):
        when = NOW - timedelta(days=14 * (len(scores) - index))
        appointment_id = make_appointment(app, small_salon, client_id, when)
        with app.app_context():
            client = db.session.merge(client)
            services.save_feedback(client, appointment_id, services.FeedbackInput(
                pressure=(pressures or [None] * len(scores))[index],
                pain_before={"lower_back": before}, pain_after={"lower_back": after}), now=NOW, consent_given=True)
            db.session.commit()
        ids.append(appointment_id)
    return ids


def test_pain_page_chart_and_table_agree_with_the_stored_scores(app, client, auth, small_salon, users):
    _history(app, small_salon, users["client"].id, [(7, 4), (5, 3), (4, 2)])
    with app.app_context():
        services.record_checkin(db.session.merge(_user(users["client"].id)), {"lower_back": 3}, now=NOW - timedelta(days=2))
        db.session.commit()
    auth.login()
    html = client.get("/pain?range=3m").get_data(as_text=True)
    section = re.search(r'<section class="card pain-area" aria-labelledby="area-lower_back">(.*?)</section>', html, re.S)
    body = section.group(1)
    table = re.findall(r"<tr><td>[^<]+</td><td>(Session|Check-in)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>"
                       r"\s*<td>([^<]+)</td>\s*<td[^>]*>([^<]+)</td></tr>", body)
    assert table == [("Session", "7", "4", "meaningful drop", "–"), ("Session", "5", "3", "meaningful drop", "–"),
                     ("Session", "4", "2", "meaningful drop", "–"), ("Check-in", "3", "–", "–", "–")]
    assert dot_count(body, "dot-before") == 3 and dot_count(body, "dot-after") == 3
    assert dot_count(body, "dot-checkin") == 1
    assert "From 7 to 3 since" in body and "from 4 to 2: meaningful drop" in body
    assert 'id="area-neck"' not in html  # no scores, no chart


def test_pain_range_switch_updates_in_place(app, client, auth, small_salon, users):
    _history(app, small_salon, users["client"].id, [(6, 3)])
    auth.login()
    page = client.get("/pain").get_data(as_text=True)
    assert 'hx-get="/pain?range=1y"' in page and 'hx-target="#pain-trends"' in page
    fragment = client.get("/pain?range=1y", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="pain-trends"')
    assert client.get("/pain?range=forever").status_code == 400


def _user(user_id):
    from portal.accounts.models import User
    return db.session.get(User, user_id)


def test_guidance_learns_from_rising_pain_and_pain_after(app, small_salon, users):
    # Pain before rising session on session, and the last one hurt more afterwards.
    _history(app, small_salon, users["client"].id, [(3, 2), (5, 4), (7, 8)])
    with app.app_context():
        guidance = guidance_for_client(users["client"].id)
    assert guidance.interval_days == 14
    assert "your pain before sessions is rising (lower back: 3, 5, then 7 out of 10)" in guidance.interval_reason
    # 8 after the session: the feedback page sent the client to the GP, and the guidance agrees.
    assert any("Please contact your GP before your next massage" in a.text for a in guidance.advice)
    assert not any("usually settles" in a.text for a in guidance.advice)
    assert ("Pain rose by 2 or more, or to 8 or more, after the last session (lower back 7 before, 8 after): "
            "ask how it settled and work more lightly on that area.") in guidance.therapist_note


def test_guidance_changes_the_pressure_note_after_too_firm_twice(app, small_salon, users):
    _history(app, small_salon, users["client"].id, [(4, 3), (4, 3)], pressures=["too_firm", "too_firm"])
    with app.app_context():
        guidance = guidance_for_client(users["client"].id)
    assert "Use lighter pressure: client said too firm twice in a row." in guidance.therapist_note


def test_completed_sessions_skip_no_shows_and_cancellations(app, small_salon, users):
    from portal.booking.queries import completed_dates
    make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=20))
    make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=10), no_show=True)
    make_appointment(app, small_salon, users["client"].id, NOW - timedelta(days=5), status="cancelled")
    with app.app_context():
        assert len(completed_dates(users["client"].id)) == 1


def test_guidance_reads_the_same_feedback_as_the_stored_rows(app, small_salon, users):
    """history_for_guidance reads only the columns the rules need: what it gives is what the
    whole stored rows give (pressure, each area's pain before and after, the session's day)."""
    _history(app, small_salon, users["client"].id, [(7, 4), (5, 5)], pressures=["just_right", None])
    with app.app_context():
        rows = services.feedback_rows(users["client"].id)
        expected = services.as_session_feedback(rows)
        assert [f.pressure for f in expected] == ["just_right", None]
        assert [f.pain_before for f in expected] == [{"lower_back": 7}, {"lower_back": 5}]
        assert services.history_for_guidance(users["client"].id) == expected


def test_points_by_area_query_count_is_constant(app, small_salon, users, count_queries):
    _history(app, small_salon, users["client"].id, [(5, 3)])
    with app.app_context(), count_queries() as one:
        points_by_area(users["client"].id)
    _history(app, small_salon, users["client"].id, [(5, 3)] * 30)
    with app.app_context(), count_queries() as many:
        assert sum(len(p) for p in points_by_area(users["client"].id).values()) == 31
    assert one.count == many.count == 1  # sessions and check-ins in one UNION ALL


def test_pain_and_notes_are_not_stored_without_consent(app, client, auth, past, users):
    from portal.profile.models import HealthProfile

    auth.login()
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'name="consent"' in html and 'name="checkin-consent"' in html
    response = auth.post(f"/appointments/{past}/feedback", {"pressure": "just_right", "neck_before": "3"})
    assert response.status_code == 422 and "Please tick to agree" in response.get_data(as_text=True)
    htmx = client.post("/pain/check-in", data={"checkin-neck": "3", "csrf_token": auth.csrf_token()},
                       headers={"HX-Request": "true"})
    assert "Please tick to agree" in htmx.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback)) == 0
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == 0
    auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="3"))
    with app.app_context():
        profile = db.session.scalar(select(HealthProfile))
        assert profile.has_consent and profile.client_id == users["client"].id
    # Once agreed, the boxes go.
    assert 'name="consent"' not in client.get("/dashboard").get_data(as_text=True)


def test_withdrawn_consent_stops_guidance_using_feedback(app, small_salon, users):
    from portal.accounts.models import User
    from portal.profile.services import withdraw_consent

    _history(app, small_salon, users["client"].id, [(3, 2), (5, 4), (7, 8)])
    with app.app_context():
        withdraw_consent(db.session.get(User, users["client"].id))
        guidance = guidance_for_client(users["client"].id)
        db.session.commit()
    assert guidance.interval_days == 28 and guidance.therapist_note == []


def test_export_includes_appointments_feedback_and_checkins(app, client, auth, past, users):
    import json

    auth.login()
    auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="4", neck_after="1", note="warm hands"))
    auth.post("/pain/check-in", {"checkin-neck": "2", "checkin-numbness": "yes"})
    document = json.loads(client.get("/profile/export").get_data(as_text=True))
    [appointment] = document["appointments"]
    assert appointment["feedback"]["pain_before"] == {"neck": 4} and appointment["feedback"]["note"] == "warm hands"
    assert [(c["pain"], c["new_numbness"]) for c in document["pain_checkins"]] == [({"neck": 2}, True)]
    assert document["health_profile"]["consent"]["given_at"] is not None


def test_deleting_the_account_removes_everything_about_the_client_only(app, client, auth, past, small_salon, users,
                                                                        make_user):
    from portal.accounts.models import User
    from portal.booking.models import Appointment
    from portal.profile.models import HealthProfile
    from tests.conftest import PASSWORD

    someone = make_user("someone@example.com")
    theirs = make_appointment(app, small_salon, someone.id, NOW - timedelta(days=1))
    auth.login()
    auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="4"))
    auth.post("/pain/check-in", {"checkin-neck": "2"})

    wrong = auth.post("/account/delete", {"password": "not-my-password", "confirm": "y"})
    assert wrong.status_code == 422 and "That is not your password." in wrong.get_data(as_text=True)
    unticked = auth.post("/account/delete", {"password": PASSWORD})
    assert unticked.status_code == 422 and "Please tick to confirm." in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, users["client"].id) is not None

    done = auth.post("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert done.status_code == 302 and client.get("/dashboard").status_code == 302
    with app.app_context():
        assert db.session.get(User, users["client"].id) is None
        for model in (HealthProfile, AppointmentFeedback, PainCheckIn):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
        assert [a.id for a in db.session.scalars(select(Appointment))] == [theirs]
        assert db.session.get(User, someone.id) is not None


def test_deleting_the_health_profile_deletes_pain_feedback_and_focus_areas_too(app, client, auth, small_salon,
                                                                               users, make_user):
    import json

    from portal.accounts.models import User
    from portal.feedback.brief import brief_for
    from portal.feedback.models import TreatmentNote
    from portal.profile.content import ProfileContent
    from portal.profile.services import save_profile

    client_id = users["client"].id
    sessions = _history(app, small_salon, client_id, [(7, 4), (6, 3)], pressures=["too_firm", "too_firm"])
    upcoming = make_appointment(app, small_salon, client_id, NOW + timedelta(hours=2))
    other_id = make_user("other@example.com").id
    theirs = make_appointment(app, small_salon, other_id, NOW - timedelta(days=1))
    with app.app_context():
        services.save_feedback(db.session.get(User, client_id), sessions[-1], services.FeedbackInput(
            pressure="too_firm", pain_before={"neck": 6}, focus_areas=frozenset({"neck"}), note="MARKER-sore neck"),
            now=NOW)
        services.record_checkin(db.session.get(User, client_id), {"neck": 5}, now=NOW, new_numbness=True)
        services.add_treatment_note(db.session.get(User, users["therapist"].id), sessions[-1], "Tight traps", now=NOW)
        services.save_feedback(db.session.get(User, other_id), theirs, services.FeedbackInput(pain_before={"neck": 2}),
                               now=NOW, consent_given=True)
        services.record_checkin(db.session.get(User, other_id), {"neck": 1}, now=NOW)
        assert services.history_for_guidance(client_id) != []
        db.session.commit()

    auth.login()
    page = client.get("/profile/privacy").get_data(as_text=True)
    assert "your pain check-ins between visits" in page
    assert "pain before and after, how the pressure felt, where to focus and your note" in page
    assert "the notes your therapists write after a session" in page
    auth.post("/profile/delete", {"confirm": "yes"})

    export = client.get("/profile/export").get_data(as_text=True)
    document = json.loads(export)
    assert document["health_profile"] is None and document["pain_checkins"] == []
    assert [a["feedback"] for a in document["appointments"]] == [None, None, None]
    assert "MARKER" not in export and "too_firm" not in export
    with app.app_context():
        mine = [AppointmentFeedback.client_id == client_id, PainCheckIn.client_id == client_id]
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback).where(mine[0])) == 0
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn).where(mine[1])) == 0
        # Someone else's answers, and the salon's treatment record, stay.
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback)) == 1
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == 1
        assert [n.text for n in db.session.scalars(select(TreatmentNote))] == ["Tight traps"]

        # Consenting again starts from nothing: guidance and the brief see no history.
        save_profile(db.session.get(User, client_id), ProfileContent(), consent_given=True)
        assert services.history_for_guidance(client_id) == []
        assert guidance_for_client(client_id).therapist_note == []
        brief = brief_for(db.session.get(User, users["therapist"].id), upcoming, now=NOW)
        assert brief.has_consent and brief.last_feedback is None and brief.trend == {}
        assert brief.safety_flag == ""  # the numbness answer went with the check-in
        db.session.commit()


def test_pain_page_labels_each_session_change_with_the_rule_in_words(app, client, auth, small_salon, users):
    # 7->5 is 2 points but 28.6%: small; 10->7 is exactly 30%: meaningful; 3->5 a rise; 4->4 none.
    _history(app, small_salon, users["client"].id, [(7, 5), (10, 7), (3, 5), (4, 4)])
    auth.login()
    html = client.get("/pain?range=3m").get_data(as_text=True)
    body = re.search(r'aria-labelledby="area-lower_back">(.*?)</section>', html, re.S).group(1)
    labels = re.findall(r"<td>Session</td>\s*<td>\d+</td>\s*<td>\d+</td>\s*<td>([^<]+)</td>", body)
    assert labels == ["small drop", "meaningful drop", "rise", "no clear change"]
    # The rule is written once on the page, outside the charts the range switch replaces.
    rules = re.search(r'aria-labelledby="reading-changes">(.*?)</section>', html, re.S).group(1)
    assert "at least 2 points and at least 30% of the score before (Farrar et al., Pain 2001)" in rules
    assert html.count("(Farrar et al., Pain 2001)") == 1
    swap = client.get("/pain?range=3m", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Farrar" not in swap and 'id="pain-trends"' in swap


ADVICE_START = "Please contact your GP"


def test_checkin_asks_about_numbness_and_a_plain_form_without_it_still_works(app, client, auth, users):
    auth.login()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Any new numbness, tingling or weakness?" in page and 'name="checkin-numbness" type="radio" value="yes"' in page
    response = auth.post("/pain/check-in", {"checkin-neck": "3", "checkin-consent": "y"})  # no numbness field
    assert response.status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "today&#39;s pain is recorded" in dashboard and ADVICE_START not in dashboard
    with app.app_context():
        assert db.session.scalar(select(PainCheckIn.new_numbness)) is False


@pytest.mark.parametrize("fields", [
    {"checkin-lower_back": "8"},                            # pain of 8 or more
    {"checkin-neck": "1", "checkin-numbness": "yes"},       # new numbness, tingling or weakness
])
def test_checkin_that_needs_a_clinician_advises_the_client_without_and_with_htmx(app, client, auth, users, fields):
    auth.login()
    response = auth.post("/pain/check-in", {**fields, "checkin-consent": "y"})
    assert response.status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert ADVICE_START in dashboard and "NHS 111 (or 999 in an emergency)" in dashboard
    htmx = client.post("/pain/check-in", data={**fields, "csrf_token": auth.csrf_token()},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in htmx and ADVICE_START in htmx and 'class="flash flash-warning safety-advice"' in htmx
    with app.app_context():
        assert mail.outbox() == []  # never in an email
        if "checkin-numbness" in fields:
            assert list(db.session.scalars(select(PainCheckIn.new_numbness))) == [True, True]


def test_checkin_below_the_thresholds_gives_no_advice(app, client, auth, users):
    auth.login()
    htmx = client.post("/pain/check-in", data={"checkin-neck": "7", "checkin-numbness": "no",
                                               "checkin-consent": "y", "csrf_token": auth.csrf_token()},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "today's pain is recorded" in htmx and ADVICE_START not in htmx


def test_feedback_with_a_rise_of_two_advises_the_client_without_and_with_htmx(app, client, auth, past):
    auth.login()
    auth.post(f"/appointments/{past}/feedback", feedback_form(neck_before="3", neck_after="5"))
    assert ADVICE_START in client.get("/dashboard").get_data(as_text=True)
    htmx = client.post(f"/appointments/{past}/feedback", data={
        **feedback_form(neck_before="3", neck_after="5"), "csrf_token": auth.csrf_token()},
        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Thank you: your therapist will see this" in htmx and ADVICE_START in htmx
    calm = client.post(f"/appointments/{past}/feedback", data={
        **feedback_form(neck_before="3", neck_after="4"), "csrf_token": auth.csrf_token()},
        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Thank you: your therapist will see this" in calm and ADVICE_START not in calm


@pytest.mark.parametrize("kind", ["feedback", "check-in"])
def test_double_submitted_first_answer_with_consent_is_stored_without_a_crash(race_app, past, kind):
    # Every racer is the same client giving consent for the first time: one consent record, one
    # feedback row (the later ones update it), a check-in each; never a unique-key error.
    path, form = ((f"/appointments/{past}/feedback", feedback_form(neck_before="5")) if kind == "feedback"
                  else ("/pain/check-in", {"checkin-neck": "3", "checkin-consent": "y"}))
    clients = logged_in_clients(race_app, ["client@example.com"] * RACERS)
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def attempt(client, token):
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(path, data={**form, "csrf_token": token}).status_code)
        except BaseException as error:  # noqa: BLE001  (reported below, not swallowed)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert statuses == [302] * RACERS
    with race_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthProfile)) == 1
        assert db.session.scalar(select(func.count()).select_from(AppointmentFeedback)) == (kind == "feedback")
        assert db.session.scalar(select(func.count()).select_from(PainCheckIn)) == (RACERS if kind == "check-in" else 0)
