"""What a pain score change means, and when to send the client to a clinician: pure rules.

No Flask and no database (tests/test_architecture.py checks this), so every boundary is tested
value for value. Scores are the 0-10 scale the forms store.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.guidance.rules import GP_BEFORE_NEXT_MASSAGE, HIGH_PAIN_SCORE, PAIN_AFTER_BIG_RISE

MEANINGFUL = "meaningful"
SMALL = "small"
NO_CLEAR_CHANGE = "no clear change"
RISE = "rise"

# How each label reads in a table cell.
LABEL_WORDS = {MEANINGFUL: "meaningful drop", SMALL: "small drop", NO_CLEAR_CHANGE: "no clear change", RISE: "rise"}

# One sentence, shown under every table that carries a label (never only in a tooltip).
RULE_IN_WORDS = ("A drop in pain (before minus after) is meaningful when it is at least 2 points and at least "
                 "30% of the score before (Farrar et al., Pain 2001); a smaller drop of 1 point or 15% or more "
                 "is small; a higher score after is a rise; anything else is no clear change.")


def change_label(before: int | None, after: int | None) -> str | None:
    """The label for one area's before-to-after change; None when either score is missing.

    drop = before - after. Meaningful: drop >= 2 and drop >= 30% of before. Small: otherwise
    a drop (> 0) of at least 1 point or at least 15% of before. Percentages are compared in
    whole numbers (10 * drop >= 3 * before) so 3 of 10 is exactly 30%, with no float rounding.
    """
    if before is None or after is None:
        return None
    if after > before:
        return RISE
    drop = before - after
    if drop >= 2 and 10 * drop >= 3 * before:
        return MEANINGFUL
    if drop > 0 and (drop >= 1 or (before > 0 and 100 * drop >= 15 * before)):
        return SMALL
    return NO_CLEAR_CHANGE


def label_words(before: int | None, after: int | None) -> str:
    """The label as shown, or "" when there is nothing to compare."""
    label = change_label(before, after)
    return LABEL_WORDS[label] if label else ""


# --- Safety routing -------------------------------------------------------------------------

HIGH_PAIN = "high_pain"
RISE_AFTER_SESSION = "rise_after_session"
NEW_NUMBNESS = "new_numbness"

# The guidance's aftercare reads the same numbers and sentence (one home: guidance/rules.py).
WORRYING_RISE = PAIN_AFTER_BIG_RISE

NUMBNESS_QUESTION = "Any new numbness, tingling or weakness?"

# Plain advice for the client: where to go, never what it might be.
CLIENT_ADVICE = GP_BEFORE_NEXT_MASSAGE

# What the therapist's brief says for each reason.
BRIEF_WORDS = {
    HIGH_PAIN: "pain of 8+",
    RISE_AFTER_SESSION: "a rise of 2+ after the last session",
    NEW_NUMBNESS: "new numbness, tingling or weakness",
}
BRIEF_ADVICE = "ask before starting, and do not massage the area if unsure."


@dataclass(frozen=True)
class Concern:
    reason: str  # HIGH_PAIN, RISE_AFTER_SESSION or NEW_NUMBNESS
    area: str | None = None  # the area's key (None for numbness, which the question asks overall)


def safety_concerns(*, before: dict[str, int] | None = None, after: dict[str, int] | None = None,
                    scores: dict[str, int] | None = None, new_numbness: bool = False) -> list[Concern]:
    """Reasons to send the client to a clinician, from a session (`before`/`after` per area) or a
    check-in (`scores` per area, `new_numbness`): any score of 8 or more, a rise of 2 or more from
    before to after a session, or new numbness, tingling or weakness. Areas in a fixed order."""
    before, after, scores = before or {}, after or {}, scores or {}
    concerns: list[Concern] = []
    for area in sorted(set(before) | set(after) | set(scores)):
        values = [v for v in (before.get(area), after.get(area), scores.get(area)) if v is not None]
        if any(v >= HIGH_PAIN_SCORE for v in values):
            concerns.append(Concern(HIGH_PAIN, area))
        if area in before and area in after and after[area] - before[area] >= WORRYING_RISE:
            concerns.append(Concern(RISE_AFTER_SESSION, area))
    if new_numbness:
        concerns.append(Concern(NEW_NUMBNESS))
    return concerns


def brief_flag(concerns: list[Concern], area_labels: dict[str, str]) -> str:
    """The brief's one-line flag, e.g. "Client reported pain of 8+ (neck) / new numbness, tingling
    or weakness: ask before starting, ..."; "" when there is nothing to flag."""
    if not concerns:
        return ""
    parts = []
    for reason in (HIGH_PAIN, RISE_AFTER_SESSION, NEW_NUMBNESS):
        areas = [c.area for c in concerns if c.reason == reason]
        if not areas:
            continue
        named = sorted({area_labels.get(a, a) for a in areas if a})
        parts.append(BRIEF_WORDS[reason] + (f" ({', '.join(named)})" if named else ""))
    return f"Client reported {' / '.join(parts)}: {BRIEF_ADVICE}"


# --- Lasting relief ---------------------------------------------------------------------------

MOST_LASTED = "most"
SOME_LASTED = "some"
NONE_LASTED = "none"

LASTED_WORDS = {MOST_LASTED: "most of the relief lasted", SOME_LASTED: "some of the relief lasted",
                NONE_LASTED: "none of the relief lasted"}

RELIEF_RULE_IN_WORDS = ("Two days after a session we compare your score then with the drop the session brought "
                        "(before minus after): most of the relief lasted when at least half of that drop remains, "
                        "some when less than half but more than nothing remains, none when the score is back at or "
                        "above where it was before. A session that brought no drop has no relief to measure.")


def relief_lasted(before: int | None, after: int | None, later: int | None) -> str | None:
    """How much of a session's relief remained two days later: MOST, SOME or NONE; None when a
    score is missing or the session brought no drop (no change, or a rise), so nothing to last.

    relief = before - after; remained = before - later. Most: remained is at least half the
    relief (2 * remained >= relief, compared in whole numbers; feeling even better than straight
    after counts as most). Some: remained > 0 but under half. None: later >= before.
    """
    if before is None or after is None or later is None:
        return None
    relief = before - after
    if relief <= 0:
        return None
    remained = before - later
    if remained <= 0:
        return NONE_LASTED
    if 2 * remained >= relief:
        return MOST_LASTED
    return SOME_LASTED


def lasted_words(before: int | None, after: int | None, later: int | None) -> str:
    """The outcome as shown ("most of the relief lasted"), or "" when there is nothing to say."""
    outcome = relief_lasted(before, after, later)
    return LASTED_WORDS[outcome] if outcome else ""


def relief_sentence(area_label: str, before: int | None, after: int | None, later: int | None) -> str:
    """'Lower back: 7 before, 3 after, 4 two days later: most of the relief lasted.'; "" when
    the two-day score or the session's scores are missing."""
    if before is None or after is None or later is None:
        return ""
    name = area_label[:1].upper() + area_label[1:]
    words = lasted_words(before, after, later)
    if not words:
        words = "a rise after the session, so no relief to measure" if after > before else \
            "no drop after the session, so no relief to measure"
    return f"{name}: {before} before, {after} after, {later} two days later: {words}."
