"""Profile content as plain data: serialisation, dating, and what changed. No Flask."""

from __future__ import annotations

import json
from datetime import date

import pytest

from portal.guidance.rules import ASK_GP, CODE_NEEDS_CLEARANCE, SPECIAL_CARE, booking_decision, precautions_for
from portal.profile.content import (
    ConditionEntry,
    ProfileContent,
    changes_across,
    changes_between,
    from_json,
    to_json,
)

D1, D2, D3 = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)

FULL = ProfileContent(
    conditions={"pregnancy": ConditionEntry("second baby", D1), "severe_osteoporosis": ConditionEntry("", D2)},
    medical_clearance_on=D2, clearance_recorded_on=D2, clearance_source="Dr Patel",
    cleared_conditions=frozenset({"severe_osteoporosis"}),
    acute_injury_diagnosed_on=None, due_date=date(2027, 3, 1),
    lifestyle=frozenset({"desk_worker"}), activity="yoga", problem_areas=frozenset({"neck", "lower_back"}),
    pressure_preference="light", notes_for_therapist="Café au lait, “quotes” and ünïcode",
)


def test_json_round_trip_is_exact():
    assert from_json(to_json(FULL)) == FULL


def test_dating_keeps_first_recorded_dates_and_dates_new_things_today():
    previous = ProfileContent(conditions={"severe_osteoporosis": ConditionEntry("", D1)},
                              medical_clearance_on=D1, clearance_recorded_on=D1)
    edited = ProfileContent(conditions={"severe_osteoporosis": ConditionEntry(), "clotting_disorder": ConditionEntry()},
                            medical_clearance_on=D1)
    dated = edited.dated_from(previous.dated_from(None, D1), D3)
    assert dated.conditions["severe_osteoporosis"].recorded_on == D1
    assert dated.conditions["clotting_disorder"].recorded_on == D3
    assert dated.clearance_recorded_on == D1
    # Added after the clearance was entered: the rules must not count that clearance for it.
    assert dated.cleared_conditions == {"severe_osteoporosis"}
    renewed = ProfileContent(conditions=dated.conditions, medical_clearance_on=D3).dated_from(dated, D3)
    assert renewed.clearance_recorded_on == D3
    assert renewed.cleared_conditions == {"severe_osteoporosis", "clotting_disorder"}


def _levels(content: ProfileContent) -> dict[str, str]:
    return {p.condition: p.level for p in precautions_for(content.to_facts(), D3)}


def test_a_clearance_covers_what_was_on_the_profile_in_that_save_only():
    osteoporosis = {"severe_osteoporosis": ConditionEntry()}
    first = ProfileContent(conditions=osteoporosis).dated_from(None, D3)
    cleared = ProfileContent(conditions=osteoporosis, medical_clearance_on=D3,
                             clearance_source="Dr Patel").dated_from(first, D3)
    assert cleared.cleared_conditions == {"severe_osteoporosis"}
    # A minute later, the same day: the clotting disorder is news to the GP.
    later = ProfileContent(conditions={**osteoporosis, "clotting_disorder": ConditionEntry()},
                           medical_clearance_on=D3, clearance_source="Dr Patel").dated_from(cleared, D3)
    assert later.cleared_conditions == {"severe_osteoporosis"}
    assert _levels(later) == {"severe_osteoporosis": SPECIAL_CARE, "clotting_disorder": ASK_GP}
    assert booking_decision(later.to_facts(), True, True, D3).code == CODE_NEEDS_CLEARANCE
    # Removing a condition drops it from the coverage; adding it back needs a new clearance.
    removed = ProfileContent(conditions={"clotting_disorder": ConditionEntry()}, medical_clearance_on=D3,
                             clearance_source="Dr Patel").dated_from(later, D3)
    assert removed.cleared_conditions == frozenset()
    back = ProfileContent(conditions={**osteoporosis, "clotting_disorder": ConditionEntry()},
                          medical_clearance_on=D3, clearance_source="Dr Patel").dated_from(removed, D3)
    assert _levels(back) == {"severe_osteoporosis": ASK_GP, "clotting_disorder": ASK_GP}
    # A new clearance (another doctor, the same day) covers both.
    renewed = replace_source(back, "Dr Okafor").dated_from(back, D3)
    assert renewed.cleared_conditions == {"severe_osteoporosis", "clotting_disorder"}
    assert set(_levels(renewed).values()) == {SPECIAL_CARE}


def replace_source(content: ProfileContent, source: str) -> ProfileContent:
    return ProfileContent(conditions=content.conditions, medical_clearance_on=content.medical_clearance_on,
                          clearance_source=source)


def test_saving_recomputes_coverage_whatever_the_content_claims():
    previous = ProfileContent(medical_clearance_on=D2).dated_from(None, D1)
    claimed = ProfileContent(conditions={"clotting_disorder": ConditionEntry()}, medical_clearance_on=D2,
                             cleared_conditions=frozenset({"clotting_disorder"}))
    assert claimed.dated_from(previous, D3).cleared_conditions == frozenset()


def _schema_1(**overrides) -> bytes:
    """A revision as the portal sealed it before coverage was kept."""
    document = {
        "schema": 1, "conditions": {}, "medical_clearance_on": None, "clearance_recorded_on": None,
        "clearance_source": "", "acute_injury_diagnosed_on": None, "due_date": None, "lifestyle": [],
        "activity": "", "problem_areas": [], "pressure_preference": None, "notes_for_therapist": "",
    }
    document.update(overrides)
    return json.dumps(document).encode()


def test_old_revisions_still_open_with_their_coverage_rebuilt_from_dates():
    old = from_json(_schema_1(
        conditions={"severe_osteoporosis": {"detail": "hips", "recorded_on": D1.isoformat()},
                    "clotting_disorder": {"detail": "", "recorded_on": D3.isoformat()}},
        medical_clearance_on=D2.isoformat(), clearance_recorded_on=D2.isoformat(), clearance_source="Dr Patel",
    ))
    assert old.conditions["severe_osteoporosis"] == ConditionEntry("hips", D1)
    assert old.cleared_conditions == {"severe_osteoporosis"}  # clotting was recorded after the clearance
    assert old.acute_injury_diagnosed_by == ""
    assert _levels(old) == {"severe_osteoporosis": SPECIAL_CARE, "clotting_disorder": ASK_GP}
    assert from_json(_schema_1()) == ProfileContent()
    assert json.loads(to_json(old))["schema"] == 3 and from_json(to_json(old)) == old
    with pytest.raises(ValueError):
        from_json(_schema_1(schema=99))


def test_due_date_only_counts_while_pregnant():
    assert ProfileContent(due_date=D3).to_facts().due_date is None
    assert FULL.to_facts().due_date == date(2027, 3, 1)


def test_changes_between_revisions_name_what_changed():
    later = ProfileContent(
        conditions={"pregnancy": ConditionEntry("twins", D1), "severe_osteoporosis": ConditionEntry("", D2),
                    "severe_sunburn": ConditionEntry("", D3)},
        medical_clearance_on=D2, clearance_recorded_on=D2, clearance_source="Dr Patel", due_date=date(2027, 3, 1),
        lifestyle=frozenset({"desk_worker"}), activity="", problem_areas=frozenset({"neck", "lower_back"}),
        pressure_preference="light", notes_for_therapist="new notes",
    )
    changes = changes_between(FULL, later)
    text = " ".join(changes).lower()
    assert "sunburn" in text
    assert "pregnancy: details changed to “twins”." in text
    assert "sport or activity removed." in text
    assert "notes for the therapist changed." in text
    assert changes_between(FULL, FULL) == []


def test_details_typed_with_a_new_condition_are_in_the_changes():
    first = ProfileContent(conditions={"open_wound": ConditionEntry("left shoulder blade")})
    assert "Open wound on the back: details \u201cleft shoulder blade\u201d." in changes_between(None, first)
    later = ProfileContent(conditions={"open_wound": ConditionEntry("left shoulder blade"),
                                       "severe_sunburn": ConditionEntry("across the shoulders")})
    assert changes_between(first, later) == [
        "Added: Severe sunburn on the back.",
        "Severe sunburn on the back: details \u201cacross the shoulders\u201d.",
    ]


def test_changes_across_revisions_show_conditions_that_came_and_went():
    start = ProfileContent(conditions={"pregnancy": ConditionEntry(), "clotting_disorder": ConditionEntry()})
    revisions = [
        ProfileContent(conditions={"pregnancy": ConditionEntry(), "clotting_disorder": ConditionEntry(),
                                   "severe_sunburn": ConditionEntry(), "acute_back_injury": ConditionEntry()}),
        ProfileContent(conditions={"pregnancy": ConditionEntry()}),
        ProfileContent(conditions={"pregnancy": ConditionEntry(), "clotting_disorder": ConditionEntry()}),
    ]
    assert changes_across(start, revisions) == [
        "Added, then removed: Acute back injury that needs medical attention.",
        "Added, then marked healed: Severe sunburn on the back.",
        "Removed, then added again: Blood clotting disorder.",
    ]
    assert changes_across(start, []) == []
    assert changes_across(None, revisions[-1:]) == changes_between(None, revisions[-1])
