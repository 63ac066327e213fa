"""UK phone numbers as reception types them: checked, and kept in one form (+44...).

Pure: no Flask, no database. Accepts "07700 900123", "+44 7700 900123", "0044 7700 900123",
"(0191) 498 0123", "+44 (0)191 498 0123", with spaces, dashes, dots or brackets between digits.
"""

from __future__ import annotations

import re

SEPARATORS = re.compile(r"[\s\-.()]")
# What people type between the digits of a phone number: reception's search takes them out of
# the numbers kept as typed before numbers were normalised (accounts.models.phone_digits).
PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".", "/")
# Premium-rate and similar numbers no client has as their own phone.
NOT_PERSONAL = ("9", "87")


class PhoneProblem(ValueError):
    """Why a number is refused, in words for reception."""


def normalise_uk_phone(text: str) -> str:
    """The number as +44 and its digits (e.g. "+447700900123"); PhoneProblem if it is not one."""
    raw = SEPARATORS.sub("", (text or "").strip())
    if not raw:
        raise PhoneProblem("Please enter a phone number.")
    if raw.startswith("+44"):
        national = raw[3:]
    elif raw.startswith("0044"):
        national = raw[4:]
    elif raw.startswith("+") or raw.startswith("00"):
        raise PhoneProblem("Please enter a UK number (starting 0 or +44).")
    elif raw.startswith("0"):
        national = raw[1:]
    else:
        raise PhoneProblem("Please enter the full number with its area code, starting 0 or +44.")
    if national.startswith("0"):  # "+44 (0)191 ...": the 0 in brackets is dropped after +44
        national = national[1:]
    if not national.isascii() or not national.isdigit():
        raise PhoneProblem("A phone number has only digits (spaces, dashes and brackets are fine).")
    # Only some five-digit area codes (01xxx, not 011x or 01x1) have 10-digit numbers.
    shortest = 9 if national.startswith("1") and "1" not in national[1:3] else 10
    if not shortest <= len(national) <= 10:
        size = "short" if len(national) < shortest else "long"
        raise PhoneProblem(f"That number is too {size}: a UK number has 11 digits starting with 0 "
                           "(e.g. 07700 900123 or 0191 498 0123).")
    if national.startswith(NOT_PERSONAL) or national[0] not in "123578":
        raise PhoneProblem("That is not a number a person can be called on; please check it.")
    return "+44" + national


def display_uk_phone(stored: str | None) -> str:
    """A stored number the way people read it: "07700 900123", "0191 498 0123", "020 7946 0000"."""
    if not stored or not stored.startswith("+44"):
        return stored or ""
    number = "0" + stored[3:]
    if len(number) != 11:
        return f"{number[:5]} {number[5:]}"
    if number.startswith("02"):
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if number.startswith(("011", "03", "08")) or (number.startswith("01") and number[3] == "1"):
        return f"{number[:4]} {number[4:7]} {number[7:]}"
    return f"{number[:5]} {number[5:]}"
