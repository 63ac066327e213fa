"""Profile content as plain data: serialisation, dating, and what changed. No Flask."""

from __future__ import annotations

from datetime import date

from portal.profile.content import ConditionEntry, ProfileContent, changes_between, from_json, to_json

D1, D2, D3 = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)

FULL = ProfileContent(
    conditions={"pregnancy": ConditionEntry("second baby", D1), "severe_osteoporosis": ConditionEntry("", D2)},
    medical_clearance_on=D2, clearance_recorded_on=D2, clearance_source="Dr Patel",
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
    dated = edited.dated_from(previous, D3)
    assert dated.conditions["severe_osteoporosis"].recorded_on == D1
    assert dated.conditions["clotting_disorder"].recorded_on == D3
    assert dated.clearance_recorded_on == D1
    # Added after the clearance was entered: the rules must not count that clearance for it.
    assert dated.to_facts().conditions_recorded_on == {"clotting_disorder": D3}
    renewed = ProfileContent(conditions=dated.conditions, medical_clearance_on=D3).dated_from(dated, D3)
    assert renewed.clearance_recorded_on == D3 and renewed.to_facts().conditions_recorded_on == {}


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
