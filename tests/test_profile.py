"""Health profile: consent, revisions, encryption at rest, bad input, live preview, healing,
withdrawal, export and deletion."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import User
from portal.extensions import db
from portal.profile import services
from portal.profile.content import ConditionEntry, ProfileContent
from portal.profile.models import HealthProfile, ProfileRevision
from portal import clock, events
from portal.timezones import to_local
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
TODAY = to_local(NOW).date()  # clock.today() at NOW
clock_stopped_at_import = clock_stopped_at(NOW)
DUE = (TODAY + timedelta(weeks=20)).isoformat()
OUT_OF_RANGE = "Please choose a day between 1900 and 2999."


def profile_form(**fields) -> dict:
    """A filled-in profile form as a browser posts it (lists become repeated keys)."""
    form = {"pressure_preference": "", "notes_for_therapist": ""}
    form.update(fields)
    return form


def revision_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProfileRevision))


def stored(app, email="client@example.com") -> ProfileContent | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return services.latest_content(services.profile_of(user.id))


@pytest.fixture
def client_in(auth, users):
    auth.login()
    return auth


def test_consent_box_starts_unticked_and_names_what_is_kept(client, client_in):
    html = client.get("/profile").get_data(as_text=True)
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent
    assert services.CONSENT_STATEMENT in html


def test_nothing_is_stored_without_consent(app, client_in):
    response = client_in.post("/profile", profile_form(conditions="pregnancy", due_date=DUE))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please tick to agree" in html and "Nothing has been saved yet" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthProfile)) == 0


def test_save_with_consent_records_version_time_and_a_revision(app, client_in):
    response = client_in.post("/profile", profile_form(
        conditions=["pregnancy", "severe_sunburn"], due_date=DUE, detail_severe_sunburn="across the shoulders",
        lifestyle="desk_worker", problem_areas=["neck", "lower_back"], pressure_preference="medium",
        notes_for_therapist="Please avoid my left shoulder.", consent="y"))
    assert response.status_code == 302 and response.location.endswith("/guidance")
    with app.app_context():
        profile = db.session.scalar(select(HealthProfile))
        assert profile.consent_version == services.CONSENT_VERSION
        assert profile.consent_given_at is not None and profile.has_consent
    content = stored(app)
    assert set(content.conditions) == {"pregnancy", "severe_sunburn"}
    assert content.conditions["severe_sunburn"].detail == "across the shoulders"
    assert content.conditions["pregnancy"].recorded_on == TODAY
    assert content.due_date == date.fromisoformat(DUE)
    assert content.lifestyle == {"desk_worker"} and content.problem_areas == {"neck", "lower_back"}
    assert content.notes_for_therapist == "Please avoid my left shoulder."
    assert revision_count(app) == 1


def test_guidance_page_reflects_the_saved_profile(client, client_in):
    client_in.post("/profile", profile_form(conditions=["severe_sunburn"], lifestyle="chronic_back_pain", consent="y"))
    html = client.get("/guidance").get_data(as_text=True)
    assert "Every 2 weeks" in html and "chronic back pain" in html
    assert 'id="precaution-severe-sunburn"' in html and "Not now" in html
    assert "not medical advice" in html


def test_every_save_is_a_revision_and_history_says_what_changed(app, client, client_in):
    client_in.post("/profile", profile_form(lifestyle="desk_worker", consent="y"))
    client_in.post("/profile", profile_form(lifestyle="desk_worker", conditions="severe_osteoporosis",
                                            notes_for_therapist="Gentle please"))
    assert revision_count(app) == 2
    html = client.get("/profile/history").get_data(as_text=True)
    assert html.count('<li class="card">') == 2  # one entry per save
    assert "osteoporosis" in html.lower()
    assert "Notes for the therapist changed." in html


def test_saving_the_profile_unchanged_stores_no_revision(app, client, client_in):
    answers = profile_form(lifestyle="desk_worker", conditions="severe_osteoporosis",
                           medical_clearance_on=TODAY.isoformat(), clearance_source="Dr Patel",
                           notes_for_therapist="Gentle please")
    client_in.post("/profile", {**answers, "consent": "y"})
    client.get("/guidance")  # the first save's message shown
    again = client_in.post("/profile", {**answers, "consent": "y"})  # the box ticked again changes nothing
    assert again.status_code == 302 and again.location.endswith("/guidance")
    assert "You didn&#39;t change anything" in client.get("/guidance").get_data(as_text=True)
    assert revision_count(app) == 1
    assert client.get("/profile/history").get_data(as_text=True).count('<li class="card">') == 1
    # Consent given again after withdrawing it is a change, even with the same answers.
    client_in.post("/profile/consent/withdraw")
    client_in.post("/profile", {**answers, "consent": "y"})
    assert revision_count(app) == 2


def test_an_unchanged_save_days_later_is_no_news_for_anyone(app, users):
    with app.app_context():
        client = db.session.get(User, users["client"].id)
        content = ProfileContent(conditions=_conditions("severe_osteoporosis"), medical_clearance_on=TODAY,
                                 clearance_source="Dr Patel", lifestyle=frozenset({"desk_worker"}))
        assert services.save_profile(client, content, consent_given=True)
        db.session.commit()
        saved_at = services.profile_of(client.id).updated_at
        # The form's answers carry no dates: the ones first recorded are kept, so nothing changed.
        clock.set_now(NOW + timedelta(days=3))
        assert not services.save_profile(client, content, today=TODAY + timedelta(days=3))
        assert events.pending() == []  # no health_profile_changed: no re-check of bookings
        db.session.commit()
        assert services.profile_of(client.id).updated_at == saved_at
    assert revision_count(app) == 1


def test_a_later_save_keeps_the_date_a_condition_was_first_recorded(app, users):
    with app.app_context():
        client = db.session.get(User, users["client"].id)
        first_day = TODAY - timedelta(days=30)
        services.save_profile(client, ProfileContent(conditions=_conditions("severe_osteoporosis")),
                              consent_given=True, today=first_day)
        services.save_profile(client, ProfileContent(conditions=_conditions("severe_osteoporosis", "pregnancy"),
                                                     due_date=TODAY + timedelta(weeks=10)))
        content = services.latest_content(services.profile_of(client.id))
        db.session.commit()
    assert content.conditions["severe_osteoporosis"].recorded_on == first_day
    assert content.conditions["pregnancy"].recorded_on == TODAY


def _conditions(*slugs):
    return {slug: ConditionEntry() for slug in slugs}


def test_health_data_is_encrypted_at_rest(app, client_in, database_url):
    marker = "MARKER-7f3a9c-left-scapula"
    client_in.post("/profile", profile_form(conditions="open_wound", detail_open_wound=marker,
                                            notes_for_therapist=marker + " notes", consent="y"))
    assert stored(app).notes_for_therapist == marker + " notes"
    with app.app_context():
        rows = db.session.execute(text("SELECT sealed FROM health_profile_revisions")).all()
        profiles = db.session.execute(text("SELECT * FROM health_profiles")).all()
    assert len(rows) == 1
    raw = bytes(rows[0].sealed)
    assert marker.encode() not in raw and b"open_wound" not in raw and b"notes" not in raw
    assert all(marker not in str(row) for row in profiles)
    if database_url.startswith("sqlite:///"):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with open(database_url.removeprefix("sqlite:///"), "rb") as database_file:
            assert marker.encode() not in database_file.read()


@pytest.mark.parametrize("fields, field_id, message", [
    ({"conditions": "pregnancy", "due_date": (TODAY - timedelta(days=15)).isoformat()},
     "due_date", "more than two weeks ago. If your baby has arrived, untick pregnancy"),
    ({"conditions": "pregnancy", "due_date": (TODAY + timedelta(weeks=43)).isoformat()},
     "due_date", "more than 42 weeks away"),
    ({"conditions": "pregnancy"}, "due_date", "Please give your due date"),
    ({"conditions": "pregnancy", "due_date": "2027-02-30"}, "due_date", "Please enter a real date"),
    ({"medical_clearance_on": (TODAY + timedelta(days=3)).isoformat()},
     "medical_clearance_on", "can&#39;t be in the future"),
    ({"conditions": "acute_back_injury", "acute_injury_diagnosed_on": (TODAY + timedelta(days=1)).isoformat()},
     "acute_injury_diagnosed_on", "can&#39;t be in the future"),
    ({"conditions": "acute_back_injury", "acute_injury_diagnosed_on": TODAY.isoformat()},
     "acute_injury_diagnosed_by", "Please say who diagnosed the injury"),
    ({"conditions": "acute_back_injury", "acute_injury_diagnosed_by": "Dr Shah"},
     "acute_injury_diagnosed_on", "Please give the date the injury was diagnosed"),
    ({"notes_for_therapist": "x" * 2001}, "notes_for_therapist", "under 2,000 characters (it is 2,001 now)"),
    # Days outside the portal's range (DayInRange) get its message alone: no "in the future" beside it.
    ({"conditions": "severe_osteoporosis", "medical_clearance_on": "0001-01-01", "clearance_source": "Dr X"},
     "medical_clearance_on", OUT_OF_RANGE),
    ({"medical_clearance_on": "9999-12-31", "clearance_source": "Dr X"}, "medical_clearance_on", OUT_OF_RANGE),
    ({"conditions": "acute_back_injury", "acute_injury_diagnosed_on": "1899-12-31",
      "acute_injury_diagnosed_by": "Dr Shah"}, "acute_injury_diagnosed_on", OUT_OF_RANGE),
    ({"conditions": "pregnancy", "due_date": "0001-01-01"}, "due_date", OUT_OF_RANGE),
    ({"conditions": "open_wound", "detail_open_wound": "y" * 301}, "detail_open_wound", "under 300 characters"),
    ({"conditions": "broken_heart"}, "conditions", "Please choose from the options shown."),
    ({"lifestyle": "astronaut"}, "lifestyle", "Please choose from the options shown."),
    ({"problem_areas": "knees"}, "problem_areas", "Please choose from the options shown."),
    ({"pressure_preference": "crushing"}, "pressure_preference", "Please choose from the options shown."),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_half_saved(app, client_in, fields, field_id, message):
    client_in.post("/profile", profile_form(lifestyle="athlete", consent="y"))
    before = stored(app)
    response = client_in.post("/profile", profile_form(**{"notes_for_therapist": "kept as typed", **fields}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = re.search(rf'<div id="errors-{field_id}" class="field-errors">(.*?)</div>', html, re.S).group(1)
    assert message in errors
    assert errors.count('class="error"') == 1, errors  # one message a field
    assert revision_count(app) == 1 and stored(app) == before
    if "notes_for_therapist" not in fields:
        assert "kept as typed" in html  # what was typed comes back


def test_live_preview_shows_what_the_change_would_mean_without_saving(app, client, client_in):
    client_in.post("/profile", profile_form(lifestyle="desk_worker", consent="y"))
    response = client.post("/profile/preview", data=profile_form(
        csrf_token=client_in.csrf_token(), conditions=["pregnancy"], lifestyle="chronic_back_pain"),
        headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and "Preview: what your answers would mean" in html
    assert "Pregnancy" in html and "Every 2 weeks" in html
    # The due date box appeared just now: its slot is cleared, not filled with "missing" (a save
    # without it is still refused, see test_bad_input_is_refused_on_its_field_and_nothing_is_half_saved).
    assert re.search(r'<div id="errors-due_date" class="field-errors" hx-swap-oob="true">\s*</div>', html)
    assert "Please give your due date" not in html
    assert 'id="errors-consent"' not in html
    assert "HX-Request" in response.headers["Vary"]
    assert stored(app).lifestyle == {"desk_worker"} and revision_count(app) == 1


def test_live_preview_checks_what_was_typed(app, client, client_in):
    # Inline validation of a typed answer arrives out of band, into the field's own error slot.
    response = client.post("/profile/preview", data=profile_form(
        csrf_token=client_in.csrf_token(), conditions=["pregnancy"],
        due_date=(TODAY - timedelta(days=15)).isoformat()), headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert re.search(r'<div id="errors-due_date" class="field-errors" hx-swap-oob="true"><p class="error"[^>]*>'
                     r'Your due date was more than two weeks ago', html)


def test_live_preview_refuses_a_day_out_of_range_and_does_not_act_on_it(client, client_in):
    response = client.post("/profile/preview", data=profile_form(
        csrf_token=client_in.csrf_token(), conditions=["severe_osteoporosis"], medical_clearance_on="0001-01-01",
        clearance_source="Dr X"), headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert re.search(r'<div id="errors-medical_clearance_on" class="field-errors" hx-swap-oob="true">'
                     r'<p class="error"[^>]*>' + OUT_OF_RANGE, html)
    assert "1 January 1" not in html and "no longer stops you booking" not in html


def test_preview_without_htmx_goes_back_to_the_form(client, client_in):
    response = client_in.post("/profile/preview", profile_form(conditions="pregnancy"))
    assert response.status_code == 302 and response.location.endswith("/profile")


def test_profile_form_is_wired_for_live_preview(client, client_in):
    html = client.get("/profile").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/profile"[^>]*>', html).group(0)
    assert 'hx-post="/profile/preview"' in form and 'hx-target="#guidance-preview"' in form
    assert 'id="guidance-preview"' in html


def test_mark_healed_is_one_click_and_opens_the_gate(app, client, client_in):
    client_in.post("/profile", profile_form(conditions=["severe_sunburn", "pregnancy"], due_date=DUE, consent="y"))
    html = client.get("/guidance").get_data(as_text=True)
    assert 'action="/profile/healed/severe_sunburn"' in html
    response = client_in.post("/profile/healed/severe_sunburn")
    assert response.status_code == 302 and response.location.endswith("/guidance")
    assert set(stored(app).conditions) == {"pregnancy"}
    assert revision_count(app) == 2


def test_clicking_it_has_healed_twice_goes_where_the_first_click_went(app, client, client_in):
    client_in.post("/profile", profile_form(conditions=["severe_sunburn", "pregnancy"], due_date=DUE, consent="y"))
    first = client_in.post("/profile/healed/severe_sunburn?next=/dashboard")
    again = client_in.post("/profile/healed/severe_sunburn?next=/dashboard")  # the double click
    assert (first.status_code, again.status_code) == (302, 302)
    assert again.location == first.location and again.location.endswith("/dashboard")
    assert "Already marked as healed: Severe sunburn on the back." in client.get("/dashboard").get_data(as_text=True)
    assert set(stored(app).conditions) == {"pregnancy"} and revision_count(app) == 2  # nothing saved again
    # A condition never on the profile is the same "nothing to heal"; without consent, still refused.
    assert client_in.post("/profile/healed/open_wound").location.endswith("/guidance")
    client_in.post("/profile/consent/withdraw")
    assert client_in.post("/profile/healed/severe_sunburn").status_code == 400


def test_only_temporary_conditions_can_be_marked_healed(client_in):
    client_in.post("/profile", profile_form(conditions="severe_osteoporosis", consent="y"))
    assert client_in.post("/profile/healed/severe_osteoporosis").status_code == 400
    assert client_in.post("/profile/healed/no-such-condition").status_code == 404


def _save_as_of(app, users, day, **fields):
    """A save made on an earlier `day` (as if the client had told us then)."""
    with app.app_context():
        client = db.session.get(User, users["client"].id)
        services.save_profile(client, ProfileContent(**fields), consent_given=True, today=day)
        db.session.commit()


def test_an_acute_back_injury_is_never_healed_in_one_click(app, client, client_in):
    client_in.post("/profile", profile_form(conditions=["acute_back_injury", "severe_sunburn"], consent="y"))
    for page in ("/guidance", "/profile", "/dashboard"):
        html = client.get(page).get_data(as_text=True)
        assert "/profile/healed/acute_back_injury" not in html, page
    guidance = client.get("/guidance").get_data(as_text=True)
    assert guidance.count("It has healed") == 1 and 'action="/profile/healed/severe_sunburn"' in guidance
    before = stored(app)
    # Hand-made, with a valid CSRF token: refused, and nothing is saved.
    assert client_in.post("/profile/healed/acute_back_injury").status_code == 400
    assert revision_count(app) == 1 and stored(app) == before
    with app.app_context():
        assert not services.mark_healed(db.session.get(User, stored_user_id(app)), "acute_back_injury")
        db.session.commit()
    assert revision_count(app) == 1


def stored_user_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == "client@example.com"))


def test_a_recorded_diagnosis_with_who_made_it_opens_the_gate(app, client, client_in):
    client_in.post("/profile", profile_form(conditions="acute_back_injury", consent="y"))
    assert "You can't book" in client.get("/guidance").get_data(as_text=True)
    diagnosed = (TODAY - timedelta(days=0)).isoformat()
    response = client_in.post("/profile", profile_form(conditions="acute_back_injury",
                                                       acute_injury_diagnosed_on=diagnosed,
                                                       acute_injury_diagnosed_by="Dr Shah, RVI"))
    assert response.status_code == 302
    content = stored(app)
    assert (content.acute_injury_diagnosed_on, content.acute_injury_diagnosed_by) == (TODAY, "Dr Shah, RVI")
    html = client.get("/guidance").get_data(as_text=True)
    assert "You can book a massage." in html and "Special care" in html
    assert "work within the diagnosis" in html and "by Dr Shah, RVI" in html
    assert "It has healed" not in html
    # Unticking the injury drops its diagnosis with it.
    client_in.post("/profile", profile_form(lifestyle="athlete", acute_injury_diagnosed_on=diagnosed,
                                            acute_injury_diagnosed_by="Dr Shah, RVI"))
    assert (stored(app).acute_injury_diagnosed_on, stored(app).acute_injury_diagnosed_by) == (None, "")


def test_an_injury_told_us_with_its_diagnosis_can_be_saved_again_the_next_day(app, client, client_in):
    # Diagnosed at A&E on the 5th, told us on the 10th: the save that adds both is accepted...
    told_us, diagnosed = NOW - timedelta(days=1), (TODAY - timedelta(days=6)).isoformat()
    clock.set_now(told_us)
    injury = {"conditions": "acute_back_injury", "acute_injury_diagnosed_on": diagnosed,
              "acute_injury_diagnosed_by": "Dr Shah, RVI"}
    assert client_in.post("/profile", profile_form(**injury, consent="y")).status_code == 302
    # ...and so is the next day's save of the same form with only the notes changed.
    clock.set_now(NOW)
    page = client.get("/profile").get_data(as_text=True)
    assert f'value="{diagnosed}"' in page and 'value="Dr Shah, RVI"' in page  # what the form is pre-filled with
    response = client_in.post("/profile", profile_form(**injury, notes_for_therapist="Sore after the drive."))
    assert response.status_code == 302
    content = stored(app)
    assert content.notes_for_therapist == "Sore after the drive."
    assert content.acute_injury_diagnosed_on == date.fromisoformat(diagnosed)
    assert content.conditions["acute_back_injury"].recorded_on == to_local(told_us).date()


def test_a_diagnosis_from_before_the_client_told_us_about_the_injury_is_accepted(app, client, users, client_in):
    # Told us about the injury first, and the diagnosis (made the day before) later: a diagnosis
    # usually comes first, and its date says nothing about which injury it was.
    told_us = TODAY - timedelta(days=5)
    _save_as_of(app, users, told_us, conditions=_conditions("acute_back_injury"))
    response = client_in.post("/profile", profile_form(
        conditions="acute_back_injury", acute_injury_diagnosed_by="Dr Shah",
        acute_injury_diagnosed_on=(told_us - timedelta(days=1)).isoformat()))
    assert response.status_code == 302
    assert stored(app).acute_injury_diagnosed_on == told_us - timedelta(days=1)
    assert "You can book a massage." in client.get("/guidance").get_data(as_text=True)


def test_levels_are_capitalised_with_gp_in_capitals(client, client_in):
    client_in.post("/profile", profile_form(conditions="clotting_disorder", consent="y"))
    for page in ("/guidance", "/dashboard", "/profile"):
        html = client.get(page).get_data(as_text=True)
        assert "Ask your GP first" in html and "Ask your gp first" not in html, page


def test_the_profile_shows_which_conditions_the_clearance_covers(app, client, client_in):
    client_in.post("/profile", profile_form(conditions="severe_osteoporosis", consent="y",
                                            medical_clearance_on=TODAY.isoformat(), clearance_source="Dr Patel"))
    # A minute later, the same day, the same clearance: the clotting disorder is not covered.
    client_in.post("/profile", profile_form(conditions=["severe_osteoporosis", "clotting_disorder"],
                                            medical_clearance_on=TODAY.isoformat(), clearance_source="Dr Patel"))
    assert stored(app).cleared_conditions == {"severe_osteoporosis"}
    for page in ("/guidance", "/profile"):
        html = client.get(page).get_data(as_text=True)
        assert "Your GP clearance covers: Severe osteoporosis." in html, page
        assert re.search(r"Still needs your GP's clearance:</strong> Blood clotting disorder", html), page
    assert "You can't book" in client.get("/guidance").get_data(as_text=True)


def test_mark_healed_needs_the_csrf_token(app, client, client_in):
    client_in.post("/profile", profile_form(conditions="severe_sunburn", consent="y"))
    assert client.post("/profile/healed/severe_sunburn").status_code == 400
    assert "severe_sunburn" in stored(app).conditions


def test_withdrawing_consent_stops_use_and_offers_deletion(app, client, client_in):
    client_in.post("/profile", profile_form(conditions="severe_sunburn", lifestyle="athlete", consent="y"))
    response = client_in.post("/profile/consent/withdraw")
    assert response.status_code == 302 and response.location.endswith("/profile/privacy")
    page = client.get("/profile/privacy").get_data(as_text=True)
    assert "You withdrew consent" in page and "Delete it" in page
    guidance = client.get("/guidance").get_data(as_text=True)
    assert "withdrawn consent" in guidance and "precaution-severe-sunburn" not in guidance
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "client@example.com"))
        assert services.content_for_use(user_id) is None
    # Saving again needs consent again.
    again = client_in.post("/profile", profile_form(lifestyle="athlete"))
    assert again.status_code == 422 and "Please tick to agree" in again.get_data(as_text=True)


def test_delete_needs_confirmation_then_removes_every_revision(app, client_in):
    client_in.post("/profile", profile_form(lifestyle="athlete", consent="y"))
    client_in.post("/profile", profile_form(lifestyle="desk_worker"))
    client_in.post("/profile/delete")
    assert revision_count(app) == 2
    client_in.post("/profile/delete", {"confirm": "yes"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthProfile)) == 0
    assert revision_count(app) == 0


def test_export_is_readable_and_complete(app, client, client_in):
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "client@example.com")).phone = "+447700900123"
        db.session.commit()
    assert client_in.post("/account/emails", {"follow_ups": "y", "due_nudges": "y"}).status_code == 302
    client_in.post("/profile", profile_form(conditions="pregnancy", due_date=DUE, consent="y",
                                            notes_for_therapist="first"))
    client_in.post("/profile", profile_form(conditions="pregnancy", due_date=DUE, notes_for_therapist="second"))
    response = client.get("/profile/export")
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["account"]["email"] == "client@example.com"
    assert document["account"]["phone"] == "+447700900123"
    choices = document["email_preferences"]
    assert {kind: choices[kind] for kind in ("reminders", "follow_ups", "due_nudges")} == {
        "reminders": False, "follow_ups": True, "due_nudges": True}
    assert choices["changed_at"] is not None
    assert document["health_profile"]["consent"]["version"] == services.CONSENT_VERSION
    notes = [r["content"]["notes_for_therapist"] for r in document["health_profile"]["revisions"]]
    assert notes == ["first", "second"]


def test_export_includes_the_emails_logins_and_calendar_feed_kept_about_the_client(app, client, client_in, users):
    """"Everything we keep about you": the emails sent to them (what, when, to which address;
    never the links), where they are or were logged in, and their calendar feed (when made; never
    its address, of which only a hash is kept)."""
    from portal.booking.services import new_calendar_feed
    from portal.outbox.models import OutboxMessage

    with app.app_context():
        new_calendar_feed(db.session.get(User, users["client"].id))
        db.session.add(OutboxMessage(kind="reminder", key="reminder:1:x", to="client@example.com",
                                     subject="Tomorrow: your massage", status="sent", user_id=users["client"].id,
                                     sent_at=clock.now()))
        db.session.commit()
    document = client.get("/profile/export").get_json()
    [email] = document["emails"]
    assert (email["subject"], email["to"], email["status"]) == ("Tomorrow: your massage", "client@example.com", "sent")
    assert email["sent_at"] is not None and "body" not in email
    [login] = document["logins"]
    assert login["device"] and login["started_at"] and login["ended_at"] is None
    assert document["calendar_feed"]["made_at"] is not None


def test_export_of_a_client_who_never_chose_says_the_defaults(client, client_in):
    document = client.get("/profile/export").get_json()
    assert document["account"]["phone"] is None
    assert document["email_preferences"] == {"reminders": True, "follow_ups": True, "due_nudges": True,
                                             "changed_at": None}


def test_staff_cannot_keep_a_health_profile(app, users):
    with app.app_context():
        therapist = db.session.get(User, users["therapist"].id)
        with pytest.raises(services.NotYours):
            services.save_profile(therapist, ProfileContent(), consent_given=True)
        db.session.commit()


def test_changes_since_last_visit(app, users):
    with app.app_context():
        client = db.session.get(User, users["client"].id)
        services.save_profile(client, ProfileContent(lifestyle=frozenset({"desk_worker"})), consent_given=True)
        visit = db.session.scalar(select(ProfileRevision.created_at))
        clock.set_now(NOW + timedelta(minutes=1))  # the module's clock is stopped: the change comes later
        services.save_profile(client, ProfileContent(lifestyle=frozenset({"desk_worker"}),
                                                     conditions=_conditions("severe_sunburn")))
        changes = services.changes_since(client.id, visit)
        assert any("sunburn" in change.lower() for change in changes)
        assert services.changes_since(client.id, services.profile_of(client.id).updated_at) == []
        db.session.commit()


def test_the_same_save_or_heal_sent_four_times_at_once_is_stored_once(race_app, users):
    """Four tabs (or a quadruple click) sending the same first profile, a change to it, then "It
    has healed", at the same moment: one revision each, not four. Each save re-reads the latest revision only once it holds
    the client's row, so the later ones find nothing changed (threads, a connection each)."""
    from collections import Counter

    from tests.racing import logged_in_clients, race

    racers = 4
    clients = logged_in_clients(race_app, ["client@example.com"] * racers)
    first = profile_form(conditions=["severe_sunburn", "pregnancy"], due_date=DUE, consent="y")
    responses = race(clients, [first] * racers, url="/profile")  # the first save: consent given once
    assert Counter(r.status_code for r in responses) == {302: racers}
    assert revision_count(race_app) == 1
    changed = profile_form(conditions=["severe_sunburn", "pregnancy"], due_date=DUE,
                           notes_for_therapist="Left shoulder is stiff.")
    responses = race(clients, [changed] * racers, url="/profile")
    assert Counter(r.status_code for r in responses) == {302: racers}
    assert revision_count(race_app) == 2
    assert stored(race_app).notes_for_therapist == "Left shoulder is stiff."
    responses = race(clients, [{}] * racers, url="/profile/healed/severe_sunburn")
    assert Counter(r.status_code for r in responses) == {302: racers}
    assert revision_count(race_app) == 3
    assert set(stored(race_app).conditions) == {"pregnancy"}


def test_an_overdue_client_keeps_pregnancy_and_can_still_save_their_profile(app, client, client_in):
    """Past the due date, not yet given birth: the profile (saved with pregnancy weeks ago) saves
    again with a change, still pregnant, until two weeks after the due date. Before, any save
    was refused ("can't be in the past") unless pregnancy was unticked, which dropped the
    pregnancy-trained therapist the gate keeps to."""
    overdue = (TODAY - timedelta(days=5)).isoformat()
    response = client_in.post("/profile", profile_form(conditions=["pregnancy", "clotting_disorder"],
                                                       due_date=overdue, consent="y"))
    assert response.status_code == 302
    assert set(stored(app).conditions) == {"pregnancy", "clotting_disorder"}
    assert stored(app).due_date.isoformat() == overdue
    assert client_in.post("/profile", profile_form(conditions="pregnancy", due_date=(
        TODAY - timedelta(weeks=2)).isoformat())).status_code == 302  # exactly two weeks over: still taken
