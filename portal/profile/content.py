"""What a health profile holds, as plain data: serialised (then sealed) per revision,
turned into the HealthFacts the guidance rules read, and compared between revisions.
No Flask here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date

from portal.guidance.rules import (
    CONDITIONS,
    HealthFacts,
    describe_changes,
)

SCHEMA_VERSION = 1
DETAIL_MAX = 300
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
    acute_injury_diagnosed_on: date | None = None
    due_date: date | None = None
    lifestyle: frozenset[str] = frozenset()
    activity: str = ""  # their sport or training, in their words
    problem_areas: frozenset[str] = frozenset()
    pressure_preference: str | None = None
    notes_for_therapist: str = ""

    def to_facts(self) -> HealthFacts:
        return HealthFacts(
            conditions=frozenset(self.conditions),
            medical_clearance_on=self.medical_clearance_on,
            acute_injury_diagnosed_on=self.acute_injury_diagnosed_on,
            due_date=self.due_date if "pregnancy" in self.conditions else None,
            lifestyle=self.lifestyle,
            problem_areas=self.problem_areas,
            pressure_preference=self.pressure_preference,
            conditions_recorded_on=self._added_after_clearance(),
        )

    def _added_after_clearance(self) -> dict[str, date]:
        """Conditions recorded after the clearance was entered: the rules then want a newer one."""
        if self.clearance_recorded_on is None:
            return {}
        return {
            slug: entry.recorded_on for slug, entry in self.conditions.items()
            if entry.recorded_on and entry.recorded_on > self.clearance_recorded_on
        }

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
            clearance_recorded_on = None
        elif previous and previous.medical_clearance_on == self.medical_clearance_on:
            clearance_recorded_on = previous.clearance_recorded_on or today
        else:
            clearance_recorded_on = today
        return replace(self, conditions=conditions, clearance_recorded_on=clearance_recorded_on)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def to_json(content: ProfileContent) -> bytes:
    document = {
        "schema": SCHEMA_VERSION,
        "conditions": {
            slug: {"detail": entry.detail, "recorded_on": _iso(entry.recorded_on)}
            for slug, entry in sorted(content.conditions.items())
        },
        "medical_clearance_on": _iso(content.medical_clearance_on),
        "clearance_recorded_on": _iso(content.clearance_recorded_on),
        "clearance_source": content.clearance_source,
        "acute_injury_diagnosed_on": _iso(content.acute_injury_diagnosed_on),
        "due_date": _iso(content.due_date),
        "lifestyle": sorted(content.lifestyle),
        "activity": content.activity,
        "problem_areas": sorted(content.problem_areas),
        "pressure_preference": content.pressure_preference,
        "notes_for_therapist": content.notes_for_therapist,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()


def from_json(raw: bytes) -> ProfileContent:
    document = json.loads(raw)
    if document.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"unknown health profile schema {document.get('schema')!r}")
    return ProfileContent(
        conditions={
            slug: ConditionEntry(detail=entry.get("detail", ""), recorded_on=_day(entry.get("recorded_on")))
            for slug, entry in document["conditions"].items()
        },
        medical_clearance_on=_day(document["medical_clearance_on"]),
        clearance_recorded_on=_day(document.get("clearance_recorded_on")),
        clearance_source=document["clearance_source"],
        acute_injury_diagnosed_on=_day(document["acute_injury_diagnosed_on"]),
        due_date=_day(document["due_date"]),
        lifestyle=frozenset(document["lifestyle"]),
        activity=document["activity"],
        problem_areas=frozenset(document["problem_areas"]),
        pressure_preference=document["pressure_preference"],
        notes_for_therapist=document["notes_for_therapist"],
    )


def changes_between(old: ProfileContent | None, new: ProfileContent) -> list[str]:
    """What changed, in sentences a therapist can read at a glance ("changed since last visit")."""
    changes = describe_changes(old.to_facts() if old else None, new.to_facts())
    if old is None:
        return changes
    for slug, entry in new.conditions.items():
        before = old.conditions.get(slug)
        if before is not None and before.detail != entry.detail:
            changes.append(f"{CONDITIONS[slug].label}: details changed to \u201c{entry.detail}\u201d."
                           if entry.detail else f"{CONDITIONS[slug].label}: details removed.")
    if old.clearance_source != new.clearance_source and new.clearance_source:
        changes.append(f"Clearance given by: {new.clearance_source}.")
    if old.activity != new.activity:
        changes.append(f"Sport or activity: {new.activity}." if new.activity else "Sport or activity removed.")
    if old.notes_for_therapist != new.notes_for_therapist:
        changes.append("Notes for the therapist changed." if new.notes_for_therapist
                       else "Notes for the therapist removed.")
    return changes

