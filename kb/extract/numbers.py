"""Reading numbers as written in abstracts: digits, middle-dot decimals and number words."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORDS = {**_UNITS, **_TEENS, **_TENS}

_UNIT_RE = "|".join(_UNITS)
_TEEN_RE = "|".join(_TEENS)
_TENS_RE = "|".join(_TENS)
# Below one hundred: "seventeen", "forty-five", "forty five", "eight".
_SMALL = rf"(?:(?:{_TENS_RE})(?:[- ](?:{_UNIT_RE})\b)?|{_TEEN_RE}|{_UNIT_RE})"
# Every repetition is bounded, so the pattern cannot backtrack catastrophically.
# The lookahead names every letter a number word starts with: it changes no match, but spares the
# regex engine the trial of each word at every other position (most of the cost of the patterns).
WORD_NUMBER = rf"\b(?=[zotfsen])(?:{_SMALL}\s+hundred(?:\s+(?:and\s+)?{_SMALL})?|{_SMALL})\b"

# Digits: thousands separators, "." or middle-dot decimals ("5·9"), a leading minus where it
# cannot be a range dash (start of text, after space, bracket or '=').
DIGIT_NUMBER = (
    r"(?=[-\u2212\d])(?:(?<=[\s(\[=,;:])[-\u2212]|(?<![\w.\u00b7])(?<![A-Za-z]-)(?<![A-Za-z]/))"
    r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:[.\u00b7]\d+)?(?![\w\u00b7]|\.\d)"
)
NUMBER = rf"(?:{DIGIT_NUMBER}|(?i:{WORD_NUMBER}))"

_NUMBER_RE = re.compile(NUMBER)


@dataclass(frozen=True)
class Number:
    """A number found in the text: its offsets, the text as written and its value."""

    start: int
    end: int
    text: str
    value: float

    @property
    def is_word(self) -> bool:
        return not any(ch.isdigit() for ch in self.text)

    @property
    def is_integer(self) -> bool:
        return self.value == int(self.value) and not any(c in self.text for c in ".\u00b7")


def parse_number(text: str) -> float | None:
    """The value of a written number ("45", "5·9", "1,167", "Forty-five", "One hundred thirty-two")."""
    t = text.strip().replace("\u2212", "-").replace("\u00b7", ".").replace(",", "")
    try:
        return float(t)
    except ValueError:
        pass
    words = re.split(r"[\s-]+", t.lower())
    total = 0
    current = 0
    seen = False
    for w in words:
        if w == "and":
            continue
        if w in _WORDS:
            current += _WORDS[w]
            seen = True
        elif w == "hundred":
            current = max(current, 1) * 100
            seen = True
        else:
            return None
    total += current
    return float(total) if seen else None


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[Number]:
    """All numbers in ``text[start:end]`` with offsets into ``text``."""
    out: list[Number] = []
    for m in _NUMBER_RE.finditer(text, start, len(text) if end is None else end):
        value = parse_number(m.group())
        # Digit runs longer than any count or measurement (ids, garbage) are not numbers here.
        if value is not None and len(m.group()) <= 15 and math.isfinite(value):
            out.append(Number(m.start(), m.end(), m.group(), value))
    return out


def as_int(value: float | None) -> int | None:
    """An integer when the value is whole, else None."""
    if value is None or value != int(value) or value < 0:
        return None
    return int(value)
