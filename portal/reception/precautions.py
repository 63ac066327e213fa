"""What reception is told about a client's precautions: the level and a reason in general
words, never the condition or anything else from the health profile. No Flask, no database:
the page reads the precautions in force (`guidance.rules.precautions_for`) and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.guidance.rules import (
    ASK_GP,
    CODE_NEEDS_CLEARANCE,
    CODE_NEEDS_PREGNANCY_TRAINED,
    CODE_NOT_NOW,
    NOT_NOW,
    BookingDecision,
    Level,
    Precaution,
)

REASONS = {
    NOT_NOW: "a condition that has to heal, or be diagnosed, before a massage on the back",
    ASK_GP: "a condition that needs a GP's OK",
}
CLEARED_REASON = "a condition a GP has cleared: the therapist is told how to take care"
CARE_REASON = "the therapist adapts the massage, and only suitably trained therapists are offered"

# What staff do about a refusal, by the gate's code.
TO_DO = {
    CODE_NOT_NOW: "The client updates their health profile once it has healed or been diagnosed: "
                  "the salon can't lift this.",
    CODE_NEEDS_CLEARANCE: "If the client has their GP's clearance, record it, then book.",
    CODE_NEEDS_PREGNANCY_TRAINED: "Choose a suitably trained therapist, or any suitable therapist.",
}


@dataclass(frozen=True)
class StaffLine:
    level: Level
    reason: str

    @property
    def text(self) -> str:
        return f"{self.level.heading}: {self.reason}"


def staff_lines(precautions: list[Precaution]) -> list[StaffLine]:
    """One line per distinct level and reason, strictest first (as `precautions_for` orders
    them): two conditions that both need a GP's OK read as one line, which says no more."""
    lines: list[StaffLine] = []
    for precaution in precautions:
        if precaution.level in REASONS:
            reason = REASONS[precaution.level]
        else:
            reason = CLEARED_REASON if precaution.cleared else CARE_REASON
        line = StaffLine(precaution.level, reason)
        if line not in lines:
            lines.append(line)
    return lines


def needs_clearance(precautions: list[Precaution]) -> bool:
    """Is an "ask your GP first" in force (what a recorded clearance could lift)?"""
    return any(p.level == ASK_GP for p in precautions)


@dataclass(frozen=True)
class StaffRefusal:
    line: StaffLine
    to_do: str
    code: str

    @property
    def clearance_helps(self) -> bool:
        return self.code == CODE_NEEDS_CLEARANCE


def refusal(decision: BookingDecision) -> StaffRefusal:
    """Why the gate refuses, for staff: the strictest level, its reason in general words, and
    what they can do. (The gate's own reasons are written to the client and name the condition.)"""
    if decision.code == CODE_NOT_NOW:
        line = StaffLine(NOT_NOW, REASONS[NOT_NOW])
    elif decision.code == CODE_NEEDS_CLEARANCE:
        line = StaffLine(ASK_GP, REASONS[ASK_GP])
    else:
        line = StaffLine(Level.SPECIAL_CARE, CARE_REASON)
    return StaffRefusal(line, TO_DO.get(decision.code, ""), decision.code)
