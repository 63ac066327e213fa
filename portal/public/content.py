"""What the public pages say, built from the catalogue and the guidance rules (reads only).

Nothing here is written twice: the massages, prices, salons, hours and therapists come from the
database through `portal.salon.queries`; who a massage suits comes from the same rule that
suggests a service to a client (`rules.suggest_service`); the precautions and their levels come
from `rules.CONDITIONS`, the table the booking gate applies after sign-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote_plus

from portal.guidance import rules
from portal.guidance.rules import ASK_GP, LEVELS_STRICTEST_FIRST, NOT_NOW, SPECIAL_CARE, ConditionRule, Level
from portal.salon import queries
from portal.salon.models import Location, Service, price_decimal
from portal.salon.opening import OpeningDay, opening_ranges, opening_week
from portal.vocabulary import join_labels, works_on_back

SALON_NAME = "Mesmerising Beauty"
CITY = "Newcastle upon Tyne"

# What each level means for someone who has not signed up yet: the portal applies the same
# levels to their health profile once they have.
LEVEL_MEANING = {
    NOT_NOW: "Please wait: we can't book you this massage until the condition has healed or been diagnosed.",
    ASK_GP: "Ask your GP first: once your GP says massage is safe for you and you record that "
            "in your health profile, you can book, and your therapist takes special care.",
    SPECIAL_CARE: "You can book: your therapist adapts the massage.",
}


@dataclass(frozen=True)
class ServiceCard:
    service: Service
    areas: str  # "neck, shoulders, upper back and lower back"
    suits: list[str]  # who it suits, from the guidance rule that suggests a service


@dataclass(frozen=True)
class SalonCard:
    location: Location
    week: list[OpeningDay]
    hours: list[tuple[str, str]]  # ("Monday to Friday", "09:00-17:00")
    map_url: str


@dataclass(frozen=True)
class VisitorPrecaution:
    label: str
    reason: str
    applies_to: str
    lifted_by: str


@dataclass
class PrecautionLevel:
    level: Level
    meaning: str
    conditions: list[VisitorPrecaution] = field(default_factory=list)


def service_cards(services: list[Service]) -> list[ServiceCard]:
    """Each active massage with the body areas it works on and who it suits.

    "Suits" asks the rule that suggests a massage to a signed-up client, for each way of life
    the health profile knows, which massage of today's catalogue it would suggest."""
    catalogue = [rules.CatalogueService(s.id, s.name, frozenset(s.areas), s.price_pence) for s in services]
    suits: dict[int, list[str]] = {s.id: [] for s in services}
    for key, label in rules.LIFESTYLES.items():
        chosen, _reason = rules.suggest_service(catalogue, frozenset({key}), frozenset())
        if chosen is not None:
            if key == rules.RECOVERING_LIFESTYLE:
                label += " (with your GP's clearance)"
            suits[chosen.service_id].append(label)
    return [ServiceCard(s, join_labels(s.areas), suits[s.id]) for s in services]


def map_url(location: Location) -> str:
    """A plain link to a map search for the address: no embedded third-party script."""
    return "https://www.openstreetmap.org/search?query=" + quote_plus(f"{location.address}, UK")


def salon_cards(locations: list[Location]) -> list[SalonCard]:
    """Each salon with its opening hours, worked out from its therapists' weekly hours."""
    shifts = queries.shifts()
    cards = []
    for location in locations:
        week = opening_week(shifts, location.id)
        cards.append(SalonCard(location, week, opening_ranges(week), map_url(location)))
    return cards


def _applies_to(rule: ConditionRule, services: list[Service]) -> str:
    if not rule.back_area_only:
        return "Every massage."
    back = [s.name for s in services if works_on_back(s.areas)]
    if back and len(back) == len(services):
        return "Massages that work on the back: all of ours do."
    if back:
        return "Massages that work on the back: " + ", ".join(back) + "."
    return "Massages that work on the back."


def _lifted_by(rule: ConditionRule) -> str:
    if rule.heals_in_one_click:
        return "You can book again once it has healed."
    if "acute_injury_diagnosed_on" in rule.cleared_by:
        return "You can book once a doctor has diagnosed it (or your GP has cleared you)."
    if rule.needs_gp_clearance:
        return "You can book once your GP has cleared you; your therapist then takes special care."
    if rule.needs_pregnancy_trained_therapist:
        return "We offer you only therapists trained in pregnancy massage."
    return ""


def precaution_levels(services: list[Service]) -> list[PrecautionLevel]:
    """The salon's precautions for visitors, strictest level first, from the rules table."""
    levels = {level: PrecautionLevel(level, LEVEL_MEANING[level]) for level in LEVELS_STRICTEST_FIRST}
    for rule in rules.CONDITIONS.values():
        levels[rule.level].conditions.append(
            VisitorPrecaution(rule.label, rule.reason, _applies_to(rule, services), _lifted_by(rule)))
    return [level for level in levels.values() if level.conditions]


DISCLAIMER = rules.DISCLAIMER


# --- schema.org ------------------------------------------------------------------------------


def salon_json_ld(card: SalonCard, services: list[Service], url: str) -> dict:
    """A HealthAndBeautyBusiness for one salon: address, opening hours, massages as offers."""
    location = card.location
    hours = [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": f"https://schema.org/{day.name}",
         "opens": f"{start:%H:%M}", "closes": f"{end:%H:%M}"}
        for day in card.week for start, end in day.spells
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        "@id": f"{url}#{location.slug}",
        "name": f"{SALON_NAME} {location.name}",
        "url": url,
        "telephone": location.phone,
        "address": {"@type": "PostalAddress", "streetAddress": location.address,
                    "addressLocality": CITY, "addressCountry": "GB"},
        "openingHoursSpecification": hours,
        "makesOffer": [
            {"@type": "Offer", "price": price_decimal(s.price_pence), "priceCurrency": "GBP",
             "itemOffered": {"@type": "Service", "name": s.name, "description": s.description}}
            for s in services
        ],
    }
    listings = [link for _, link in location.listings]
    if listings:
        data["sameAs"] = listings
    return data
