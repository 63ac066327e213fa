"""Health precautions, booking gates and frequency guidance for a returning client.

Pure functions over plain dataclasses (no Flask, no database), so every rule can be
tested on its own and the views stay thin: a view turns the client's health profile
into `HealthFacts`, their feedback rows into `SessionFeedback`, and calls

* `guidance_for`      -> what the dashboard shows (interval, precautions, advice, notes);
* `booking_decision`  -> whether a booking may go ahead. Call it again when the form
  comes back: the page may be stale or the request hand-made, and "not now" / "ask your
  GP first" must not be bypassable;
* `describe_changes`  -> "changed since last visit" sentences for the therapist.

Every rule comes from DOMAIN.md, the salon's own text.
Where the salon is silent the choice is a named constant with a comment saying why.

Choices worth knowing
---------------------
* "recovering_back_injury" (a condition) and "recovering_injury" (a lifestyle answer)
  are the same fact asked in two places; either one switches on both the precaution
  and the lifestyle rules, so a client can't dodge the GP question by ticking the
  other box.
* A recorded clearance lifts a precaution to "special care" (the therapist still gets
  a note), and the precaution stays on the page with `cleared=True`.
* A clearance dated in the future (relative to `today` / `on`) doesn't count.
* A GP clearance covers only the conditions the client had told us about when they
  recorded it (`HealthFacts.cleared_conditions`, which the stored profile keeps per save):
  a condition added in a later save, even a minute later, still needs a new clearance.
  Callers that don't know the coverage pass None and get the older, date-based check
  (`conditions_recorded_on`: a clearance dated before the condition was recorded doesn't
  cover it; unknown dates count as covered).
* Only skin conditions (sunburn, wound, infection) heal "in one click"
  (`heals_in_one_click`). An acute back injury is also temporary, but its way out is a
  recorded diagnosis (date and who made it), after which the therapist works within it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from portal.formatting import format_date
from portal.vocabulary import BACK_AREAS, PAIN_AREAS, WHOLE_BODY, join_labels

# --------------------------------------------------------------------------------------
# Levels
# --------------------------------------------------------------------------------------


class Level(StrEnum):
    """How strongly a condition limits massage. Members are plain strings for templates."""

    NOT_NOW = "not now"
    ASK_GP = "ask your GP first"
    SPECIAL_CARE = "special care"

    @property
    def heading(self) -> str:
        """The level at the start of a line: "Ask your GP first" (Jinja's `capitalize` would
        lower-case "GP")."""
        return self.value[0].upper() + self.value[1:]


NOT_NOW = Level.NOT_NOW
ASK_GP = Level.ASK_GP
SPECIAL_CARE = Level.SPECIAL_CARE

LEVELS_STRICTEST_FIRST: tuple[Level, ...] = (NOT_NOW, ASK_GP, SPECIAL_CARE)


def strictness(level: str) -> int:
    """Bigger is stricter: NOT_NOW > ASK_GP > SPECIAL_CARE."""
    return len(LEVELS_STRICTEST_FIRST) - LEVELS_STRICTEST_FIRST.index(Level(level))


DISCLAIMER = (
    "This guidance is general information, not medical advice or a diagnosis: "
    "if you are unsure whether massage is right for you, ask your GP."
)

# --------------------------------------------------------------------------------------
# Vocabulary the health profile and feedback forms use
# --------------------------------------------------------------------------------------

# Problem / pain areas, in the order they are shown (top of the back downwards): the pain
# areas of the body-area vocabulary the catalogue uses (portal/vocabulary.py).
AREAS: dict[str, str] = PAIN_AREAS

LIFESTYLES: dict[str, str] = {
    "desk_worker": "works at a desk",
    "athlete": "physically active",
    "chronic_back_pain": "chronic back pain",
    "recovering_injury": "recovering from a back injury",
}

PRESSURE_PREFERENCES = ("light", "medium", "firm")

TOO_LIGHT = "too_light"
TOO_FIRM = "too_firm"
PRESSURE_FEEDBACK = (TOO_LIGHT, "a_little_light", "just_right", "a_little_firm", TOO_FIRM)

PAIN_MIN, PAIN_MAX = 0, 10



@dataclass(frozen=True)
class CatalogueService:
    """One bookable service as guidance sees it: the catalogue (the database) is the only
    place services live, so callers pass these in rather than the rules naming any."""

    service_id: int
    name: str
    areas: frozenset[str]  # keys of portal.vocabulary.BODY_AREAS
    price_pence: int = 0

# --------------------------------------------------------------------------------------
# Conditions: one row per condition the salon names
# --------------------------------------------------------------------------------------

# HealthFacts date fields that can clear a condition.
_GP_CLEARANCE = "medical_clearance_on"
_DIAGNOSIS = "acute_injury_diagnosed_on"


@dataclass(frozen=True)
class ConditionRule:
    """One condition from the salon's text and what the portal does about it."""

    slug: str
    label: str  # client-facing name
    told_us: str  # completes "because you told us ..."
    level: Level
    reason: str  # the salon's reason, in plain words
    what_to_do: str  # what the client can do about it (also the booking refusal text)
    therapist_note: str  # while the precaution is in force
    temporary: bool  # becomes bookable once healed / diagnosed
    # HealthFacts date fields whose recorded date clears it; () = only removing it does.
    cleared_by: tuple[str, ...] = ()
    cleared_what_to_do: str = ""  # "{date}" is the clearance date
    cleared_therapist_note: str = ""  # "{date}" is the clearance date
    # False: the condition limits any massage, not only work on the back.
    back_area_only: bool = True
    needs_pregnancy_trained_therapist: bool = False
    # The client may simply say "it has healed" (one click, no proof): skin conditions only.
    heals_in_one_click: bool = False
    # Pressure itself is the risk the salon names ("risk of fracture from pressure", "risk of
    # bruising"): the therapist keeps to light pressure whatever pressure the client asks for.
    keeps_light_pressure: bool = False
    anchor: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchor", "precaution-" + self.slug.replace("_", "-"))
        if self.cleared_by and not (self.cleared_what_to_do and self.cleared_therapist_note):
            raise ValueError(f"{self.slug}: a clearable condition needs its cleared texts")
        if self.heals_in_one_click and (self.cleared_by or not self.temporary):
            raise ValueError(f"{self.slug}: only a temporary condition nobody clears heals in one click")

    @property
    def needs_gp_clearance(self) -> bool:
        """Lifted by a recorded GP clearance (the clearance's coverage applies to it)."""
        return _GP_CLEARANCE in self.cleared_by

    @property
    def cleared_level(self) -> Level:
        # Once cleared, the therapist still has to take care (light pressure, gentle work).
        return SPECIAL_CARE


_HEALED_TEXT = "Until then, please don't book a massage that works on your back."

_GP_CLEARED_TO_DO = (
    "You recorded your GP's clearance on {date}, so this no longer stops you booking. "
    "Update your health profile if anything changes."
)

_ROWS = (
    ConditionRule(
        slug="acute_back_injury",
        label="Acute back injury that needs medical attention",
        told_us="you have an acute back injury that needs medical attention",
        level=NOT_NOW,
        reason=(
            "An acute back injury should be properly diagnosed before massage: some injuries "
            "need different treatment first, and the wrong massage could make it worse."
        ),
        what_to_do=(
            "Get your back injury diagnosed by a doctor first, then record the date of the "
            "diagnosis and who made it in your health profile. " + _HEALED_TEXT
        ),
        therapist_note="Not yet diagnosed: do not massage the back.",
        temporary=True,
        # "{by}" names who diagnosed it (or says a GP clearance covering the injury lifted it).
        cleared_by=(_DIAGNOSIS, _GP_CLEARANCE),
        cleared_what_to_do=(
            "You recorded a diagnosis on {date}{by}, so this no longer stops you booking. Follow your doctor's "
            "advice and update your health profile if anything changes."
        ),
        cleared_therapist_note=(
            "Diagnosed on {date}{by}: work within the diagnosis. Ask what the doctor advised "
            "and keep to it."
        ),
    ),
    ConditionRule(
        slug="skin_infection",
        label="Skin infection on the back",
        told_us="you have a skin infection on your back",
        level=NOT_NOW,
        reason="Massage could spread the infection and cause pain while the skin is broken.",
        what_to_do=(
            "Wait until the skin infection has healed, then mark it healed in your health "
            "profile. " + _HEALED_TEXT
        ),
        therapist_note="Do not massage the back until it has healed.",
        temporary=True,
        heals_in_one_click=True,
    ),
    ConditionRule(
        slug="open_wound",
        label="Open wound on the back",
        told_us="you have an open wound on your back",
        level=NOT_NOW,
        reason=(
            "Massage could cause infection, unnecessary pain and tissue damage while the "
            "skin is broken."
        ),
        what_to_do=(
            "Wait until the wound has healed, then mark it healed in your health profile. "
            + _HEALED_TEXT
        ),
        therapist_note="Do not massage the back until it has healed.",
        temporary=True,
        heals_in_one_click=True,
    ),
    ConditionRule(
        slug="severe_sunburn",
        label="Severe sunburn on the back",
        told_us="you have severe sunburn on your back",
        level=NOT_NOW,
        reason="Massage would cause unnecessary pain and could damage sunburnt skin.",
        what_to_do=(
            "Wait until the sunburn has healed, then mark it healed in your health profile. "
            + _HEALED_TEXT
        ),
        therapist_note="Do not massage the back until it has healed.",
        temporary=True,
        heals_in_one_click=True,
    ),
    ConditionRule(
        slug="severe_osteoporosis",
        label="Severe osteoporosis",
        told_us="you have severe osteoporosis",
        level=ASK_GP,
        reason="Pressure on weakened bones could cause a fracture.",
        what_to_do=(
            "Ask your GP whether massage is safe for you with severe osteoporosis, then "
            "record the date your GP cleared you in your health profile."
        ),
        therapist_note="No GP clearance recorded: do not treat.",
        temporary=False,
        cleared_by=(_GP_CLEARANCE,),
        cleared_what_to_do=_GP_CLEARED_TO_DO,
        cleared_therapist_note="Use light pressure (risk of fracture). GP clearance recorded on {date}.",
        back_area_only=False,  # weakened bones anywhere, not only in the back
        keeps_light_pressure=True,
    ),
    ConditionRule(
        slug="active_cancer_back",
        label="Active cancer in the back area",
        told_us="you have active cancer in the back area",
        level=ASK_GP,
        reason="Massage could, in theory, spread cancer cells.",
        what_to_do=(
            "Ask your GP whether massage is safe for you with cancer in the back area, then "
            "record the date your GP cleared you in your health profile."
        ),
        therapist_note="No GP clearance recorded: do not treat the back.",
        temporary=False,
        cleared_by=(_GP_CLEARANCE,),
        cleared_what_to_do=_GP_CLEARED_TO_DO,
        cleared_therapist_note=(
            "Ask what limits the GP set and work within them. GP clearance recorded on {date}."
        ),
    ),
    ConditionRule(
        slug="clotting_disorder",
        label="Blood clotting disorder",
        told_us="you have a blood clotting disorder",
        level=ASK_GP,
        reason="Massage could cause bruising or a dangerous blood clot.",
        what_to_do=(
            "Ask your GP whether massage is safe for you with a blood clotting disorder, then "
            "record the date your GP cleared you in your health profile."
        ),
        therapist_note="No GP clearance recorded: do not treat.",
        temporary=False,
        cleared_by=(_GP_CLEARANCE,),
        cleared_what_to_do=_GP_CLEARED_TO_DO,
        cleared_therapist_note=(
            "Use light pressure (risk of bruising or clots) and work within any limits the GP "
            "set. GP clearance recorded on {date}."
        ),
        back_area_only=False,  # blood and circulation: any massage
        keeps_light_pressure=True,
    ),
    ConditionRule(
        slug="cardiovascular_disease",
        label="Severe heart or circulation (cardiovascular) disease",
        told_us="you have severe heart or circulation disease",
        level=ASK_GP,
        reason="Massage affects blood pressure and circulation.",
        what_to_do=(
            "Ask your GP whether massage is safe for you with heart or circulation disease, "
            "then record the date your GP cleared you in your health profile."
        ),
        therapist_note="No GP clearance recorded: do not treat.",
        temporary=False,
        cleared_by=(_GP_CLEARANCE,),
        cleared_what_to_do=_GP_CLEARED_TO_DO,
        cleared_therapist_note=(
            "Massage affects blood pressure and circulation: check in with the client during "
            "the session and work within any limits the GP set. GP clearance recorded on {date}."
        ),
        back_area_only=False,  # blood pressure and circulation: any massage
    ),
    ConditionRule(
        slug="recovering_back_injury",
        label="Recovering from a back injury",
        told_us="you are recovering from a back injury",
        level=ASK_GP,
        reason=(
            "Massage can help a back injury heal, but only with your GP's clearance, so the "
            "therapist can work within the healing tissue's limits."
        ),
        what_to_do=(
            "Ask your GP whether massage is right for your back injury now, then record the "
            "date your GP cleared you in your health profile."
        ),
        therapist_note="No GP clearance recorded: do not treat the back.",
        temporary=False,
        cleared_by=(_GP_CLEARANCE,),
        cleared_what_to_do=(
            "You recorded your GP's clearance on {date}, so this no longer stops you booking gentle sessions. Tell "
            "your therapist how the injury feels, and update your health profile if anything "
            "changes."
        ),
        cleared_therapist_note=(
            "Work gently around the injury, within the healing tissue's limits. GP clearance "
            "recorded on {date}."
        ),
    ),
    ConditionRule(
        slug="pregnancy",
        label="Pregnancy",
        told_us="you are pregnant",
        level=SPECIAL_CARE,
        reason=(
            "Massage is generally safe in pregnancy, but some pressure points and techniques "
            "must be avoided and your position must suit your changing body."
        ),
        what_to_do=(
            "Book with a therapist trained in pregnancy massage: when you book, we offer you "
            "only therapists with that training."
        ),
        therapist_note=(
            "Adapt positioning to the pregnancy and avoid the pressure points and techniques "
            "contraindicated in pregnancy."
        ),
        temporary=False,
        back_area_only=False,  # positioning and pressure points matter for any massage
        needs_pregnancy_trained_therapist=True,
    ),
)

CONDITIONS: dict[str, ConditionRule] = {row.slug: row for row in _ROWS}

# The same fact, asked as a condition and as a lifestyle answer (see module docstring).
RECOVERING_CONDITION = "recovering_back_injury"
RECOVERING_LIFESTYLE = "recovering_injury"

# --------------------------------------------------------------------------------------
# Frequency rules (several apply: the shortest interval wins)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrequencyRule:
    key: str
    days: int
    reason: str  # completes "Every N weeks ..." as shown to the client


# Order is the tie-break when two rules give the same interval: the first one names it.
FREQUENCY: dict[str, FrequencyRule] = {
    rule.key: rule
    for rule in (
        # Only once the GP has cleared the injury (an uncleared one changes nothing).
        FrequencyRule(
            "recovering_injury", 14,
            "every 2 weeks, gently, because you told us you are recovering from a back injury "
            "and your GP has cleared you: regular gentle massage keeps blood flowing to the "
            "injury and limits scar tissue",
        ),
        FrequencyRule(
            "chronic_back_pain", 14,
            "every 2 weeks because you told us you have chronic back pain: regular massage "
            "helps manage it",
        ),
        FrequencyRule(
            "athlete", 14,
            "every 2 weeks, and after big events, because you told us you are physically "
            "active: massage speeds recovery from training and helps prevent injury",
        ),
        # The salon says "every 2-4 weeks" for desk workers; 21 days is the middle of that
        # range, shorter than the 4-week baseline so desk work still makes a difference.
        FrequencyRule(
            "desk_worker", 21,
            "every 3 weeks because you told us you work at a desk: regular massage eases the "
            "tension desk work builds in your upper and lower back",
        ),
        FrequencyRule(
            "baseline", 28,
            "every 4 weeks: regular massage keeps your muscles in good condition and stops "
            "tension building up",
        ),
    )
}

# The salon's baseline interval: guidance's own fallback, and what rebooking assumes when
# there is no guidance to go on yet. One number, read from the rule.
BASELINE_INTERVAL_DAYS = FREQUENCY["baseline"].days

# --------------------------------------------------------------------------------------
# Feedback thresholds (the salon leaves these to us)
# --------------------------------------------------------------------------------------

# "Pain keeps rising": for one area, pain before each of the last 3 sessions that reported
# it went strictly up (3 points make a trend, 2 could be a bad day) ...
PAIN_RISING_SESSIONS = 3
# ... or it jumped by 2+ points since the previous session (one point is within the
# noise of a 0-10 self-report; two is a change the client notices).
PAIN_RISING_JUMP = 2
# Rising pain brings the next session forward to at most this many days.
PAIN_RISING_INTERVAL_DAYS = 14

# Pain after the latest session higher than before it (any rise) -> aftercare advice and a
# therapist flag; a rise of this many points or more, or a score of HIGH_PAIN_SCORE or more, sends
# the client to their GP before the next massage. The feedback page, the check-in and the brief's
# safety flag (portal/feedback/meaning.py) read the same numbers and sentence from here, so the
# guidance page never calls "usually settles" what the feedback page sent to the GP.
PAIN_AFTER_BIG_RISE = 2
HIGH_PAIN_SCORE = 8
# Plain advice for the client: where to go, never what it might be.
GP_BEFORE_NEXT_MASSAGE = (
    "Please contact your GP before your next massage and tell them about this pain or these "
    "symptoms. If it is severe or getting worse quickly, call NHS 111 (or 999 in an emergency).")

# The same pressure complaint ("too firm" / "too light") in this many answered sessions
# in a row changes the note to the therapist. Only the extremes count: "a little firm"
# is close enough for the therapist to adjust on the day.
PRESSURE_REPEAT_SESSIONS = 2

# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def _check_known(name: str, values: Iterable[str], known: Iterable[str]) -> frozenset[str]:
    # Unknown slugs fail loudly: a typo must never silently skip a precaution.
    values = frozenset(values)
    unknown = values - set(known)
    if unknown:
        raise ValueError(f"unknown {name}: {sorted(unknown)}")
    return values


@dataclass(frozen=True)
class HealthFacts:
    """One revision of a client's health profile."""

    conditions: frozenset[str] = frozenset()  # active condition slugs (CONDITIONS keys)
    medical_clearance_on: date | None = None  # date the GP cleared the client, as recorded
    acute_injury_diagnosed_on: date | None = None  # diagnosis of an acute back injury
    due_date: date | None = None  # pregnancy
    lifestyle: frozenset[str] = frozenset()  # LIFESTYLES keys
    problem_areas: frozenset[str] = frozenset()  # AREAS keys
    pressure_preference: str | None = None  # PRESSURE_PREFERENCES
    # Who diagnosed the acute back injury (shown with the diagnosis date).
    acute_injury_diagnosed_by: str = ""
    # The conditions the recorded GP clearance covers: those on the profile when it was
    # entered (use "recovering_back_injury" for the lifestyle answer too). None = the caller
    # doesn't know; then `conditions_recorded_on` decides (see the module docstring).
    cleared_conditions: frozenset[str] | None = None
    # Optional, only read without coverage: when each condition was recorded. A clearance
    # older than the condition doesn't clear it. Empty = unknown, every clearance counts.
    conditions_recorded_on: Mapping[str, date] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", _check_known("conditions", self.conditions, CONDITIONS))
        object.__setattr__(self, "lifestyle", _check_known("lifestyle", self.lifestyle, LIFESTYLES))
        object.__setattr__(self, "problem_areas", _check_known("problem_areas", self.problem_areas, AREAS))
        _check_known("conditions_recorded_on", self.conditions_recorded_on, CONDITIONS)
        if self.cleared_conditions is not None:
            object.__setattr__(self, "cleared_conditions",
                               _check_known("cleared_conditions", self.cleared_conditions, CONDITIONS))
        object.__setattr__(self, "conditions_recorded_on", dict(self.conditions_recorded_on))
        if self.pressure_preference not in (None, *PRESSURE_PREFERENCES):
            raise ValueError(f"unknown pressure_preference: {self.pressure_preference!r}")

    def active_conditions(self) -> frozenset[str]:
        """Conditions, with the "recovering from injury" lifestyle answer counted as one."""
        if RECOVERING_LIFESTYLE in self.lifestyle:
            return self.conditions | {RECOVERING_CONDITION}
        return self.conditions

    def active_lifestyle(self) -> frozenset[str]:
        """Lifestyle, with the "recovering back injury" condition counted as one."""
        if RECOVERING_CONDITION in self.conditions:
            return self.lifestyle | {RECOVERING_LIFESTYLE}
        return self.lifestyle


def _check_pain(name: str, pain: Mapping[str, int]) -> None:
    _check_known(name, pain, AREAS)
    for area, value in pain.items():
        if isinstance(value, bool) or not isinstance(value, int) or not PAIN_MIN <= value <= PAIN_MAX:
            raise ValueError(f"{name}[{area}] must be an integer 0-10, got {value!r}")


@dataclass(frozen=True)
class SessionFeedback:
    """What the client said after one completed session."""

    session_on: date
    pressure: str | None = None  # PRESSURE_FEEDBACK, None if not answered
    pain_before: Mapping[str, int] = field(default_factory=dict, hash=False)  # area -> 0-10
    pain_after: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.pressure not in (None, *PRESSURE_FEEDBACK):
            raise ValueError(f"unknown pressure feedback: {self.pressure!r}")
        _check_pain("pain_before", self.pain_before)
        _check_pain("pain_after", self.pain_after)


# --------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Precaution:
    condition: str
    label: str
    level: Level  # the level in force now (a cleared precaution is SPECIAL_CARE)
    reason: str
    what_to_do: str
    therapist_note: str
    anchor: str
    cleared: bool  # True only when a recorded clearance/diagnosis lifted it


@dataclass(frozen=True)
class Advice:
    text: str
    reason: str  # "because you told us ..." (or what else it rests on)
    anchor: str | None = None  # the precaution it relates to, for a link


@dataclass(frozen=True)
class Guidance:
    interval_days: int
    interval_reason: str
    next_due: date | None
    overdue: bool
    precautions: list[Precaution]  # strictest first
    level: Level | None  # strictest level in force, None without precautions
    suggested_service: CatalogueService | None  # None only with an empty catalogue
    service_reason: str
    therapist_note: list[str]
    advice: list[Advice]
    disclaimer: str = DISCLAIMER
    # With a GP clearance recorded: labels of the conditions it covers / that still need one.
    clearance_covers: list[str] = field(default_factory=list)
    clearance_missing: list[str] = field(default_factory=list)
    # The day of the client's last upcoming booking when `next_due` follows it instead of their
    # last session (one interval after what is already booked); None otherwise.
    due_after_booking: date | None = None

    @property
    def due_reason(self) -> str:
        """Why `next_due` is that day, in words (empty without one): the one explanation that
        the dashboard, the guidance page and the rebook offer all show."""
        if self.next_due is None:
            return ""
        if self.due_after_booking is not None:
            return f"after your booking on {format_date(self.due_after_booking)} ({every(self.interval_days)})"
        return f"{every(self.interval_days)} after your last session"


# Booking decision codes, strictest first.
CODE_OK = "ok"
CODE_NOT_NOW = "not_now"
CODE_NEEDS_CLEARANCE = "needs_clearance"
CODE_NEEDS_PREGNANCY_TRAINED = "needs_pregnancy_trained_therapist"
REFUSAL_CODES_STRICTEST_FIRST = (CODE_NOT_NOW, CODE_NEEDS_CLEARANCE, CODE_NEEDS_PREGNANCY_TRAINED)


@dataclass(frozen=True)
class BookingDecision:
    allowed: bool
    reasons: list[str]  # client-facing, strictest first; empty when allowed
    code: str  # CODE_OK or the strictest refusal code


# --------------------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------------------


def every(days: int) -> str:
    if days == 7:
        return "every week"
    if days % 7 == 0:
        return f"every {days // 7} weeks"
    return f"every {days} days"


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _series(values: Sequence[int]) -> str:
    """(2, 3, 5) -> '2, 3, then 5'; (3, 5) -> '3 then 5'."""
    *head, last = values
    joiner = ", then " if len(head) > 1 else " then "
    return ", ".join(map(str, head)) + joiner + str(last)


def _in_order(keys: Iterable[str], order: Iterable[str]) -> list[str]:
    keys = set(keys)
    return [key for key in order if key in keys]


# --------------------------------------------------------------------------------------
# Precautions and booking
# --------------------------------------------------------------------------------------


def _covers(facts: HealthFacts, name: str, slug: str, day: date) -> bool:
    """Does the record `name` (dated `day`) speak for condition `slug`?"""
    if name == _GP_CLEARANCE and facts.cleared_conditions is not None:
        # The GP was asked about the conditions on the profile when the clearance was entered.
        return slug in facts.cleared_conditions
    # Without coverage: not older than the condition it is meant to clear.
    recorded = facts.conditions_recorded_on.get(slug)
    return recorded is None or day >= recorded


def _clearance(facts: HealthFacts, rule: ConditionRule, on: date) -> tuple[date, str] | None:
    """The latest recorded (date, HealthFacts field) that clears `rule` as of `on`, or None;
    on the same day the first of `rule.cleared_by` names it (the diagnosis, for an injury)."""
    valid = [
        (day, name)
        for name in rule.cleared_by
        if (day := getattr(facts, name)) is not None and day <= on  # not in the future
        and _covers(facts, name, rule.slug, day)
    ]
    return max(valid, key=lambda found: (found[0], -rule.cleared_by.index(found[1])), default=None)


def _cleared_by_whom(facts: HealthFacts, name: str) -> str:
    if name == _DIAGNOSIS:
        return f" by {facts.acute_injury_diagnosed_by}" if facts.acute_injury_diagnosed_by else ""
    return " (GP clearance)"


def _not_covered_note(facts: HealthFacts, rule: ConditionRule, on: date) -> str:
    """Why a recorded GP clearance doesn't lift this condition, if one is recorded."""
    day = facts.medical_clearance_on
    if not rule.needs_gp_clearance or day is None or day > on:
        return ""
    return (f" Your GP clearance of {format_date(day)} does not cover this condition: you told "
            "us about it after recording that clearance.")


def _precaution(facts: HealthFacts, rule: ConditionRule, on: date) -> Precaution:
    found = _clearance(facts, rule, on)
    if found is not None:
        cleared_on, name = found
        texts = {"date": format_date(cleared_on), "by": _cleared_by_whom(facts, name)}
        return Precaution(
            condition=rule.slug, label=rule.label, level=rule.cleared_level, reason=rule.reason,
            what_to_do=rule.cleared_what_to_do.format(**texts),
            therapist_note=rule.cleared_therapist_note.format(**texts),
            anchor=rule.anchor, cleared=True,
        )
    note = rule.therapist_note
    if rule.needs_pregnancy_trained_therapist and facts.due_date is not None:
        note += f" Due date: {format_date(facts.due_date)}."
    return Precaution(
        condition=rule.slug, label=rule.label, level=rule.level, reason=rule.reason,
        what_to_do=rule.what_to_do + _not_covered_note(facts, rule, on), therapist_note=note,
        anchor=rule.anchor, cleared=False,
    )


def gp_clearable(conditions: Iterable[str]) -> frozenset[str]:
    """The conditions among these that a GP clearance lifts (what a clearance can cover)."""
    return frozenset(slug for slug in conditions if CONDITIONS[slug].needs_gp_clearance)


def clearance_coverage(facts: HealthFacts, on: date) -> tuple[list[str], list[str]]:
    """With a GP clearance in force on `on`: (labels it covers, labels still needing one; a
    diagnosed injury needs none)."""
    day = facts.medical_clearance_on
    if day is None or day > on:
        return [], []
    wanted = _in_order(gp_clearable(facts.active_conditions()), CONDITIONS)
    covered = [slug for slug in wanted if _covers(facts, _GP_CLEARANCE, slug, day)]
    missing = [slug for slug in wanted if slug not in covered and _clearance(facts, CONDITIONS[slug], on) is None]
    return [CONDITIONS[slug].label for slug in covered], [CONDITIONS[slug].label for slug in missing]


def precautions_for(facts: HealthFacts, on: date) -> list[Precaution]:
    """Precautions in force on `on`, strictest first (table order within a level)."""
    active = facts.active_conditions()
    found = [_precaution(facts, rule, on) for slug, rule in CONDITIONS.items() if slug in active]
    return sorted(found, key=lambda p: -strictness(p.level))  # stable: keeps table order


def _refusal_code(precaution: Precaution, therapist_has_pregnancy_training: bool) -> str | None:
    if precaution.level == NOT_NOW:
        return CODE_NOT_NOW
    if precaution.level == ASK_GP:
        return CODE_NEEDS_CLEARANCE
    rule = CONDITIONS[precaution.condition]
    if rule.needs_pregnancy_trained_therapist and not therapist_has_pregnancy_training:
        return CODE_NEEDS_PREGNANCY_TRAINED
    return None


def booking_decision(
    facts: HealthFacts,
    service_works_on_back: bool,
    therapist_has_pregnancy_training: bool,
    on: date,
) -> BookingDecision:
    """May this client book this service with this therapist, as of `on`?

    Every refusal is listed (strictest first) so the client sees all they need to do.
    """
    refusals: list[tuple[str, str]] = []
    for precaution in precautions_for(facts, on):
        if CONDITIONS[precaution.condition].back_area_only and not service_works_on_back:
            continue
        code = _refusal_code(precaution, therapist_has_pregnancy_training)
        if code is not None:
            refusals.append((code, precaution.what_to_do))
    if not refusals:
        return BookingDecision(allowed=True, reasons=[], code=CODE_OK)
    refusals.sort(key=lambda refusal: REFUSAL_CODES_STRICTEST_FIRST.index(refusal[0]))
    return BookingDecision(
        allowed=False, reasons=[text for _, text in refusals], code=refusals[0][0]
    )


# --------------------------------------------------------------------------------------
# Feedback findings
# --------------------------------------------------------------------------------------


def _rising_values(values: Sequence[int]) -> tuple[int, ...] | None:
    """The values that show a rise (to quote back), or None if pain isn't rising."""
    run = values[-PAIN_RISING_SESSIONS:]
    if len(run) == PAIN_RISING_SESSIONS and all(a < b for a, b in zip(run, run[1:])):
        return tuple(run)
    if len(values) >= 2 and values[-1] >= values[-2] + PAIN_RISING_JUMP:
        return tuple(values[-2:])
    return None


def _rising_pain(history: Sequence[SessionFeedback]) -> dict[str, tuple[int, ...]]:
    """Areas whose pain before sessions is rising -> the values that show it."""
    rising = {}
    for area in AREAS:
        values = [f.pain_before[area] for f in history if area in f.pain_before]
        shown = _rising_values(values)
        if shown is not None:
            rising[area] = shown
    return rising


def _pain_after_rises(latest: SessionFeedback) -> dict[str, tuple[int, int]]:
    """Areas that hurt more after the latest session than before it -> (before, after)."""
    return {
        area: (latest.pain_before[area], latest.pain_after[area])
        for area in AREAS
        if area in latest.pain_before
        and area in latest.pain_after
        and latest.pain_after[area] > latest.pain_before[area]
    }


def _repeated_pressure(history: Sequence[SessionFeedback]) -> str | None:
    """TOO_FIRM / TOO_LIGHT if the last answered sessions all said so, else None."""
    answers = [f.pressure for f in history if f.pressure is not None][-PRESSURE_REPEAT_SESSIONS:]
    if len(answers) == PRESSURE_REPEAT_SESSIONS and len(set(answers)) == 1:
        if answers[0] in (TOO_FIRM, TOO_LIGHT):
            return answers[0]
    return None


@dataclass
class _Output:
    """Advice and therapist notes collected by the rules below."""

    advice: list[Advice] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _rising_reason(rising: Mapping[str, tuple[int, ...]]) -> str:
    quoted = "; ".join(f"{AREAS[area]}: {_series(values)} out of 10" for area, values in rising.items())
    return f"because you told us your pain before sessions is rising ({quoted})"


def _add_rising_pain(out: _Output, rising: Mapping[str, tuple[int, ...]]) -> None:
    if not rising:
        return
    out.advice.append(Advice(
        f"We suggest a session {every(PAIN_RISING_INTERVAL_DAYS)} for now, and telling your "
        "therapist where it hurts most. See your GP if your pain keeps getting worse.",
        _rising_reason(rising),
    ))
    quoted = "; ".join(f"{AREAS[area]} {_series(values)}" for area, values in rising.items())
    out.notes.append(f"Pain before sessions rising ({quoted} out of 10): ask the client about it.")


def _add_pain_after(out: _Output, latest: SessionFeedback | None) -> None:
    rises = _pain_after_rises(latest) if latest else {}
    if not rises:
        return
    quoted = "; ".join(f"{AREAS[a]} {before} before, {after} after" for a, (before, after) in rises.items())
    big = any(after - before >= PAIN_AFTER_BIG_RISE or after >= HIGH_PAIN_SCORE for before, after in rises.values())
    reason = f"because you told us it hurt more after your last session than before it ({quoted})"
    if big:
        text = ("Your pain rose after your last session: rest the sore area and tell your therapist. "
                + GP_BEFORE_NEXT_MASSAGE)
        note = (f"Pain rose by {PAIN_AFTER_BIG_RISE} or more, or to {HIGH_PAIN_SCORE} or more, after the last "
                f"session ({quoted}): ask how it settled and work more lightly on that area.")
    else:
        text = ("Some soreness after a massage can happen and usually settles in a day or two: "
                "rest the sore area and keep moving gently. See your GP if it persists.")
        note = f"Pain was higher after the last session ({quoted}): ask how it settled."
    out.advice.append(Advice(text, reason))
    out.notes.append(note)


_PRESSURE_CHANGES = {
    # complaint -> (therapist note, client advice, what the client said)
    TOO_FIRM: ("Use lighter pressure: client said too firm twice in a row.",
               "We've asked your therapist to use lighter pressure.", "too firm"),
    TOO_LIGHT: ("Use firmer pressure: client said too light twice in a row.",
                "We've asked your therapist to use firmer pressure.", "too light"),
}


def _light_pressure_kept(precautions: Sequence[Precaution]) -> tuple[str, str | None]:
    """The conditions in force that keep the pressure light, in words ("severe osteoporosis"),
    and the first one's anchor; ("", None) when none does."""
    found = [p for p in precautions if CONDITIONS[p.condition].keeps_light_pressure]
    named = " and ".join(p.label[:1].lower() + p.label[1:] for p in found)
    return named, found[0].anchor if found else None


def _add_pressure(out: _Output, history: Sequence[SessionFeedback], precautions: Sequence[Precaution]) -> None:
    complaint = _repeated_pressure(history)
    if complaint is None:
        return
    note, text, said = _PRESSURE_CHANGES[complaint]
    reason = f"because you told us the pressure was {said} in your last {PRESSURE_REPEAT_SESSIONS} sessions"
    kept, anchor = _light_pressure_kept(precautions)
    if complaint == TOO_LIGHT and kept:
        # Never "use firmer pressure" where pressure itself is the risk (fracture, bruising).
        out.notes.append(f"Client said too light twice in a row, but keep to light pressure ({kept}).")
        out.advice.append(Advice(f"Your therapist will still keep to light pressure because of your {kept}.",
                                 reason, anchor))
        return
    out.notes.append(note)
    out.advice.append(Advice(text, reason))


# --------------------------------------------------------------------------------------
# Interval, service and the rest of the guidance
# --------------------------------------------------------------------------------------


def _choose_interval(
    lifestyle: frozenset[str], precautions: Sequence[Precaution], rising: Mapping[str, tuple[int, ...]]
) -> tuple[int, str]:
    """Shortest applicable interval and the sentence naming the rule that produced it."""
    recovering_cleared = any(p.condition == RECOVERING_CONDITION and p.cleared for p in precautions)
    candidates: list[tuple[int, str]] = []  # in tie-break order
    if recovering_cleared:
        candidates.append((FREQUENCY["recovering_injury"].days, FREQUENCY["recovering_injury"].reason))
    if rising:
        candidates.append((
            PAIN_RISING_INTERVAL_DAYS,
            f"{every(PAIN_RISING_INTERVAL_DAYS)} for now {_rising_reason(rising)}",
        ))
    for key in ("chronic_back_pain", "athlete", "desk_worker"):
        if key in lifestyle:
            candidates.append((FREQUENCY[key].days, FREQUENCY[key].reason))
    candidates.append((FREQUENCY["baseline"].days, FREQUENCY["baseline"].reason))
    days, reason = min(candidates, key=lambda candidate: candidate[0])  # first of the shortest
    return days, _sentence(reason)


# What the client needs worked on, from their lifestyle answers, first match wins; then from
# their problem areas; then the back (the salon is a back-massage salon). Each need is a set
# of body areas, so the catalogue (not this table) decides which service meets it.
_NEED_BY_LIFESTYLE = (
    ("desk_worker", BACK_AREAS | {"neck", "shoulders"},
     "because you told us you work at a desk: it works on the upper back, neck and shoulders "
     "that keyboard work tightens, and the lower back that sitting compresses"),
    ("chronic_back_pain", BACK_AREAS,
     "because you told us you have chronic back pain: it concentrates on your back"),
    (RECOVERING_LIFESTYLE, BACK_AREAS,
     "because you told us you are recovering from a back injury: it concentrates on your back"),
    ("athlete", WHOLE_BODY,
     "because you told us you are physically active: it helps your whole body recover from training"),
)


def _best_fit(catalogue: Sequence[CatalogueService], need: frozenset[str]) -> CatalogueService | None:
    """The service that covers most of `need`, then the one doing least that wasn't asked for
    (the focused massage, not the full body), then the cheaper, then catalogue order."""
    ranked = sorted(
        enumerate(catalogue),
        key=lambda item: (-len(need & item[1].areas), len(item[1].areas - need), item[1].price_pence, item[0]),
    )
    return ranked[0][1] if ranked else None


def suggest_service(
    catalogue: Sequence[CatalogueService], lifestyle: frozenset[str], areas: frozenset[str]
) -> tuple[CatalogueService | None, str]:
    """The service in `catalogue` that fits the client, with the reason ("because ...")."""
    for key, need, reason in _NEED_BY_LIFESTYLE:
        if key in lifestyle:
            return _best_fit(catalogue, frozenset(need)), reason
    if areas:
        chosen = _best_fit(catalogue, areas)
        named = " and ".join(AREAS[a] for a in _in_order(areas, AREAS))
        covers = f"{chosen.name} covers the {join_labels(chosen.areas)}" if chosen else "it covers them"
        return chosen, f"because you told us your problem areas are your {named}: {covers}"
    chosen = _best_fit(catalogue, BACK_AREAS)
    covering = f", covering the {join_labels(chosen.areas)}" if chosen else ""
    return chosen, f"because it is our focused back massage{covering}"


_LIFESTYLE_ADVICE = {
    "desk_worker": Advice(
        "Ask your therapist to focus on your upper and lower back.",
        "because you told us you work at a desk: keyboard work tightens the upper back and "
        "sitting compresses the lower back",
    ),
    "athlete": Advice(
        "Book an extra session after a big event or race, as well as your regular ones.",
        "because you told us you are physically active: massage speeds recovery from intense training",
    ),
    "chronic_back_pain": Advice(
        "Keep to regular sessions rather than waiting for a bad spell.",
        "because you told us you have chronic back pain: regular massage helps manage it",
    ),
}


def next_due_date(completed: Iterable[date], booked: Iterable[date], days: int,
                  today: date) -> tuple[date | None, bool, date | None]:
    """The one next due date: (next_due, overdue, after_booking).

    One interval after the client's last completed session; but when they already have a
    booking to come, one interval after the last of those (`after_booking` is its day), since
    a date before a massage they have already booked would be no help."""
    # A "completed" appointment after today is bad data; it must not push next_due out.
    last = max((day for day in completed if day <= today), default=None)
    after_booking = max((day for day in booked if day >= today), default=None)
    if after_booking is not None:
        return after_booking + timedelta(days=days), False, after_booking
    next_due = last + timedelta(days=days) if last else None
    return next_due, next_due is not None and today > next_due, None


def _timing_advice(last: date | None, next_due: date | None, overdue: bool, days: int,
                   after_booking: date | None = None) -> Advice:
    if after_booking is not None and next_due is not None:
        return Advice(f"Your next session is due around {format_date(next_due)}.",
                      f"because you are already booked for {format_date(after_booking)} and we suggest {every(days)}")
    if last is None or next_due is None:
        return Advice(
            f"Book whenever suits you; after that we suggest {every(days)}.",
            "because you haven't had a session with us yet",
        )
    reason = f"because your last session was on {format_date(last)} and we suggest {every(days)}"
    if overdue:
        return Advice(f"You are due a session: we suggested one by {format_date(next_due)}.", reason)
    return Advice(f"Your next session is due around {format_date(next_due)}.", reason)


def _precaution_advice(precaution: Precaution) -> Advice:
    reason = f"because you told us {CONDITIONS[precaution.condition].told_us}"
    if precaution.cleared:
        reason += " and recorded that you have been cleared"
    return Advice(precaution.what_to_do, reason, precaution.anchor)


def _profile_notes(facts: HealthFacts, lifestyle: frozenset[str], precautions: Sequence[Precaution]) -> list[str]:
    notes = []
    kept, _anchor = _light_pressure_kept(precautions)
    if facts.pressure_preference and kept and facts.pressure_preference != "light":
        notes.append(f"Prefers {facts.pressure_preference} pressure, but keep to light pressure ({kept}).")
    elif facts.pressure_preference:
        notes.append(f"Prefers {facts.pressure_preference} pressure.")
    if facts.problem_areas:
        areas = ", ".join(AREAS[a] for a in _in_order(facts.problem_areas, AREAS))
        notes.append(f"Problem areas: {areas}.")
    if "desk_worker" in lifestyle:
        notes.append("Desk worker: focus on the upper and lower back.")
    return notes


def guidance_for(
    facts: HealthFacts,
    completed: Iterable[date],
    feedback: Iterable[SessionFeedback],
    today: date,
    catalogue: Sequence[CatalogueService] = (),
    booked: Iterable[date] = (),
) -> Guidance:
    """Everything the dashboard shows about how often to come and what to watch.

    `catalogue`: the services on offer, from which the one that fits is suggested (without it,
    e.g. for the therapist's brief, `suggested_service` is None). `booked`: the days of the
    client's upcoming bookings, which move the next due date (see `next_due_date`)."""
    precautions = precautions_for(facts, today)
    lifestyle = facts.active_lifestyle()
    history = sorted(feedback, key=lambda f: f.session_on)
    rising = _rising_pain(history)

    days, interval_reason = _choose_interval(lifestyle, precautions, rising)
    completed = list(completed)
    last = max((day for day in completed if day <= today), default=None)
    next_due, overdue, after_booking = next_due_date(completed, booked, days, today)
    service, service_reason = suggest_service(catalogue, lifestyle, facts.problem_areas)
    covers, missing = clearance_coverage(facts, today)

    out = _Output()
    _add_pain_after(out, history[-1] if history else None)
    _add_rising_pain(out, rising)
    _add_pressure(out, history, precautions)

    advice = [_timing_advice(last, next_due, overdue, days, after_booking), *out.advice]
    advice += [_precaution_advice(p) for p in precautions]
    advice += [_LIFESTYLE_ADVICE[key] for key in _in_order(lifestyle, _LIFESTYLE_ADVICE)]

    notes = [f"{p.label}: {p.therapist_note}" for p in precautions]
    notes += out.notes + _profile_notes(facts, lifestyle, precautions)

    return Guidance(
        interval_days=days,
        interval_reason=interval_reason,
        next_due=next_due,
        overdue=overdue,
        precautions=precautions,
        level=precautions[0].level if precautions else None,
        suggested_service=service,
        service_reason=service_reason,
        therapist_note=notes,
        advice=advice,
        clearance_covers=covers,
        clearance_missing=missing,
        due_after_booking=after_booking,
    )


# --------------------------------------------------------------------------------------
# What changed between two profile revisions
# --------------------------------------------------------------------------------------

_DATE_FIELDS = (
    ("medical_clearance_on", "GP clearance"),
    ("acute_injury_diagnosed_on", "Diagnosis of the acute back injury"),
    ("due_date", "Due date"),
)


def _condition_changes(old: HealthFacts, new: HealthFacts) -> list[str]:
    added = _in_order(new.conditions - old.conditions, CONDITIONS)
    changes = [f"Added: {CONDITIONS[slug].label}." for slug in added]
    for slug in _in_order(old.conditions - new.conditions, CONDITIONS):
        verb = "Marked healed" if CONDITIONS[slug].heals_in_one_click else "Removed"
        changes.append(f"{verb}: {CONDITIONS[slug].label}.")
    return changes


def _date_change(label: str, before: date | None, after: date | None) -> list[str]:
    if before == after:
        return []
    if before is None:
        return [f"{label} recorded: {format_date(after)}."]
    if after is None:
        return [f"{label} removed (was {format_date(before)})."]
    return [f"{label} changed from {format_date(before)} to {format_date(after)}."]


def _set_changes(
    title: str, before: frozenset[str], after: frozenset[str], labels: Mapping[str, str]
) -> list[str]:
    changes = []
    for verb, keys in (("added", after - before), ("removed", before - after)):
        if keys:
            changes.append(f"{title} {verb}: " + ", ".join(labels[k] for k in _in_order(keys, labels)) + ".")
    return changes


def _pressure_change(before: str | None, after: str | None) -> list[str]:
    if before == after:
        return []
    if before is None:
        return [f"Pressure preference set to {after}."]
    if after is None:
        return [f"Pressure preference removed (was {before})."]
    return [f"Pressure preference changed from {before} to {after}."]


def describe_changes(old: HealthFacts | None, new: HealthFacts) -> list[str]:
    """Sentences for "changed since last visit"; safety-relevant changes first.

    `old` is None for a client's first profile: everything in `new` is then new.
    """
    old = old or HealthFacts()
    changes = _condition_changes(old, new)
    for name, label in _DATE_FIELDS:
        changes += _date_change(label, getattr(old, name), getattr(new, name))
    changes += _set_changes("Lifestyle", old.lifestyle, new.lifestyle, LIFESTYLES)
    changes += _set_changes("Problem areas", old.problem_areas, new.problem_areas, AREAS)
    changes += _pressure_change(old.pressure_preference, new.pressure_preference)
    return changes
