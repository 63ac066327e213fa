"""What reception types into "find a client", made into what to look for. No Flask, no database.

A phone number is kept as it was typed ("0191 498 0123", "+44 191 498 0123"), so it is
searched by its digits alone, and a UK number written either way (0... or +44...) finds the
other.
"""

from __future__ import annotations

import re

# Fewer digits than this in the search text are no phone number to look for (a house number
# in an address-like search, say), only text.
MIN_PHONE_DIGITS = 3
LIKE_ESCAPE = "\\"


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def phone_variants(text: str) -> list[str]:
    """The digit strings a stored number may contain for this search: none when it holds too
    few digits; '0191...' also as '44191...', and the other way round."""
    found = digits(text)
    if len(found) < MIN_PHONE_DIGITS:
        return []
    variants = [found]
    if found.startswith("0") and len(found) > 1:
        variants.append("44" + found[1:])
    elif found.startswith("44") and len(found) > 2:
        variants.append("0" + found[2:])
    return variants


def like_pattern(text: str) -> str:
    """'%text%' for LIKE, with the wildcards the person typed taken literally."""
    escaped = (text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
               .replace("_", LIKE_ESCAPE + "_"))
    return f"%{escaped}%"
