"""What a health profile holds, as plain data: serialised (then sealed) per revision,
turned into the HealthFacts the guidance rules read, and compared between revisions.
No Flask here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from portal.formatting import iso_or_none
from portal.guidance.rules import (
    CONDITIONS,
    HealthFacts,
    describe_changes,
    gp_clearable,
)

# 3 added the client's goals; 2 added the diagnosis's author and the clearance's coverage; 1
# and 2 are still read (sealed revisions are never rewritten), 1's coverage rebuilt from the
# dates it kept, and both without goals.
SCHEMA_VERSION = 3
READABLE_SCHEMAS = (1, 2, 3)
DETAIL_MAX = 300
GOALS_OWN_WORDS_MAX = 300

# "What you hope to achieve" (the seed): the choices offered, in the order shown, and how each
# reads in a sentence ("You hope for less pain at work and to sleep better").
GOALS = {
    "less_pain_at_work": "less pain at work",
    "move_more_freely": "move more freely",
    "sleep_better": "sleep better",
    "relax": "relax",
    "recover_from_sport": "recover from sport",
}
NOTES_MAX = 2000
SHORT_TEXT_MAX = 200


@dataclass(frozen=True)
class ConditionEntry:
    detail: str = ""  # e.g. where the wound is, which GP is treating it
    recorded_on: date | None = None  # when the client first told us; a clearance must not predate it


@dataclass(frozen=True)
class ProfileContent:
    conditions: dict[str, ConditionEntry] = field(default_factory=dict)
    medical_clearance_on: date | None = None
    # The day the client entered that clearance here: it covers the conditions on the profile
    # then, not ones added later (the GP was never asked about those).
    clearance_recorded_on: date | None = None
    clearance_source: str = ""  # who cleared them, e.g. "Dr Patel, Gosforth Surgery"
    # The conditions that clearance covers: the ones on the profile in the save that entered
    # it, less any removed since. Set by `dated_from`, never taken from a form.
    cleared_conditions: frozenset[str] = frozenset()
    acute_injury_diagnosed_on: date | None = None
    acute_injury_diagnosed_by: str = ""  # who diagnosed it, e.g. "Dr Shah, RVI A&E"
    due_date: date | None = None
    lifestyle: frozenset[str] = frozenset()
    activity: str = ""  # their sport or training, in their words
    problem_areas: frozenset[str] = frozenset()
    pressure_preference: str | None = None
    notes_for_therapist: str = ""
    goals: frozenset[str] = frozenset()  # GOALS keys
    goals_own_words: str = ""  # "what you hope to achieve", in their words

    def goal_list(self) -> list[str]:
        """The goals as read: the chosen ones in GOALS order, then the client's own words."""
        chosen = [label for slug, label in GOALS.items() if slug in self.goals]
        return chosen + ([self.goals_own_words] if self.goals_own_words else [])

    def to_facts(self) -> HealthFacts:
        return HealthFacts(
            conditions=frozenset(self.conditions),
            medical_clearance_on=self.medical_clearance_on,
            acute_injury_diagnosed_on=self.acute_injury_diagnosed_on,
            acute_injury_diagnosed_by=self.acute_injury_diagnosed_by,
            due_date=self.due_date if "pregnancy" in self.conditions else None,
            lifestyle=self.lifestyle,
            problem_areas=self.problem_areas,
            pressure_preference=self.pressure_preference,
            # Coverage is always known here: content that was never dated covers nothing.
            cleared_conditions=self.cleared_conditions if self.medical_clearance_on else frozenset(),
        )

    def _clearable(self) -> frozenset[str]:
        """Conditions a GP clearance could cover (the "recovering" lifestyle answer included)."""
        return gp_clearable(HealthFacts(conditions=frozenset(self.conditions),
                                        lifestyle=self.lifestyle).active_conditions())

    def without_condition(self, slug: str) -> ProfileContent:
        remaining = {k: v for k, v in self.conditions.items() if k != slug}
        return replace(self, conditions=remaining)

    def dated_from(self, previous: ProfileContent | None, today: date) -> ProfileContent:
        """Keep the date each continuing condition (and the clearance) was first recorded;
        anything new dates from today."""
        earlier = previous.conditions if previous else {}
        conditions = {
            slug: replace(entry, recorded_on=earlier[slug].recorded_on if slug in earlier and
                          earlier[slug].recorded_on else today)
            for slug, entry in self.conditions.items()
        }
        if self.medical_clearance_on is None:
            clearance_recorded_on, covered = None, frozenset()
        elif previous and (previous.medical_clearance_on, previous.clearance_source) == (
                self.medical_clearance_on, self.clearance_source):
            # The same clearance: it still covers what it covered, less what was removed (a
            # condition removed and added again later is new to the GP).
            clearance_recorded_on = previous.clearance_recorded_on or today
            covered = previous.cleared_conditions & self._clearable()
        else:
            # Entered or changed now: it covers what the client tells us about in this save.
            clearance_recorded_on, covered = today, self._clearable()
        return replace(self, conditions=conditions, clearance_recorded_on=clearance_recorded_on,
                       cleared_conditions=covered)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def to_json(content: ProfileContent) -> bytes:
    document = {
        "schema": SCHEMA_VERSION,
        "conditions": {
            slug: {"detail": entry.detail, "recorded_on": iso_or_none(entry.recorded_on)}
            for slug, entry in sorted(content.conditions.items())
        },
        "medical_clearance_on": iso_or_none(content.medical_clearance_on),
        "clearance_recorded_on": iso_or_none(content.clearance_recorded_on),
        "clearance_source": content.clearance_source,
        "cleared_conditions": sorted(content.cleared_conditions),
        "acute_injury_diagnosed_on": iso_or_none(content.acute_injury_diagnosed_on),
        "acute_injury_diagnosed_by": content.acute_injury_diagnosed_by,
        "due_date": iso_or_none(content.due_date),
        "lifestyle": sorted(content.lifestyle),
        "activity": content.activity,
        "problem_areas": sorted(content.problem_areas),
        "pressure_preference": content.pressure_preference,
        "notes_for_therapist": content.notes_for_therapist,
        "goals": sorted(content.goals),
        "goals_own_words": content.goals_own_words,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()


def same_revision(previous: ProfileContent | None, content: ProfileContent) -> bool:
    """Would `content` (dated, as `save_profile` stores it) be stored exactly as `previous` was?"""
    return previous is not None and to_json(previous) == to_json(content)


def from_json(raw: bytes) -> ProfileContent:
    document = json.loads(raw)
    if document.get("schema") not in READABLE_SCHEMAS:
        raise ValueError(f"unknown health profile schema {document.get('schema')!r}")
    content = ProfileContent(
        conditions={
            slug: ConditionEntry(detail=entry.get("detail", ""), recorded_on=_day(entry.get("recorded_on")))
            for slug, entry in document["conditions"].items()
        },
        medical_clearance_on=_day(document["medical_clearance_on"]),
        clearance_recorded_on=_day(document.get("clearance_recorded_on")),
        clearance_source=document["clearance_source"],
        cleared_conditions=frozenset(document.get("cleared_conditions", ())),
        acute_injury_diagnosed_on=_day(document["acute_injury_diagnosed_on"]),
        acute_injury_diagnosed_by=document.get("acute_injury_diagnosed_by", ""),
        due_date=_day(document["due_date"]),
        lifestyle=frozenset(document["lifestyle"]),
        activity=document["activity"],
        problem_areas=frozenset(document["problem_areas"]),
        pressure_preference=document["pressure_preference"],
        notes_for_therapist=document["notes_for_therapist"],
        goals=frozenset(g for g in document.get("goals", ()) if g in GOALS),
        goals_own_words=document.get("goals_own_words", ""),
    )
    return _with_legacy_coverage(content) if document["schema"] == 1 else content


def _with_legacy_coverage(content: ProfileContent) -> ProfileContent:
    """Schema 1 kept dates, not coverage: the clearance covers the conditions recorded no later
    than the day it was entered (what schema 1's rules allowed); unknown dates count as covered."""
    if content.medical_clearance_on is None:
        return content
    entered = content.clearance_recorded_on
    covered = frozenset(
        slug for slug in content._clearable()
        if entered is None or slug not in content.conditions
        or content.conditions[slug].recorded_on is None or content.conditions[slug].recorded_on <= entered
    )
    return replace(content, cleared_conditions=covered)


def changes_between(old: ProfileContent | None, new: ProfileContent) -> list[str]:
    """What changed, in sentences a therapist can read at a glance ("changed since last visit")."""
    changes = describe_changes(old.to_facts() if old else None, new.to_facts())
    for slug, entry in new.conditions.items():
        before = old.conditions.get(slug) if old else None
        if before is None and entry.detail:  # details typed with a new condition
            changes.append(f"{CONDITIONS[slug].label}: details \u201c{entry.detail}\u201d.")
        elif before is not None and before.detail != entry.detail:
            changes.append(f"{CONDITIONS[slug].label}: details changed to \u201c{entry.detail}\u201d."
                           if entry.detail else f"{CONDITIONS[slug].label}: details removed.")
    first, old = old is None, old or ProfileContent()
    if old.acute_injury_diagnosed_by != new.acute_injury_diagnosed_by and new.acute_injury_diagnosed_by:
        changes.append(f"Diagnosed by: {new.acute_injury_diagnosed_by}.")
    if old.clearance_source != new.clearance_source and new.clearance_source:
        changes.append(f"Clearance given by: {new.clearance_source}.")
    if new.cleared_conditions - old.cleared_conditions:  # a new clearance, not a removal
        covered = [rule.label for slug, rule in CONDITIONS.items() if slug in new.cleared_conditions]
        changes.append("GP clearance covers: " + ", ".join(covered) + ".")
    if first:  # the rest is in the brief anyway; "changed" would mislead
        return changes
    if old.activity != new.activity:
        changes.append(f"Sport or activity: {new.activity}." if new.activity else "Sport or activity removed.")
    if old.goal_list() != new.goal_list():
        changes.append("Goals: " + "; ".join(new.goal_list()) + "." if new.goal_list() else "Goals removed.")
    if old.notes_for_therapist != new.notes_for_therapist:
        changes.append("Notes for the therapist changed." if new.notes_for_therapist
                       else "Notes for the therapist removed.")
    return changes


def changes_across(old: ProfileContent | None, revisions: Sequence[ProfileContent]) -> list[str]:
    """What changed from `old` through every later revision (oldest first): the net change,
    then conditions that came and went in between, which the net change alone would hide."""
    if not revisions:
        return []
    final = revisions[-1]
    changes = changes_between(old, final)
    before, after = set(old.conditions) if old else set(), set(final.conditions)
    held = [set(content.conditions) for content in revisions]
    came_and_went = set().union(*held) - before - after
    went_and_came = (before & after) - set.intersection(*held)
    for slug, rule in CONDITIONS.items():
        if slug in came_and_went:
            gone = "marked healed" if rule.heals_in_one_click else "removed"
            changes.append(f"Added, then {gone}: {rule.label}.")
        elif slug in went_and_came:
            changes.append(f"Removed, then added again: {rule.label}.")
    return changes

