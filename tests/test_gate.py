"""The booking gate reads the stored profile at the moment it is asked: a change counts at once,
and nothing in a request can talk it round."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts.models import User
from portal.demo import DEMO_PASSWORD, load_demo_data
from portal.extensions import db
from portal.guidance.rules import CODE_NEEDS_CLEARANCE, CODE_NEEDS_PREGNANCY_TRAINED, CODE_NOT_NOW, CODE_OK
from portal.profile import gate, services
from portal.profile.content import ConditionEntry, ProfileContent
from portal.salon.models import PREGNANCY_MASSAGE
from portal.salon.queries import active_services, therapists
from portal import clock
from portal.timezones import to_local
from tests.stopped_clock import clock_stopped_at

NOW = clock.now()
TODAY = to_local(NOW).date()  # clock.today() at NOW
clock_stopped_at_import = clock_stopped_at(NOW)


@pytest.fixture
def salon(app, users):
    """The demo salon, with the test client as the person booking."""
    with app.app_context():
        load_demo_data()
        db.session.commit()
        staff = therapists()
        trained = next(t for t in staff if t.has_qualification(PREGNANCY_MASSAGE))
        untrained = next(t for t in staff if not t.has_qualification(PREGNANCY_MASSAGE))
        client = db.session.get(User, users["client"].id)
        yield {"client": client, "trained": trained, "untrained": untrained, "services": active_services()}


def save(client, *conditions, consent=True, today=TODAY, **fields):
    services.save_profile(client, ProfileContent(
        conditions={slug: ConditionEntry() for slug in conditions}, **fields), consent_given=consent, today=today)


def decide(salon, therapist="trained", service=0):
    return gate.check_booking(salon["client"].id, salon["services"][service], salon[therapist], TODAY)


def test_every_salon_service_works_on_the_back(salon):
    assert [gate.works_on_back(service) for service in salon["services"]] == [True, True, True]


def test_no_profile_means_no_known_precautions(salon):
    assert decide(salon, "untrained").code == CODE_OK


def test_sunburn_is_not_now_for_every_service_and_therapist(salon):
    save(salon["client"], "severe_sunburn")
    for therapist in ("trained", "untrained"):
        for service in range(3):
            decision = decide(salon, therapist, service)
            assert not decision.allowed and decision.code == CODE_NOT_NOW
            assert "mark it healed" in decision.reasons[0]


def test_pregnancy_needs_a_trained_therapist(salon):
    save(salon["client"], "pregnancy", due_date=TODAY + timedelta(weeks=12))
    assert decide(salon, "untrained").code == CODE_NEEDS_PREGNANCY_TRAINED
    assert decide(salon, "trained").allowed


def test_ask_your_gp_first_needs_a_recorded_clearance(salon):
    save(salon["client"], "clotting_disorder")
    refused = decide(salon)
    assert refused.code == CODE_NEEDS_CLEARANCE and not refused.allowed
    save(salon["client"], "clotting_disorder", medical_clearance_on=TODAY - timedelta(days=2))
    assert decide(salon).allowed


def test_a_clearance_from_before_joining_counts_for_what_was_declared_with_it(salon):
    save(salon["client"], "severe_osteoporosis", medical_clearance_on=TODAY - timedelta(days=60))
    assert decide(salon).allowed


def test_a_condition_added_after_the_clearance_is_not_cleared_by_it(salon):
    cleared = TODAY - timedelta(days=12)
    save(salon["client"], "clotting_disorder", medical_clearance_on=cleared, today=TODAY - timedelta(days=10))
    assert decide(salon).allowed
    # Recorded today, after that clearance: the old go-ahead does not cover it.
    save(salon["client"], "clotting_disorder", "severe_osteoporosis", medical_clearance_on=cleared)
    assert decide(salon).code == CODE_NEEDS_CLEARANCE
    # A fresh go-ahead from the GP, entered now, covers both.
    save(salon["client"], "clotting_disorder", "severe_osteoporosis", medical_clearance_on=TODAY)
    assert decide(salon).allowed


def test_a_condition_added_later_the_same_day_is_not_covered_by_the_clearance(salon):
    cleared = dict(medical_clearance_on=TODAY, clearance_source="Dr Patel")
    save(salon["client"], "severe_osteoporosis", **cleared)
    assert decide(salon).allowed
    # A later save, the same day (the dates alone can't tell them apart).
    save(salon["client"], "severe_osteoporosis", "clotting_disorder", **cleared)
    refused = decide(salon)
    assert refused.code == CODE_NEEDS_CLEARANCE and "does not cover this condition" in refused.reasons[0]
    [clotting] = [p for p in gate.booking_outlook(gate.facts_for(salon["client"].id), TODAY).reasons]
    assert clotting.startswith("Ask your GP whether massage is safe for you with a blood clotting disorder")
    # A new clearance then covers both.
    save(salon["client"], "severe_osteoporosis", "clotting_disorder", medical_clearance_on=TODAY,
         clearance_source="Dr Patel, after asking about the clotting disorder")
    assert decide(salon).allowed


def test_removing_a_condition_drops_it_from_the_clearance(salon):
    save(salon["client"], "clotting_disorder", medical_clearance_on=TODAY)
    save(salon["client"], medical_clearance_on=TODAY)
    save(salon["client"], "clotting_disorder", medical_clearance_on=TODAY)
    assert decide(salon).code == CODE_NEEDS_CLEARANCE


def test_an_acute_injury_needs_its_diagnosis_unless_a_clearance_covers_it(salon):
    save(salon["client"], "severe_osteoporosis", medical_clearance_on=TODAY)
    save(salon["client"], "severe_osteoporosis", "acute_back_injury", medical_clearance_on=TODAY)
    assert decide(salon).code == CODE_NOT_NOW  # the old clearance never heard of the injury
    assert not services.mark_healed(salon["client"], "acute_back_injury")
    assert decide(salon).code == CODE_NOT_NOW
    save(salon["client"], "severe_osteoporosis", "acute_back_injury", medical_clearance_on=TODAY,
         acute_injury_diagnosed_on=TODAY, acute_injury_diagnosed_by="Dr Shah")
    assert decide(salon).allowed


def test_a_profile_change_counts_for_the_very_next_booking(salon):
    assert decide(salon).allowed
    save(salon["client"], "open_wound")
    assert decide(salon).code == CODE_NOT_NOW
    assert services.mark_healed(salon["client"], "open_wound")
    assert decide(salon).allowed


def test_withdrawn_consent_means_the_profile_is_not_used(salon):
    save(salon["client"], "severe_sunburn")
    services.withdraw_consent(salon["client"])
    assert decide(salon).allowed  # treated like a client who never shared: the therapist asks in person


def test_outlook_on_the_guidance_page(app, client, auth, users):
    # Requests made while a test holds an app context would share its `g`: set up, then let go.
    with app.app_context():
        save(db.session.get(User, users["client"].id), "severe_sunburn", "pregnancy",
             due_date=TODAY + timedelta(weeks=12))
        db.session.commit()
    auth.login()
    html = client.get("/guidance").get_data(as_text=True)
    assert "You can't book" in html and "sunburn" in html
    auth.post("/profile/healed/severe_sunburn")
    html = client.get("/guidance").get_data(as_text=True)
    assert "You can book a massage." in html and "trained in pregnancy massage" in html


def test_the_screening_tick_covers_pregnancy():
    """Without a profile the tick stands in for the gate, which refuses an untrained therapist
    for a pregnant client (the salon: "Seek therapists with specific pregnancy massage training
    rather than standard back massage"): pregnancy is on the list, or a pregnant client ticks
    "None of these applies to me" truthfully and is offered every therapist."""
    listed = gate.screening_conditions()
    assert "Pregnancy" in listed
    assert listed == ["Acute back injury that needs medical attention", "Skin infection on the back",
                      "Open wound on the back", "Severe sunburn on the back", "Severe osteoporosis",
                      "Active cancer in the back area", "Blood clotting disorder",
                      "Severe heart or circulation (cardiovascular) disease", "Recovering from a back injury",
                      "Pregnancy"]


def test_refused_wording_names_what_is_refused():
    assert gate.refused_wording(["Full Body Massage"], 3) == "Full Body Massage"
    assert gate.refused_wording(["A", "B"], 3) == "A or B"
    assert gate.refused_wording(["A", "B", "C"], 3) == "any of our massages (A, B or C)"
    assert gate.refused_wording([], 0) == "a massage that works on your back"


def test_outlook_refusal_names_indian_head_too(app, client, auth, users):
    with app.app_context():
        load_demo_data()
        save(db.session.get(User, users["client"].id), "severe_sunburn")
        db.session.commit()
    auth.login(password=DEMO_PASSWORD)  # the demo load resets the demo logins' password
    html = client.get("/guidance").get_data(as_text=True)
    assert "back, neck or full body massage" not in html
    assert "any of our massages (" in html
    assert "Indian Head Massage (includes upper back)" in html


@pytest.mark.parametrize("conditions", [(), ("pregnancy",), ("severe_sunburn",), ("clotting_disorder",)])
def test_the_decider_decides_as_decide_does_for_every_therapist_at_most_twice(salon, monkeypatch, conditions):
    """The booking page asks the gate of every therapist of a chain: `decider` gives `decide`'s
    answer for each, working it out once for the trained and once for the others."""
    save(salon["client"], *conditions, due_date=TODAY + timedelta(weeks=12) if "pregnancy" in conditions else None)
    facts = services.facts_for(salon["client"].id)
    staff = therapists() * 3
    expected = [gate.decide(facts, salon["services"][0], t, TODAY) for t in staff]
    worked_out = []
    real = gate.booking_decision
    monkeypatch.setattr(gate, "booking_decision", lambda *args: worked_out.append(args) or real(*args))
    decide = gate.decider(facts, salon["services"][0], TODAY)
    assert [decide(t) for t in staff] == expected
    assert len(worked_out) == 2  # the demo has trained and untrained therapists
    if "pregnancy" in conditions:
        assert {d.allowed for d in expected} == {True, False}
