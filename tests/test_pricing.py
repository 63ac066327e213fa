"""The catalogue's money and length rules, value for value (portal.salon.pricing: no app)."""

from __future__ import annotations

import pytest

from portal.salon.pricing import MAX_PRICE_PENCE, PriceProblem, minutes_problem, parse_price, price_text


@pytest.mark.parametrize("typed, pence", [
    ("35", 3500), ("35.50", 3550), ("35.5", 3550), ("35.", 3500), (".5", 50), ("0", 0), ("0.01", 1),
    ("£35.50", 3550), ("  £ 35.50 ", 3550), ("1,000", 100_000), ("0.10", 10), ("12.34", 1234),
    # Decimal, never float: float(1.15) * 100 is 114.99999999999999.
    ("1.15", 115), ("4.35", 435), ("999.99", 99_999),
])
def test_prices_become_whole_pence(typed, pence):
    assert parse_price(typed) == pence


@pytest.mark.parametrize("typed, words", [
    ("", "Please enter a price"), (None, "Please enter a price"), ("   ", "Please enter a price"),
    ("-5", "can't be negative"), ("-1,000", "can't be negative"), ("-0.01", "can't be negative"), ("£-5", "can't be negative"),
    ("35.505", "at most two decimal places"), ("0.001", "at most two decimal places"),
    ("1000.01", "more than £1,000"), ("99999999999999999999", "more than £1,000"),
    ("1e3", "digits only"), ("NaN", "digits only"), ("Infinity", "digits only"), ("thirty", "digits only"),
    ("35.50.1", "digits only"), ("٣٥", "digits only"), ("35,5", "a point for pence"), ("1,00", "a point for pence"), ("0x10", "digits only"),
    ("35 50", "digits only"), ("+35", "digits only"), ("$35", "digits only"),
])
def test_unusable_prices_are_refused_with_a_reason(typed, words):
    with pytest.raises(PriceProblem) as refused:
        parse_price(typed)
    assert words in str(refused.value)


def test_the_largest_price_is_accepted_and_shown_back_as_typed():
    assert parse_price(f"{MAX_PRICE_PENCE // 100}") == MAX_PRICE_PENCE
    assert price_text(3550) == "35.50" and price_text(3500) == "35.00" and price_text(5) == "0.05"
    assert parse_price(price_text(1234)) == 1234


@pytest.mark.parametrize("minutes", [15, 30, 45, 60, 90, 480])
def test_lengths_on_the_grid_are_fine(minutes):
    assert minutes_problem(minutes, 15) is None


@pytest.mark.parametrize("minutes, grid, words", [
    (50, 15, "must be a multiple of 15 minutes, the booking grid (for example 45 or 60)"),
    (10, 15, "multiple of 15 minutes, the booking grid (for example 15)"),
    (45, 30, "multiple of 30 minutes, the booking grid (for example 30 or 60)"),
    (0, 15, "more than 0 minutes"), (-15, 15, "more than 0 minutes"),
    (495, 15, "at most 480 minutes"), (None, 15, "Please enter the length"),
])
def test_lengths_off_the_grid_say_so(minutes, grid, words):
    assert words in minutes_problem(minutes, grid)
