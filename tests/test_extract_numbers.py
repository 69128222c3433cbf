"""Numbers as abstracts write them: digits, middle-dot decimals, thousands, number words."""

from __future__ import annotations

import pytest

from kb.extract.numbers import find_numbers, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("45", 45.0),
        ("7.4", 7.4),
        ("5\u00b79", 5.9),
        ("1,167", 1167.0),
        ("-5\u00b77", -5.7),
        ("Forty-five", 45.0),
        ("forty five", 45.0),
        ("Eight", 8.0),
        ("seventeen", 17.0),
        ("One hundred thirty-two", 132.0),
        ("two hundred and five", 205.0),
        ("zero", 0.0),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_not_a_number() -> None:
    assert parse_number("patients") is None


def test_find_numbers_offsets_point_at_their_text() -> None:
    text = "Forty-five percent (29 of 64) had CR; OS 5\u00b79\u00a0years, n = 1,167."
    found = find_numbers(text)
    assert [n.value for n in found] == [45.0, 29.0, 64.0, 5.9, 1167.0]
    for n in found:
        assert text[n.start : n.end] == n.text


def test_numbers_inside_identifiers_are_not_read() -> None:
    text = "NCT02149199 T7 CD20 beta2 A0.125"
    assert find_numbers(text) == []


def test_range_bounds_and_negative_bounds() -> None:
    assert [n.value for n in find_numbers("95% CI, 32.8-58.3")] == [95.0, 32.8, 58.3]
    assert [n.value for n in find_numbers("[-5\u00b76 to 6\u00b75]")] == [-5.6, 6.5]


def test_integer_and_word_flags() -> None:
    [word, dec] = find_numbers("Eight 8.0")
    assert word.is_word and word.is_integer
    assert not dec.is_word and not dec.is_integer


def test_overlong_digit_runs_are_ignored() -> None:
    assert find_numbers("1" * 40) == []
