"""The catalogue's rules for money and length, as the admin types them: plain Python, no Flask.

Prices are typed like "35" or "35.50" (a "£" in front and spaces around are forgiven) and
become whole pence through Decimal, never float, so "0.1 + 0.2" troubles nobody.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Anything dearer is a typo (an extra zero), not a massage.
MAX_PRICE_PENCE = 100_000  # £1,000
# The longest session the salon could offer in one go.
MAX_MINUTES = 8 * 60

_MONEY = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")
# "1,000" is a thousand pounds; "35,5" is someone's "35.50" and must not become £355.
_THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")


class PriceProblem(ValueError):
    """A price the catalogue can't take; the message says what to type instead."""


def parse_price(text: str | None) -> int:
    """"35" -> 3500, "35.5" -> 3550, "£35.50" -> 3550. PriceProblem for anything else."""
    typed = (text or "").strip().removeprefix("£").strip()
    if not typed:
        raise PriceProblem("Please enter a price in pounds, like 35 or 35.50.")
    if typed.startswith("-"):
        raise PriceProblem("A price can't be negative.")
    if "," in typed:
        if not _THOUSANDS.fullmatch(typed):
            raise PriceProblem("Please use a point for pence, like 35.50 (a comma only between thousands).")
        typed = typed.replace(",", "")
    if not typed.isascii() or not _MONEY.fullmatch(typed):
        raise PriceProblem("Please enter the price as pounds and pence, like 35 or 35.50 (digits only).")
    try:
        pounds = Decimal(typed)
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise PriceProblem("Please enter the price as pounds and pence, like 35 or 35.50.") from None
    if "." in typed and len(typed.split(".", 1)[1]) > 2:
        raise PriceProblem("A price has at most two decimal places (pence), like 35.50.")
    pence = int(pounds * 100)
    if pence > MAX_PRICE_PENCE:
        raise PriceProblem(f"That price is more than £{MAX_PRICE_PENCE // 100:,}: please check it.")
    return pence


def price_text(pence: int) -> str:
    """The price as the edit form shows it again: 3500 -> "35.00"."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"


def minutes_problem(minutes: int | None, grid_minutes: int) -> str | None:
    """Why a length can't be a service's, or None. Appointments start on the booking grid, so a
    length must be a whole number of grid steps (with a 15-minute grid: 30, 45, 60...)."""
    if minutes is None:
        return "Please enter the length in minutes, like 45."
    if minutes <= 0:
        return "The length must be more than 0 minutes."
    if minutes > MAX_MINUTES:
        return f"The length can be at most {MAX_MINUTES} minutes."
    if minutes % grid_minutes:
        lower = minutes - minutes % grid_minutes
        options = " or ".join(str(m) for m in (lower, lower + grid_minutes) if m > 0)
        return (f"The length must be a multiple of {grid_minutes} minutes, the booking grid "
                f"(for example {options}).")
    return None
