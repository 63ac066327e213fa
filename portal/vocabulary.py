"""The body areas a service can work on: one controlled vocabulary for the catalogue, the
booking gate and guidance.

Plain Python (no Flask, no database), below the models and the pure rules, so both can use it.
The admin will pick a service's areas from `BODY_AREAS` (its keys are what the database
holds, its values the labels to show).

How the salon's words map onto it:
* "back" is two areas, `upper_back` and `lower_back`, because the pain areas clients score
  split it there and Indian Head Massage covers only the upper back. A service "works on the
  back" (what the booking gate asks) when it covers either (`works_on_back`).
* "whole body" is not a key of its own: a full-body service holds every area, so "does it
  cover the lower back?" has one answer whichever way the service was described.
"""

from __future__ import annotations

from collections.abc import Iterable

# In the order they are shown: top of the body downwards.
BODY_AREAS: dict[str, str] = {
    "head": "head",
    "neck": "neck",
    "shoulders": "shoulders",
    "upper_back": "upper back",
    "lower_back": "lower back",
    "arms": "arms",
    "hands": "hands",
    "legs": "legs",
    "feet": "feet",
}

# The areas clients score pain in and name as problem areas (a subset of the above).
PAIN_AREAS: dict[str, str] = {key: BODY_AREAS[key] for key in ("neck", "shoulders", "upper_back", "lower_back")}

BACK_AREAS = frozenset({"upper_back", "lower_back"})
WHOLE_BODY = frozenset(BODY_AREAS)


class UnknownBodyArea(ValueError):
    """An area that is not in the vocabulary (a typo would otherwise silently weaken the gate)."""


def checked_areas(areas: Iterable[str]) -> tuple[str, ...]:
    """The areas in vocabulary order without repeats; UnknownBodyArea for anything else."""
    wanted = set(areas)
    unknown = sorted(wanted - WHOLE_BODY)
    if unknown:
        raise UnknownBodyArea(f"not body areas: {', '.join(unknown)} (known: {', '.join(BODY_AREAS)})")
    return tuple(key for key in BODY_AREAS if key in wanted)


def works_on_back(areas: Iterable[str]) -> bool:
    """Does a service with these areas work on the back (either part of it)?"""
    return not BACK_AREAS.isdisjoint(areas)


def labels(areas: Iterable[str]) -> list[str]:
    """The areas' labels in vocabulary order: ["neck", "upper back"]."""
    return [BODY_AREAS[key] for key in checked_areas(areas)]


def join_labels(areas: Iterable[str]) -> str:
    """"head, neck, shoulders and upper back"."""
    words = labels(areas)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
