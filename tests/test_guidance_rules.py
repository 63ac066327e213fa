"""Rules in portal/guidance/rules.py: precautions, booking gates, frequency, feedback, changes.

Pure functions only: no app, no database, no conftest fixtures. Values are asserted exactly
so a broken rule (or a reworded safety message) fails here.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.guidance.rules import (
    ASK_GP,
    CODE_NEEDS_CLEARANCE,
    CODE_NEEDS_PREGNANCY_TRAINED,
    CODE_NOT_NOW,
    CODE_OK,
    CONDITIONS,
    DISCLAIMER,
    FREQUENCY,
    NOT_NOW,
    PAIN_AFTER_BIG_RISE,
    PAIN_RISING_INTERVAL_DAYS,
    PAIN_RISING_JUMP,
    PAIN_RISING_SESSIONS,
    PRESSURE_REPEAT_SESSIONS,
    SPECIAL_CARE,
    Advice,
    CatalogueService,
    HealthFacts,
    Level,
    SessionFeedback,
    booking_decision,
    clearance_coverage,
    describe_changes,
    every,
    format_date,
    guidance_for,
    precautions_for,
    strictness,
    suggest_service,
)
from portal.feedback.meaning import CLIENT_ADVICE, safety_concerns
from portal.vocabulary import WHOLE_BODY

# The salon's catalogue as plain data (the database is its only home; the rule is handed it).
BACK_NECK_SHOULDER = CatalogueService(1, "Back, Neck & Shoulder Massage",
                                      frozenset({"neck", "shoulders", "upper_back", "lower_back"}), 3500)
FULL_BODY = CatalogueService(2, "Full Body Massage", WHOLE_BODY, 5000)
INDIAN_HEAD = CatalogueService(3, "Indian Head Massage (includes upper back)",
                               frozenset({"head", "neck", "shoulders", "upper_back"}), 3000)
CATALOGUE = (BACK_NECK_SHOULDER, FULL_BODY, INDIAN_HEAD)

TODAY = date(2025, 6, 15)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)

ALL_CONDITIONS = (
    "acute_back_injury", "skin_infection", "open_wound", "severe_sunburn",
    "severe_osteoporosis", "active_cancer_back", "clotting_disorder",
    "cardiovascular_disease", "recovering_back_injury", "pregnancy",
)
TEMPORARY_SKIN = ("skin_infection", "open_wound", "severe_sunburn")
ASK_GP_CONDITIONS = (
    "severe_osteoporosis", "active_cancer_back", "clotting_disorder",
    "cardiovascular_disease", "recovering_back_injury",
)

BASELINE_REASON = (
    "Every 4 weeks: regular massage keeps your muscles in good condition and stops tension "
    "building up."
)
CHRONIC_REASON = (
    "Every 2 weeks because you told us you have chronic back pain: regular massage helps manage it."
)
ATHLETE_REASON = (
    "Every 2 weeks, and after big events, because you told us you are physically active: "
    "massage speeds recovery from training and helps prevent injury."
)
DESK_REASON = (
    "Every 3 weeks because you told us you work at a desk: regular massage eases the tension "
    "desk work builds in your upper and lower back."
)
RECOVERING_REASON = (
    "Every 2 weeks, gently, because you told us you are recovering from a back injury and your "
    "GP has cleared you: regular gentle massage keeps blood flowing to the injury and limits "
    "scar tissue."
)


def facts(*conditions: str, **kwargs) -> HealthFacts:
    return HealthFacts(conditions=frozenset(conditions), **kwargs)


def guide(health: HealthFacts | None = None, completed=(), feedback=(), today: date = TODAY):
    return guidance_for(health or HealthFacts(), list(completed), list(feedback), today, CATALOGUE)


def decide(health: HealthFacts, *, back: bool = True, trained: bool = False, on: date = TODAY):
    return booking_decision(health, back, trained, on)


def fb(day: int, pressure: str | None = None, before: dict | None = None, after: dict | None = None):
    """Feedback for a session on `day` May 2025."""
    return SessionFeedback(date(2025, 5, day), pressure, before or {}, after or {})


# ----------------------------------------------------------------------------------------
# Levels, constants, vocabulary
# ----------------------------------------------------------------------------------------


def test_levels_are_ordered_strictest_first_and_read_as_plain_strings():
    assert strictness(NOT_NOW) > strictness(ASK_GP) > strictness(SPECIAL_CARE)
    assert [NOT_NOW, ASK_GP, SPECIAL_CARE] == ["not now", "ask your GP first", "special care"]
    assert strictness("not now") == strictness(Level.NOT_NOW)


def test_unknown_level_is_rejected():
    with pytest.raises(ValueError):
        strictness("maybe")


def test_disclaimer_is_one_plain_sentence():
    assert DISCLAIMER == (
        "This guidance is general information, not medical advice or a diagnosis: "
        "if you are unsure whether massage is right for you, ask your GP."
    )
    assert DISCLAIMER.count(".") == 1
    assert guide().disclaimer == DISCLAIMER


def test_the_rules_hold_no_catalogue_of_their_own():
    """Services live in the database only: without a catalogue nothing is suggested."""
    from portal.guidance import rules

    assert not any(name.startswith("SERVICE") for name in vars(rules))
    without = guidance_for(HealthFacts(lifestyle=frozenset({"desk_worker"})), [], [], TODAY)
    assert without.suggested_service is None
    assert guide(HealthFacts(lifestyle=frozenset({"desk_worker"}))).suggested_service == BACK_NECK_SHOULDER


@pytest.mark.parametrize(
    ("days", "text"),
    [(7, "every week"), (14, "every 2 weeks"), (21, "every 3 weeks"), (28, "every 4 weeks"), (10, "every 10 days")],
)
def test_every(days, text):
    assert every(days) == text


def test_format_date_has_no_leading_zero():
    assert format_date(date(2025, 3, 3)) == "3 March 2025"


# ----------------------------------------------------------------------------------------
# The conditions table
# ----------------------------------------------------------------------------------------

# slug -> (level, temporary, booking code when uncleared with an untrained therapist,
#          limits only back-area services, dates that clear it)
CONDITION_TABLE = {
    "acute_back_injury": (NOT_NOW, True, CODE_NOT_NOW, True,
                          ("acute_injury_diagnosed_on", "medical_clearance_on")),
    "skin_infection": (NOT_NOW, True, CODE_NOT_NOW, True, ()),
    "open_wound": (NOT_NOW, True, CODE_NOT_NOW, True, ()),
    "severe_sunburn": (NOT_NOW, True, CODE_NOT_NOW, True, ()),
    "severe_osteoporosis": (ASK_GP, False, CODE_NEEDS_CLEARANCE, False, ("medical_clearance_on",)),
    "active_cancer_back": (ASK_GP, False, CODE_NEEDS_CLEARANCE, True, ("medical_clearance_on",)),
    "clotting_disorder": (ASK_GP, False, CODE_NEEDS_CLEARANCE, False, ("medical_clearance_on",)),
    "cardiovascular_disease": (ASK_GP, False, CODE_NEEDS_CLEARANCE, False, ("medical_clearance_on",)),
    "recovering_back_injury": (ASK_GP, False, CODE_NEEDS_CLEARANCE, True, ("medical_clearance_on",)),
    "pregnancy": (SPECIAL_CARE, False, CODE_NEEDS_PREGNANCY_TRAINED, False, ()),
}


def test_table_has_exactly_the_domain_conditions_in_order():
    assert tuple(CONDITIONS) == ALL_CONDITIONS
    assert set(CONDITION_TABLE) == set(ALL_CONDITIONS)


@pytest.mark.parametrize("slug", ALL_CONDITIONS)
def test_condition_row(slug):
    level, temporary, _, back_only, cleared_by = CONDITION_TABLE[slug]
    row = CONDITIONS[slug]
    assert row.slug == slug
    assert row.level == level
    assert row.temporary is temporary
    assert row.back_area_only is back_only
    assert row.cleared_by == cleared_by
    assert row.anchor == "precaution-" + slug.replace("_", "-")
    assert row.label and row.reason and row.what_to_do and row.therapist_note and row.told_us
    assert row.needs_pregnancy_trained_therapist is (slug == "pregnancy")


def test_labels_and_reasons_in_the_salons_words():
    assert CONDITIONS["severe_sunburn"].label == "Severe sunburn on the back"
    assert CONDITIONS["pregnancy"].anchor == "precaution-pregnancy"
    assert CONDITIONS["severe_osteoporosis"].reason == "Pressure on weakened bones could cause a fracture."
    assert CONDITIONS["active_cancer_back"].reason == "Massage could, in theory, spread cancer cells."
    assert CONDITIONS["clotting_disorder"].reason == "Massage could cause bruising or a dangerous blood clot."
    assert CONDITIONS["cardiovascular_disease"].reason == "Massage affects blood pressure and circulation."


@pytest.mark.parametrize("slug", TEMPORARY_SKIN)
def test_temporary_skin_conditions_say_to_mark_them_healed(slug):
    assert "mark it healed in your health profile" in CONDITIONS[slug].what_to_do


@pytest.mark.parametrize("slug", ASK_GP_CONDITIONS)
def test_ask_gp_conditions_say_to_record_the_clearance_date(slug):
    assert "record the date your GP cleared you in your health profile" in CONDITIONS[slug].what_to_do


@pytest.mark.parametrize("slug", ALL_CONDITIONS)
def test_uncleared_condition_precaution_gate_and_guidance(slug):
    level, _, code, _, _ = CONDITION_TABLE[slug]
    row = CONDITIONS[slug]

    [precaution] = precautions_for(facts(slug), TODAY)
    assert (precaution.condition, precaution.label, precaution.level, precaution.cleared) == (
        slug, row.label, level, False)
    assert (precaution.reason, precaution.what_to_do, precaution.anchor) == (
        row.reason, row.what_to_do, row.anchor)
    assert precaution.therapist_note == row.therapist_note

    decision = decide(facts(slug))
    assert (decision.allowed, decision.code, decision.reasons) == (False, code, [row.what_to_do])

    guidance = guide(facts(slug))
    assert guidance.level == level
    assert guidance.precautions == [precaution]
    assert f"{row.label}: {row.therapist_note}" in guidance.therapist_note
    assert Advice(row.what_to_do, f"because you told us {row.told_us}", row.anchor) in guidance.advice


# With a GP clearance and a diagnosis both recorded yesterday:
# slug -> (level in force, cleared, booking code with an untrained therapist)
CLEARED_TABLE = {
    "acute_back_injury": (SPECIAL_CARE, True, CODE_OK),
    "skin_infection": (NOT_NOW, False, CODE_NOT_NOW),  # only healing clears skin
    "open_wound": (NOT_NOW, False, CODE_NOT_NOW),
    "severe_sunburn": (NOT_NOW, False, CODE_NOT_NOW),
    "severe_osteoporosis": (SPECIAL_CARE, True, CODE_OK),
    "active_cancer_back": (SPECIAL_CARE, True, CODE_OK),
    "clotting_disorder": (SPECIAL_CARE, True, CODE_OK),
    "cardiovascular_disease": (SPECIAL_CARE, True, CODE_OK),
    "recovering_back_injury": (SPECIAL_CARE, True, CODE_OK),
    "pregnancy": (SPECIAL_CARE, False, CODE_NEEDS_PREGNANCY_TRAINED),  # nothing to clear
}


@pytest.mark.parametrize("slug", ALL_CONDITIONS)
def test_cleared_behaviour(slug):
    level, cleared, code = CLEARED_TABLE[slug]
    health = facts(slug, medical_clearance_on=YESTERDAY, acute_injury_diagnosed_on=YESTERDAY)

    [precaution] = precautions_for(health, TODAY)
    assert (precaution.level, precaution.cleared) == (level, cleared)
    assert decide(health).code == code
    assert decide(health).allowed is (code == CODE_OK)
    # A cleared precaution stays on the page.
    assert guide(health).precautions == [precaution]
    if cleared:
        row = CONDITIONS[slug]
        when = format_date(YESTERDAY)
        assert precaution.what_to_do == row.cleared_what_to_do.format(date=when, by="")
        assert precaution.therapist_note == row.cleared_therapist_note.format(date=when, by="")


@pytest.mark.parametrize(
    ("slug", "note"),
    [
        ("severe_osteoporosis", "Use light pressure (risk of fracture). GP clearance recorded on 14 June 2025."),
        ("recovering_back_injury", "Work gently around the injury, within the healing tissue's limits. "
                                   "GP clearance recorded on 14 June 2025."),
        ("clotting_disorder", "Use light pressure (risk of bruising or clots) and work within any limits "
                              "the GP set. GP clearance recorded on 14 June 2025."),
    ],
)
def test_cleared_therapist_notes(slug, note):
    guidance = guide(facts(slug, medical_clearance_on=YESTERDAY))
    assert guidance.precautions[0].therapist_note == note
    assert guidance.therapist_note[0] == f"{CONDITIONS[slug].label}: {note}"


def test_osteoporosis_cleared_what_to_do():
    [precaution] = precautions_for(facts("severe_osteoporosis", medical_clearance_on=YESTERDAY), TODAY)
    assert precaution.what_to_do == (
        "You recorded your GP's clearance on 14 June 2025, so this no longer stops you booking. "
        "Update your health profile if anything changes."
    )


@pytest.mark.parametrize(
    ("diagnosed", "gp_cleared", "code"),
    [
        (None, None, CODE_NOT_NOW),
        (YESTERDAY, None, CODE_OK),
        (None, YESTERDAY, CODE_OK),
        (TOMORROW, None, CODE_NOT_NOW),
        (None, TOMORROW, CODE_NOT_NOW),
        (TODAY, None, CODE_OK),
    ],
)
def test_acute_back_injury_clears_with_diagnosis_or_gp_clearance(diagnosed, gp_cleared, code):
    health = facts("acute_back_injury", acute_injury_diagnosed_on=diagnosed, medical_clearance_on=gp_cleared)
    assert decide(health).code == code


def test_acute_back_injury_uses_latest_valid_date_in_notes():
    health = facts("acute_back_injury", acute_injury_diagnosed_on=date(2025, 6, 1),
                   medical_clearance_on=date(2025, 6, 10))
    [precaution] = precautions_for(health, TODAY)
    assert precaution.therapist_note == (
        "Diagnosed on 10 June 2025 (GP clearance): work within the diagnosis. Ask what the doctor "
        "advised and keep to it."
    )


def test_a_recorded_diagnosis_names_who_made_it_and_says_to_work_within_it():
    health = facts("acute_back_injury", acute_injury_diagnosed_on=date(2025, 6, 1),
                   acute_injury_diagnosed_by="Dr Shah, RVI")
    [precaution] = precautions_for(health, TODAY)
    assert (precaution.level, precaution.cleared) == (SPECIAL_CARE, True)
    assert precaution.therapist_note == (
        "Diagnosed on 1 June 2025 by Dr Shah, RVI: work within the diagnosis. Ask what the doctor "
        "advised and keep to it."
    )
    assert precaution.what_to_do.startswith("You recorded a diagnosis on 1 June 2025 by Dr Shah, RVI, so this no longer stops you booking.")
    assert decide(health).code == CODE_OK


def test_a_lifted_precaution_never_says_you_can_book_beside_one_that_says_not_now():
    """A diagnosed back injury with severe sunburn: the injury's text said "so you can book" on the
    same page as the sunburn's "please don't book a massage that works on your back". A lifted
    precaution speaks for itself only."""
    health = facts("acute_back_injury", "severe_sunburn", acute_injury_diagnosed_on=date(2025, 6, 1),
                   acute_injury_diagnosed_by="Dr Shah, RVI")
    texts = [advice.text for advice in guide(health).advice]
    assert any("please don't book a massage that works on your back" in text for text in texts)
    assert not any("you can book" in text for text in texts)
    assert any("so this no longer stops you booking" in text for text in texts)
    assert decide(health).code != CODE_OK


def test_only_skin_conditions_heal_in_one_click():
    assert tuple(slug for slug, row in CONDITIONS.items() if row.heals_in_one_click) == TEMPORARY_SKIN
    # Temporary, but its way out is a diagnosis, never the client's word that it healed.
    injury = CONDITIONS["acute_back_injury"]
    assert injury.temporary and not injury.heals_in_one_click
    assert "healed" not in injury.what_to_do.lower() and "who made it" in injury.what_to_do


def test_levels_read_well_at_the_start_of_a_line():
    assert [level.heading for level in Level] == ["Not now", "Ask your GP first", "Special care"]


# ----------------------------------------------------------------------------------------
# A GP clearance covers the conditions it was recorded with (`cleared_conditions`)
# ----------------------------------------------------------------------------------------


def test_a_clearance_covers_only_the_conditions_recorded_with_it():
    health = facts("severe_osteoporosis", "clotting_disorder", medical_clearance_on=YESTERDAY,
                   cleared_conditions={"severe_osteoporosis"})
    by_slug = {p.condition: p for p in precautions_for(health, TODAY)}
    assert (by_slug["severe_osteoporosis"].level, by_slug["severe_osteoporosis"].cleared) == (SPECIAL_CARE, True)
    assert (by_slug["clotting_disorder"].level, by_slug["clotting_disorder"].cleared) == (ASK_GP, False)
    decision = decide(health)
    assert (decision.allowed, decision.code) == (False, CODE_NEEDS_CLEARANCE)
    assert decision.reasons == [
        CONDITIONS["clotting_disorder"].what_to_do + " Your GP clearance of 14 June 2025 does not cover this "
        "condition: you told us about it after recording that clearance."]
    guidance = guide(health)
    assert (guidance.clearance_covers, guidance.clearance_missing) == (
        ["Severe osteoporosis"], ["Blood clotting disorder"])
    both = facts("severe_osteoporosis", "clotting_disorder", medical_clearance_on=YESTERDAY,
                 cleared_conditions={"severe_osteoporosis", "clotting_disorder"})
    assert decide(both).allowed
    assert clearance_coverage(both, TODAY) == (["Severe osteoporosis", "Blood clotting disorder"], [])


def test_coverage_counts_even_when_the_condition_was_recorded_the_same_day():
    # Dates alone can't tell two saves on one day apart; coverage can.
    health = facts("clotting_disorder", medical_clearance_on=TODAY, cleared_conditions=frozenset(),
                   conditions_recorded_on={"clotting_disorder": TODAY})
    assert decide(health).code == CODE_NEEDS_CLEARANCE


def test_without_coverage_the_dates_decide():
    health = facts("clotting_disorder", medical_clearance_on=YESTERDAY)
    assert decide(health).allowed  # nothing says otherwise: every clearance counts
    assert clearance_coverage(health, TODAY) == (["Blood clotting disorder"], [])
    assert clearance_coverage(facts("clotting_disorder"), TODAY) == ([], [])


@pytest.mark.parametrize(("covered", "code"), [(frozenset(), CODE_NOT_NOW), ({"acute_back_injury"}, CODE_OK)])
def test_a_gp_clearance_stands_for_a_diagnosis_only_if_it_covers_the_injury(covered, code):
    health = facts("acute_back_injury", medical_clearance_on=YESTERDAY, cleared_conditions=covered)
    assert decide(health).code == code
    # The diagnosis is its own record: coverage doesn't limit it.
    diagnosed = facts("acute_back_injury", acute_injury_diagnosed_on=YESTERDAY, acute_injury_diagnosed_by="Dr Shah",
                      medical_clearance_on=YESTERDAY, cleared_conditions=covered)
    assert decide(diagnosed).code == CODE_OK
    assert clearance_coverage(diagnosed, TODAY)[1] == []  # the diagnosis lifted it: nothing missing


@pytest.mark.parametrize("slug", ASK_GP_CONDITIONS)
@pytest.mark.parametrize(
    ("cleared_on", "code"),
    [(TOMORROW, CODE_NEEDS_CLEARANCE), (TODAY, CODE_OK), (YESTERDAY, CODE_OK)],
)
def test_clearance_in_the_future_does_not_count(slug, cleared_on, code):
    health = facts(slug, medical_clearance_on=cleared_on)
    assert decide(health).code == code
    [precaution] = guide(health).precautions
    assert precaution.cleared is (code == CODE_OK)


def test_booking_uses_its_own_date_for_clearance():
    health = facts("severe_osteoporosis", medical_clearance_on=TOMORROW)
    assert decide(health, on=TODAY).code == CODE_NEEDS_CLEARANCE
    assert decide(health, on=TOMORROW).code == CODE_OK


@pytest.mark.parametrize(
    ("recorded_on", "code"),
    [(TODAY, CODE_NEEDS_CLEARANCE), (YESTERDAY, CODE_OK), (YESTERDAY - timedelta(days=1), CODE_OK)],
)
def test_clearance_older_than_the_condition_does_not_cover_it(recorded_on, code):
    health = facts("severe_osteoporosis", "clotting_disorder", medical_clearance_on=YESTERDAY,
                   conditions_recorded_on={"clotting_disorder": recorded_on})
    decision = decide(health)
    assert decision.code == code
    if code != CODE_OK:
        assert decision.reasons == [CONDITIONS["clotting_disorder"].what_to_do + " Your GP clearance of 14 June "
                                    "2025 does not cover this condition: you told us about it after recording "
                                    "that clearance."]


@pytest.mark.parametrize("slug", TEMPORARY_SKIN)
def test_temporary_skin_condition_lifts_only_when_marked_healed(slug):
    present = facts(slug, medical_clearance_on=YESTERDAY, acute_injury_diagnosed_on=YESTERDAY)
    assert decide(present).code == CODE_NOT_NOW
    healed = facts(medical_clearance_on=YESTERDAY, acute_injury_diagnosed_on=YESTERDAY)
    assert decide(healed).code == CODE_OK
    assert guide(healed).precautions == []


# ----------------------------------------------------------------------------------------
# Booking decisions: combinations and the back-area parameter
# ----------------------------------------------------------------------------------------


def test_no_conditions_books_freely():
    decision = decide(HealthFacts())
    assert (decision.allowed, decision.code, decision.reasons) == (True, CODE_OK, [])


def test_pregnancy_and_sunburn_then_sunburn_healed():
    sunburn = CONDITIONS["severe_sunburn"].what_to_do
    pregnancy = CONDITIONS["pregnancy"].what_to_do

    both = decide(facts("pregnancy", "severe_sunburn"))
    assert (both.allowed, both.code, both.reasons) == (False, CODE_NOT_NOW, [sunburn, pregnancy])
    assert guide(facts("pregnancy", "severe_sunburn")).level == NOT_NOW

    healed = decide(facts("pregnancy"))
    assert (healed.allowed, healed.code, healed.reasons) == (False, CODE_NEEDS_PREGNANCY_TRAINED, [pregnancy])

    trained = decide(facts("pregnancy"), trained=True)
    assert (trained.allowed, trained.code, trained.reasons) == (True, CODE_OK, [])


def test_pregnancy_and_sunburn_with_trained_therapist_is_still_not_now():
    decision = decide(facts("pregnancy", "severe_sunburn"), trained=True)
    assert (decision.code, decision.reasons) == (CODE_NOT_NOW, [CONDITIONS["severe_sunburn"].what_to_do])


def test_strictest_refusal_first_and_every_refusal_listed():
    health = facts("pregnancy", "clotting_disorder", "open_wound", "severe_osteoporosis")
    decision = decide(health)
    assert decision.code == CODE_NOT_NOW
    assert decision.reasons == [
        CONDITIONS["open_wound"].what_to_do,
        CONDITIONS["severe_osteoporosis"].what_to_do,
        CONDITIONS["clotting_disorder"].what_to_do,
        CONDITIONS["pregnancy"].what_to_do,
    ]


def test_ask_gp_outranks_pregnancy_training():
    decision = decide(facts("pregnancy", "cardiovascular_disease"))
    assert decision.code == CODE_NEEDS_CLEARANCE
    assert decision.reasons == [CONDITIONS["cardiovascular_disease"].what_to_do, CONDITIONS["pregnancy"].what_to_do]


def test_clearance_does_not_lift_pregnancy_training():
    health = facts("pregnancy", "cardiovascular_disease", medical_clearance_on=YESTERDAY)
    assert decide(health).code == CODE_NEEDS_PREGNANCY_TRAINED
    assert decide(health, trained=True).code == CODE_OK


@pytest.mark.parametrize("slug", ALL_CONDITIONS)
def test_service_not_on_the_back_skips_only_back_area_conditions(slug):
    _, _, code, back_only, _ = CONDITION_TABLE[slug]
    expected = CODE_OK if back_only else code
    assert decide(facts(slug), back=False).code == expected


def test_recovering_injury_lifestyle_is_the_same_as_the_condition():
    by_lifestyle = HealthFacts(lifestyle=frozenset({"recovering_injury"}))
    assert [p.condition for p in precautions_for(by_lifestyle, TODAY)] == ["recovering_back_injury"]
    assert decide(by_lifestyle).code == CODE_NEEDS_CLEARANCE
    assert guide(by_lifestyle).interval_days == 28  # uncleared: no change to the interval

    cleared = HealthFacts(lifestyle=frozenset({"recovering_injury"}), medical_clearance_on=YESTERDAY)
    assert decide(cleared).code == CODE_OK
    assert (guide(cleared).interval_days, guide(cleared).interval_reason) == (14, RECOVERING_REASON)

    by_condition = facts("recovering_back_injury", medical_clearance_on=YESTERDAY)
    assert guide(by_condition).interval_reason == RECOVERING_REASON
    assert guide(by_condition).suggested_service == BACK_NECK_SHOULDER


def test_strictest_level_wins_and_precautions_are_sorted():
    health = facts("pregnancy", "severe_osteoporosis", "severe_sunburn", "clotting_disorder")
    guidance = guide(health)
    assert guidance.level == NOT_NOW
    assert [p.condition for p in guidance.precautions] == [
        "severe_sunburn", "severe_osteoporosis", "clotting_disorder", "pregnancy"]
    assert [p.level for p in guidance.precautions] == [NOT_NOW, ASK_GP, ASK_GP, SPECIAL_CARE]


def test_cleared_precaution_sorts_with_special_care():
    health = facts("pregnancy", "severe_osteoporosis", "clotting_disorder", medical_clearance_on=YESTERDAY,
                   conditions_recorded_on={"clotting_disorder": TODAY})
    guidance = guide(health)
    assert guidance.level == ASK_GP
    assert [(p.condition, p.cleared) for p in guidance.precautions] == [
        ("clotting_disorder", False), ("severe_osteoporosis", True), ("pregnancy", False)]


def test_no_precautions_means_no_level():
    assert guide().level is None
    assert guide().precautions == []


# ----------------------------------------------------------------------------------------
# Frequency
# ----------------------------------------------------------------------------------------


def test_frequency_table():
    assert {key: rule.days for key, rule in FREQUENCY.items()} == {
        "recovering_injury": 14, "chronic_back_pain": 14, "athlete": 14, "desk_worker": 21, "baseline": 28,
    }


@pytest.mark.parametrize(
    ("lifestyle", "days", "reason"),
    [
        ((), 28, BASELINE_REASON),
        (("chronic_back_pain",), 14, CHRONIC_REASON),
        (("athlete",), 14, ATHLETE_REASON),
        (("desk_worker",), 21, DESK_REASON),
        # Several apply: the shortest wins; on a tie the table order names it.
        (("desk_worker", "chronic_back_pain"), 14, CHRONIC_REASON),
        (("desk_worker", "athlete"), 14, ATHLETE_REASON),
        (("athlete", "chronic_back_pain"), 14, CHRONIC_REASON),
        (("athlete", "chronic_back_pain", "desk_worker"), 14, CHRONIC_REASON),
    ],
)
def test_frequency_rows_and_shortest_wins(lifestyle, days, reason):
    guidance = guide(HealthFacts(lifestyle=frozenset(lifestyle)))
    assert (guidance.interval_days, guidance.interval_reason) == (days, reason)


def test_recovering_cleared_names_the_interval_over_chronic_pain():
    health = facts("recovering_back_injury", medical_clearance_on=YESTERDAY,
                   lifestyle=frozenset({"chronic_back_pain", "desk_worker"}))
    assert (guide(health).interval_days, guide(health).interval_reason) == (14, RECOVERING_REASON)


@pytest.mark.parametrize("slug", ALL_CONDITIONS)
def test_conditions_do_not_change_the_interval_unless_cleared_recovery(slug):
    health = facts(slug, lifestyle=frozenset({"desk_worker"}))
    assert (guide(health).interval_days, guide(health).interval_reason) == (21, DESK_REASON)


# ----------------------------------------------------------------------------------------
# next_due / overdue
# ----------------------------------------------------------------------------------------


def test_no_history_book_whenever():
    guidance = guide()
    assert (guidance.next_due, guidance.overdue) == (None, False)
    assert guidance.advice[0] == Advice(
        "Book whenever suits you; after that we suggest every 4 weeks.",
        "because you haven't had a session with us yet",
    )


@pytest.mark.parametrize(
    ("days_ago", "next_due", "overdue"),
    [(27, TOMORROW, False), (28, TODAY, False), (29, YESTERDAY, True)],
)
def test_next_due_and_overdue_boundary(days_ago, next_due, overdue):
    last = TODAY - timedelta(days=days_ago)
    guidance = guide(completed=[last])
    assert (guidance.next_due, guidance.overdue) == (next_due, overdue)
    reason = f"because your last session was on {format_date(last)} and we suggest every 4 weeks"
    if overdue:
        expected = Advice(f"You are due a session: we suggested one by {format_date(next_due)}.", reason)
    else:
        expected = Advice(f"Your next session is due around {format_date(next_due)}.", reason)
    assert guidance.advice[0] == expected


def test_next_due_uses_latest_completed_and_the_chosen_interval():
    completed = [date(2025, 6, 1), date(2025, 4, 1), date(2025, 5, 20)]
    guidance = guide(HealthFacts(lifestyle=frozenset({"desk_worker"})), completed=completed)
    assert guidance.next_due == date(2025, 6, 22)
    assert guidance.overdue is False


def test_completed_dates_after_today_are_ignored():
    guidance = guide(completed=[date(2025, 5, 1), date(2025, 7, 1)])
    assert guidance.next_due == date(2025, 5, 29)
    assert guidance.overdue is True


# ----------------------------------------------------------------------------------------
# Feedback: rising pain before sessions
# ----------------------------------------------------------------------------------------


def test_feedback_thresholds():
    assert (PAIN_RISING_SESSIONS, PAIN_RISING_JUMP, PAIN_RISING_INTERVAL_DAYS) == (3, 2, 14)
    assert (PAIN_AFTER_BIG_RISE, PRESSURE_REPEAT_SESSIONS) == (2, 2)


def before_series(*values: int, area: str = "lower_back") -> list[SessionFeedback]:
    return [fb(i + 1, before={area: v}) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("values", "quoted"),
    [
        ((2, 3, 4), "2, 3, then 4"),  # strictly rising over 3 sessions
        ((5, 2, 3, 4), "2, 3, then 4"),  # only the last 3 count
        ((3, 5), "3 then 5"),  # jump of exactly 2
        ((0, 9), "0 then 9"),
        ((4, 4, 6), "4 then 6"),  # not strictly rising, but a jump of 2
        ((1, 2, 4), "1, 2, then 4"),  # both: the 3-session run is quoted
    ],
)
def test_rising_pain_triggers(values, quoted):
    guidance = guide(HealthFacts(lifestyle=frozenset({"desk_worker"})), feedback=before_series(*values))
    reason = f"because you told us your pain before sessions is rising (lower back: {quoted} out of 10)"
    assert guidance.interval_days == PAIN_RISING_INTERVAL_DAYS
    assert guidance.interval_reason == f"Every 2 weeks for now {reason}."
    assert Advice(
        "We suggest a session every 2 weeks for now, and telling your therapist where it hurts most. "
        "See your GP if your pain keeps getting worse.",
        reason,
    ) in guidance.advice
    assert f"Pain before sessions rising (lower back {quoted} out of 10): ask the client about it." in (
        guidance.therapist_note)


@pytest.mark.parametrize(
    "values",
    [
        (2, 3, 3),  # not strictly rising, last step +0
        (2, 3),  # one point is not a jump, two sessions not a run
        (3, 2, 3),  # last 3 not strictly rising, last step +1
        (5, 6, 4, 5),  # earlier rise forgotten, last step +1
        (9,),
        (),
        (6, 4, 2),
    ],
)
def test_rising_pain_not_triggered(values):
    guidance = guide(HealthFacts(lifestyle=frozenset({"desk_worker"})), feedback=before_series(*values))
    assert (guidance.interval_days, guidance.interval_reason) == (21, DESK_REASON)
    assert not any("rising" in note for note in guidance.therapist_note)
    assert not any("rising" in advice.reason for advice in guidance.advice)


def test_rising_pain_counts_only_sessions_that_reported_the_area_and_sorts_by_date():
    feedback = [
        fb(20, before={"neck": 4}),
        fb(1, before={"neck": 2}),
        fb(10, before={"lower_back": 7}),  # no neck score: skipped for the neck
        fb(5, before={"neck": 3}),
    ]
    guidance = guide(feedback=feedback)
    assert guidance.interval_reason == (
        "Every 2 weeks for now because you told us your pain before sessions is rising "
        "(neck: 2, 3, then 4 out of 10)."
    )


def test_rising_pain_in_two_areas_is_quoted_in_area_order():
    feedback = [
        fb(1, before={"lower_back": 2, "neck": 1}),
        fb(2, before={"lower_back": 5, "neck": 3}),
    ]
    guidance = guide(feedback=feedback)
    assert guidance.interval_reason == (
        "Every 2 weeks for now because you told us your pain before sessions is rising "
        "(neck: 1 then 3 out of 10; lower back: 2 then 5 out of 10)."
    )


def test_rising_pain_ties_with_chronic_pain_and_names_the_feedback():
    guidance = guide(HealthFacts(lifestyle=frozenset({"chronic_back_pain"})), feedback=before_series(3, 5))
    assert guidance.interval_days == 14
    assert guidance.interval_reason.startswith("Every 2 weeks for now because you told us your pain")


def test_rising_pain_does_not_outrank_cleared_recovery():
    health = facts("recovering_back_injury", medical_clearance_on=YESTERDAY)
    assert guide(health, feedback=before_series(3, 5)).interval_reason == RECOVERING_REASON


# ----------------------------------------------------------------------------------------
# Feedback: pain after the latest session higher than before it
# ----------------------------------------------------------------------------------------

SMALL_RISE_TEXT = (
    "Some soreness after a massage can happen and usually settles in a day or two: rest the sore "
    "area and keep moving gently. See your GP if it persists."
)
BIG_RISE_TEXT = (
    "Your pain rose after your last session: rest the sore area and tell your therapist. "
    "Please contact your GP before your next massage and tell them about this pain or these "
    "symptoms. If it is severe or getting worse quickly, call NHS 111 (or 999 in an emergency)."
)


@pytest.mark.parametrize(
    ("before", "after", "big"),
    # A rise of 2+ or pain of 8+ after the session is what the feedback page and the brief send to
    # the GP (portal/feedback/meaning.py): the guidance must not call it soreness that "usually settles".
    [(3, 4, False), (3, 5, True), (3, 6, True), (0, 10, True), (7, 8, True), (6, 7, False)],
)
def test_pain_after_rise_triggers(before, after, big):
    guidance = guide(feedback=[fb(1, before={"shoulders": before}, after={"shoulders": after})])
    quoted = f"shoulders {before} before, {after} after"
    reason = f"because you told us it hurt more after your last session than before it ({quoted})"
    assert Advice(BIG_RISE_TEXT if big else SMALL_RISE_TEXT, reason) in guidance.advice
    if big:
        note = (f"Pain rose by 2 or more, or to 8 or more, after the last session ({quoted}): ask how it "
                "settled and work more lightly on that area.")
    else:
        note = f"Pain was higher after the last session ({quoted}): ask how it settled."
    assert note in guidance.therapist_note
    assert guidance.interval_days == 28  # pain after a session alone doesn't move the interval


@pytest.mark.parametrize(("before", "after"), [(3, 5), (7, 8), (0, 10), (3, 4), (6, 7)])
def test_aftercare_agrees_with_the_feedback_pages_gp_advice(before, after):
    """The feedback page flashes the GP advice exactly when meaning.safety_concerns finds a concern;
    the guidance page must then give the same advice, and never the "usually settles" one."""
    guidance = guide(feedback=[fb(1, before={"neck": before}, after={"neck": after})])
    texts = [a.text for a in guidance.advice]
    if safety_concerns(before={"neck": before}, after={"neck": after}):
        assert any(CLIENT_ADVICE in text for text in texts)
        assert not any("usually settles" in text for text in texts)
    else:
        assert SMALL_RISE_TEXT in texts


@pytest.mark.parametrize(("before", "after"), [(3, 3), (5, 2), (0, 0)])
def test_pain_after_not_higher_gives_no_aftercare(before, after):
    guidance = guide(feedback=[fb(1, before={"neck": before}, after={"neck": after})])
    assert guidance.advice == [guide().advice[0]]
    assert guidance.therapist_note == []


def test_pain_after_only_the_latest_session_counts():
    feedback = [fb(1, before={"neck": 2}, after={"neck": 7}), fb(2, before={"neck": 2}, after={"neck": 1})]
    assert not any("after your last session" in a.reason for a in guide(feedback=feedback).advice)


def test_pain_after_needs_both_scores_for_the_area():
    feedback = [fb(1, before={"neck": 2}, after={"lower_back": 9})]
    assert not any("after your last session" in a.reason for a in guide(feedback=feedback).advice)


def test_pain_after_several_areas_big_if_any_is_big():
    feedback = [fb(1, before={"neck": 2, "lower_back": 1}, after={"neck": 3, "lower_back": 4})]
    guidance = guide(feedback=feedback)
    assert Advice(
        BIG_RISE_TEXT,
        "because you told us it hurt more after your last session than before it "
        "(neck 2 before, 3 after; lower back 1 before, 4 after)",
    ) in guidance.advice


# ----------------------------------------------------------------------------------------
# Feedback: pressure
# ----------------------------------------------------------------------------------------

FIRMER_NOTE = "Use firmer pressure: client said too light twice in a row."
LIGHTER_NOTE = "Use lighter pressure: client said too firm twice in a row."


@pytest.mark.parametrize(
    ("answers", "note"),
    [
        (("too_firm", "too_firm"), LIGHTER_NOTE),
        (("just_right", "too_firm", "too_firm"), LIGHTER_NOTE),
        (("too_firm", None, "too_firm"), LIGHTER_NOTE),  # unanswered sessions are skipped
        (("too_light", "too_light"), FIRMER_NOTE),
        (("too_firm",), None),
        (("too_firm", "a_little_firm"), None),
        (("a_little_firm", "a_little_firm"), None),
        (("a_little_light", "a_little_light"), None),
        (("too_firm", "too_firm", "just_right"), None),
        (("too_light", "too_firm"), None),
        ((None, None), None),
    ],
)
def test_pressure_feedback(answers, note):
    feedback = [fb(i + 1, pressure=answer) for i, answer in enumerate(answers)]
    guidance = guide(feedback=feedback)
    pressure_notes = [n for n in guidance.therapist_note if "pressure" in n]
    assert pressure_notes == ([note] if note else [])
    pressure_advice = [a for a in guidance.advice if "pressure" in a.text]
    if note is LIGHTER_NOTE:
        assert pressure_advice == [Advice("We've asked your therapist to use lighter pressure.",
                                          "because you told us the pressure was too firm in your last 2 sessions")]
    elif note is FIRMER_NOTE:
        assert pressure_advice == [Advice("We've asked your therapist to use firmer pressure.",
                                          "because you told us the pressure was too light in your last 2 sessions")]
    else:
        assert pressure_advice == []


@pytest.mark.parametrize(("condition", "named"), [
    ("severe_osteoporosis", "severe osteoporosis"),  # "risk of fracture from pressure"
    ("clotting_disorder", "blood clotting disorder"),  # "risk of bruising or dangerous clot formation"
])
def test_too_light_never_asks_for_firmer_pressure_where_pressure_is_the_risk(condition, named):
    """The salon: severe osteoporosis ("risk of fracture from pressure") and clotting disorders
    ("risk of bruising"); the cleared note says "Use light pressure". "Too light" twice must not
    also tell the therapist "Use firmer pressure", nor the client that we asked for it."""
    cleared = facts(condition, medical_clearance_on=YESTERDAY, cleared_conditions=frozenset({condition}),
                    pressure_preference="firm")
    guidance = guide(cleared, feedback=[fb(1, "too_light"), fb(2, "too_light")])
    assert FIRMER_NOTE not in guidance.therapist_note
    assert f"Client said too light twice in a row, but keep to light pressure ({named})." in guidance.therapist_note
    assert f"Prefers firm pressure, but keep to light pressure ({named})." in guidance.therapist_note
    assert "Prefers firm pressure." not in guidance.therapist_note
    pressure_advice = [a for a in guidance.advice if "pressure" in a.text]
    assert pressure_advice == [Advice(
        f"Your therapist will still keep to light pressure because of your {named}.",
        "because you told us the pressure was too light in your last 2 sessions", CONDITIONS[condition].anchor)]


def test_too_firm_still_asks_for_lighter_pressure_with_a_light_pressure_condition():
    cleared = facts("severe_osteoporosis", medical_clearance_on=YESTERDAY,
                    cleared_conditions=frozenset({"severe_osteoporosis"}), pressure_preference="light")
    guidance = guide(cleared, feedback=[fb(1, "too_firm"), fb(2, "too_firm")])
    assert LIGHTER_NOTE in guidance.therapist_note and "Prefers light pressure." in guidance.therapist_note


# ----------------------------------------------------------------------------------------
# Therapist notes, advice and service
# ----------------------------------------------------------------------------------------


def test_pregnancy_therapist_note_with_due_date():
    guidance = guide(facts("pregnancy", due_date=date(2025, 9, 1)))
    assert guidance.therapist_note == [
        "Pregnancy: Adapt positioning to the pregnancy and avoid the pressure points and techniques "
        "contraindicated in pregnancy. Due date: 1 September 2025."
    ]
    assert guidance.level == SPECIAL_CARE


def test_profile_therapist_notes_in_order():
    health = HealthFacts(lifestyle=frozenset({"desk_worker"}), pressure_preference="firm",
                         problem_areas=frozenset({"lower_back", "neck"}))
    assert guide(health).therapist_note == [
        "Prefers firm pressure.",
        "Problem areas: neck, lower back.",
        "Desk worker: focus on the upper and lower back.",
    ]


def test_full_guidance_order_of_notes_and_advice():
    health = facts("severe_osteoporosis", "severe_sunburn", medical_clearance_on=YESTERDAY,
                   lifestyle=frozenset({"athlete"}), pressure_preference="light")
    feedback = [fb(1, "too_firm", {"neck": 2}, {"neck": 2}), fb(2, "too_firm", {"neck": 4}, {"neck": 5})]
    guidance = guide(health, completed=[date(2025, 5, 2)], feedback=feedback)
    assert [n.split(":")[0] for n in guidance.therapist_note] == [
        "Severe sunburn on the back", "Severe osteoporosis", "Pain was higher after the last session (neck 4 before, 5 after)",
        "Pain before sessions rising (neck 2 then 4 out of 10)", "Use lighter pressure", "Prefers light pressure.",
    ]
    assert [a.anchor for a in guidance.advice] == [
        None, None, None, None, "precaution-severe-sunburn", "precaution-severe-osteoporosis", None]
    assert guidance.advice[-1].text == "Book an extra session after a big event or race, as well as your regular ones."
    assert (guidance.next_due, guidance.overdue) == (date(2025, 5, 16), True)


@pytest.mark.parametrize("slug", ALL_CONDITIONS)
def test_every_advice_has_a_reason_and_precaution_advice_links(slug):
    health = facts(slug, lifestyle=frozenset({"desk_worker", "athlete", "chronic_back_pain"}))
    guidance = guide(health, completed=[YESTERDAY], feedback=before_series(1, 2, 3))
    assert all(a.reason.startswith("because ") for a in guidance.advice)
    linked = [a for a in guidance.advice if a.anchor]
    assert [a.anchor for a in linked] == [CONDITIONS[slug].anchor]


def test_cleared_precaution_advice_reason():
    guidance = guide(facts("recovering_back_injury", medical_clearance_on=YESTERDAY))
    assert guidance.advice[1] == Advice(
        "You recorded your GP's clearance on 14 June 2025, so this no longer stops you booking gentle sessions. Tell your "
        "therapist how the injury feels, and update your health profile if anything changes.",
        "because you told us you are recovering from a back injury and recorded that you have been cleared",
        "precaution-recovering-back-injury",
    )


@pytest.mark.parametrize(
    ("lifestyle", "areas", "service", "reason_start"),
    [
        ((), (), BACK_NECK_SHOULDER, "because it is our focused back massage"),
        (("desk_worker",), (), BACK_NECK_SHOULDER, "because you told us you work at a desk"),
        (("desk_worker", "athlete"), (), BACK_NECK_SHOULDER, "because you told us you work at a desk"),
        (("chronic_back_pain", "athlete"), (), BACK_NECK_SHOULDER,
         "because you told us you have chronic back pain"),
        (("recovering_injury",), (), BACK_NECK_SHOULDER,
         "because you told us you are recovering from a back injury"),
        (("athlete",), ("neck",), FULL_BODY, "because you told us you are physically active"),
        ((), ("neck", "shoulders"), INDIAN_HEAD,
         "because you told us your problem areas are your neck and shoulders: Indian Head Massage "
         "(includes upper back) covers the head, neck, shoulders and upper back"),
        ((), ("upper_back",), INDIAN_HEAD, "because you told us your problem areas are your upper back"),
        # Indian Head Massage doesn't reach the lower back, so the back massage covers both.
        ((), ("neck", "lower_back"), BACK_NECK_SHOULDER,
         "because you told us your problem areas are your neck and lower back: Back, Neck & Shoulder "
         "Massage covers the neck, shoulders, upper back and lower back"),
    ],
)
def test_suggested_service(lifestyle, areas, service, reason_start):
    guidance = guide(HealthFacts(lifestyle=frozenset(lifestyle), problem_areas=frozenset(areas)))
    assert guidance.suggested_service == service
    assert guidance.service_reason.startswith(reason_start)


def test_suggestion_follows_the_catalogue_it_is_given_not_a_slug():
    upper = frozenset({"upper_back"})
    # Catalogue order and ids don't matter: the areas do.
    assert suggest_service(CATALOGUE[::-1], frozenset(), upper)[0] == INDIAN_HEAD
    # Without Indian Head Massage the back massage, which also covers the upper back, fits.
    assert suggest_service((FULL_BODY, BACK_NECK_SHOULDER), frozenset(), upper)[0] == BACK_NECK_SHOULDER
    # A new service that covers exactly the problem areas and nothing else wins.
    shoulders = CatalogueService(9, "Shoulder Release", frozenset({"shoulders", "upper_back"}), 4000)
    chosen, reason = suggest_service((*CATALOGUE, shoulders), frozenset(), frozenset({"shoulders", "upper_back"}))
    assert chosen == shoulders
    assert reason.endswith("Shoulder Release covers the shoulders and upper back")
    # Equal fits: the cheaper one (Indian Head at £30 over Back, Neck & Shoulder at £35).
    dearer_head = CatalogueService(3, INDIAN_HEAD.name, INDIAN_HEAD.areas, 4000)
    assert suggest_service((BACK_NECK_SHOULDER, dearer_head), frozenset(), frozenset({"neck"}))[0] \
        == BACK_NECK_SHOULDER
    # Without a full-body service, an athlete gets the one that covers the most of the body.
    legs = CatalogueService(8, "Leg Recovery", frozenset({"legs", "feet"}), 2000)
    assert suggest_service((legs, BACK_NECK_SHOULDER), frozenset({"athlete"}), frozenset())[0] \
        == BACK_NECK_SHOULDER
    assert suggest_service((), frozenset({"athlete"}), frozenset())[0] is None


def test_desk_worker_advice():
    guidance = guide(HealthFacts(lifestyle=frozenset({"desk_worker"})))
    assert guidance.advice[1:] == [Advice(
        "Ask your therapist to focus on your upper and lower back.",
        "because you told us you work at a desk: keyboard work tightens the upper back and sitting "
        "compresses the lower back",
    )]


# ----------------------------------------------------------------------------------------
# describe_changes
# ----------------------------------------------------------------------------------------


def test_first_profile_describes_everything():
    new = facts("pregnancy", "severe_osteoporosis", due_date=date(2025, 9, 1), lifestyle=frozenset({"athlete"}),
                problem_areas=frozenset({"lower_back", "neck"}), pressure_preference="medium")
    assert describe_changes(None, new) == [
        "Added: Severe osteoporosis.",
        "Added: Pregnancy.",
        "Due date recorded: 1 September 2025.",
        "Lifestyle added: physically active.",
        "Problem areas added: neck, lower back.",
        "Pressure preference set to medium.",
    ]


def test_no_change_describes_nothing():
    same = facts("pregnancy", medical_clearance_on=YESTERDAY)
    assert describe_changes(same, facts("pregnancy", medical_clearance_on=YESTERDAY)) == []
    assert describe_changes(None, HealthFacts()) == []


def test_conditions_healed_removed_added():
    old = facts("severe_sunburn", "clotting_disorder", "acute_back_injury")
    new = facts("pregnancy")
    assert describe_changes(old, new) == [
        "Added: Pregnancy.",
        "Removed: Acute back injury that needs medical attention.",  # never "healed" in one click
        "Marked healed: Severe sunburn on the back.",
        "Removed: Blood clotting disorder.",
    ]


@pytest.mark.parametrize(
    ("before", "after", "sentence"),
    [
        (None, date(2025, 6, 1), "GP clearance recorded: 1 June 2025."),
        (date(2025, 6, 1), date(2025, 6, 9), "GP clearance changed from 1 June 2025 to 9 June 2025."),
        (date(2025, 6, 1), None, "GP clearance removed (was 1 June 2025)."),
    ],
)
def test_clearance_changes(before, after, sentence):
    assert describe_changes(facts(medical_clearance_on=before), facts(medical_clearance_on=after)) == [sentence]


def test_diagnosis_and_due_date_changes():
    old = facts(due_date=date(2025, 9, 1))
    new = facts(due_date=date(2025, 9, 8), acute_injury_diagnosed_on=date(2025, 6, 2))
    assert describe_changes(old, new) == [
        "Diagnosis of the acute back injury recorded: 2 June 2025.",
        "Due date changed from 1 September 2025 to 8 September 2025.",
    ]


def test_lifestyle_areas_and_pressure_changes():
    old = HealthFacts(lifestyle=frozenset({"athlete", "desk_worker"}), problem_areas=frozenset({"neck"}),
                      pressure_preference="firm")
    new = HealthFacts(lifestyle=frozenset({"chronic_back_pain", "desk_worker"}),
                      problem_areas=frozenset({"upper_back", "lower_back"}), pressure_preference="light")
    assert describe_changes(old, new) == [
        "Lifestyle added: chronic back pain.",
        "Lifestyle removed: physically active.",
        "Problem areas added: upper back, lower back.",
        "Problem areas removed: neck.",
        "Pressure preference changed from firm to light.",
    ]
    assert describe_changes(new, HealthFacts(lifestyle=new.lifestyle, problem_areas=new.problem_areas)) == [
        "Pressure preference removed (was light)."]


# ----------------------------------------------------------------------------------------
# Input validation: a typo must never skip a precaution
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"conditions": frozenset({"sunburn"})},
        {"conditions": "pregnancy"},  # a bare string is not a set of slugs
        {"lifestyle": frozenset({"runner"})},
        {"problem_areas": frozenset({"head"})},
        {"pressure_preference": "hard"},
        {"conditions_recorded_on": {"flu": TODAY}},
        {"cleared_conditions": {"flu"}},
    ],
)
def test_health_facts_rejects_unknown_values(kwargs):
    with pytest.raises(ValueError):
        HealthFacts(**kwargs)


def test_health_facts_accepts_any_iterable_as_a_set():
    health = HealthFacts(conditions=["pregnancy"], lifestyle={"athlete"})
    assert health.conditions == frozenset({"pregnancy"})
    assert health.lifestyle == frozenset({"athlete"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pressure": "very_firm"},
        {"pain_before": {"neck": 11}},
        {"pain_after": {"neck": -1}},
        {"pain_before": {"neck": 2.5}},
        {"pain_before": {"neck": True}},
        {"pain_after": {"knee": 3}},
    ],
)
def test_session_feedback_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        SessionFeedback(session_on=TODAY, **kwargs)


# --- one next due date: an upcoming booking moves it (issue 12, item 10) ---


def test_next_due_date_follows_the_last_upcoming_booking():
    from portal.guidance.rules import next_due_date
    today = date(2026, 11, 25)
    last = date(2026, 11, 11)
    assert next_due_date([last], [], 28, today) == (date(2026, 12, 9), False, None)
    # Booked for 30 November: due 28 days after that, whatever the last session said.
    assert next_due_date([last], [date(2026, 11, 30)], 28, today) == (date(2026, 12, 28), False, date(2026, 11, 30))
    # The last of several bookings; a booking before today (bad data) is ignored.
    assert next_due_date([last], [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 5)], 14, today) == (
        date(2027, 1, 19), False, date(2027, 1, 5))
    # Overdue only without a booking; a booking without any completed session still gives a date.
    assert next_due_date([date(2026, 10, 1)], [], 28, today) == (date(2026, 10, 29), True, None)
    assert next_due_date([], [date(2026, 12, 2)], 21, today) == (date(2026, 12, 23), False, date(2026, 12, 2))
    assert next_due_date([], [], 28, today) == (None, False, None)


def test_guidance_says_why_the_due_date_follows_a_booking():
    today = date(2026, 11, 25)
    plain = guidance_for(HealthFacts(), [date(2026, 11, 11)], [], today)
    assert (plain.next_due, plain.due_after_booking) == (date(2026, 12, 9), None)
    assert plain.due_reason == "every 4 weeks after your last session"
    booked = guidance_for(HealthFacts(), [date(2026, 11, 11)], [], today, booked=[date(2026, 11, 30)])
    assert (booked.next_due, booked.overdue, booked.due_after_booking) == (date(2026, 12, 28), False, date(2026, 11, 30))
    assert booked.due_reason == "after your booking on 30 November 2026 (every 4 weeks)"
    assert booked.advice[0] == Advice("Your next session is due around 28 December 2026.",
                                      "because you are already booked for 30 November 2026 and we suggest every 4 weeks")
