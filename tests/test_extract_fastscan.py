"""The extractor's speed-ups change no match: literal gates, prefix trees and lookahead guards."""

from __future__ import annotations

import importlib
import random
import re

import pytest

from kb.extract import fastscan, lexicon, numbers
from kb.extract import patterns as P
from kb.extract.text import find_sections, split_sentences
from tests.conftest import DATA

MODULES = [
    importlib.import_module(f"kb.extract.{name}")
    for name in ("patterns", "numbers", "study", "mentions", "text", "assemble")
]
TEXTS = [p.read_text(encoding="utf-8") for d in ("gold", "heldout") for p in sorted((DATA / d).glob("*.txt"))]
# Synthetic strings (seeded) from pieces the patterns look for, with the caseless look-alikes
# U+0130, U+0131, U+017F and U+212A that the regex engine equates with ASCII letters.
PIECES = (
    "12 3 - \u2212 1.5 5\u00b79 1,167 ( ) [ ] % percent of the patients Forty-five forty five hundred and "
    "months -year h days after post from baseline to follow-up median CI 95% , ; : = < > \u2265 P p grade "
    "Grade\u00a03 n N=5 mg mg/kg $ Jan 2019 3:1 or\u00a0more less than at least up to aged years old phase "
    "II T NCT \u00b0C cm person-years r kappa HR OR hazard\u00a0ratio \u00b1 +/- SD (SD) range IQR between "
    "were enrolled with who total of \u0130 \u0131 \u017f \u212a K ONE sixty-six \u00d7 vs versus "
    "respectively overall survival OS CR"
).split(" ")


def _synthetic(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic text, not secrets
    return [
        "".join(rng.choice(PIECES) + rng.choice(("", " ", " ")) for _ in range(rng.randint(1, 40)))
        for _ in range(n)
    ]


def _segments() -> list[tuple[str, int, int]]:
    """Every sentence of the real abstracts (offsets into the whole text), each text, and synthetic text."""
    out = []
    for text in TEXTS:
        out += [(text, s.start, s.end) for s in split_sentences(text, find_sections(text))]
        out.append((text, 0, len(text)))
    out += [(t, 0, len(t)) for t in _synthetic(3000, seed=8)]
    return out


SEGMENTS = _segments()


def _all_patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: list[tuple[str, re.Pattern[str]]] = []
    for mod in MODULES:
        for name, value in vars(mod).items():
            items = value if isinstance(value, list) else [value]
            for item in items:
                rx = item[1] if isinstance(item, tuple) and len(item) == 2 else item
                if isinstance(rx, re.Pattern):
                    found.append((f"{mod.__name__}.{name}", rx))
    ends, drugs = lexicon.endpoints(), lexicon.drugs()
    return [
        *found,
        ("terms", ends._terms),
        ("abbrs", ends._abbrs),
        ("drugs", drugs._names),
        ("stems", drugs._stem_words),
    ]


def _matches(
    rx: re.Pattern[str], text: str, a: int, b: int
) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in rx.finditer(text, a, b)]


def test_folding_agrees_with_the_engine_on_every_character() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    low = fastscan.folded(every)
    assert len(low) == len(every)  # offsets into the folded text are offsets into the text
    for m in re.finditer("[a-z]", every, re.IGNORECASE):
        assert low[m.start()].isascii() and re.fullmatch(low[m.start()], m.group(), re.IGNORECASE)


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"\bgrades?\s*\d", re.IGNORECASE, ("grade",)),
        (r"(?:hazard|odds)\s+ratio|\bHR\b", 0, ("hr", "ratio")),  # the longer word of each branch
        (r"(?:follow|x?)u", 0, None),  # one alternative needs no literal: nothing can be required
        (r"(?:ab)?cd", 0, ("cd",)),
        (r"x{0,3}\d", 0, None),
        (r"\d+\s*[<>=]\s*\d", 0, ("<", "=", ">")),
    ],
)
def test_required_literals_are_read_from_the_pattern(
    pattern: str, flags: int, expected: tuple[str, ...] | None
) -> None:
    assert fastscan.required_literals(re.compile(pattern, flags)) == expected


def test_the_gate_skips_text_without_the_literal() -> None:
    assert not fastscan.may_match(P.GRADE, "no such word here")
    assert fastscan.may_match(P.GRADE, "GRADE 3") and fastscan.may_match(P.GRADE, "gra\u212a"[:3] + "de 3")


@pytest.mark.parametrize(("name", "rx"), _all_patterns(), ids=lambda x: x if isinstance(x, str) else "")
def test_no_pattern_matches_where_its_gate_says_it_cannot(name: str, rx: re.Pattern[str]) -> None:
    for text, a, b in SEGMENTS:
        if rx.search(text, a, b) is not None:
            assert fastscan.may_match(rx, text, a, b), (name, text[a:b])


def _same_matches(fast: re.Pattern[str], plain: re.Pattern[str]) -> None:
    assert fast.pattern != plain.pattern
    for text, a, b in SEGMENTS:
        assert _matches(fast, text, a, b) == _matches(plain, text, a, b), text[a:b]


def test_not_result_guard_changes_no_match() -> None:
    plain = re.compile(P.NOT_RESULT.pattern.replace(P._NOT_RESULT_START, "", 1), P.NOT_RESULT.flags)
    _same_matches(P.NOT_RESULT, plain)


def test_number_guards_change_no_match() -> None:
    plain = numbers.NUMBER.replace("(?=[zotfsen])", "").replace("(?=[-\\u2212\\d])", "")
    _same_matches(numbers._NUMBER_RE, re.compile(plain))


def test_count_noun_tree_matches_as_the_word_list() -> None:
    listed = "(?:" + "|".join(sorted(P._COUNT_NOUNS, key=len, reverse=True)) + ")"
    for flags in (0, re.IGNORECASE):
        _same_matches(re.compile(rf"\b{P.COUNT_NOUN}\b", flags), re.compile(rf"\b{listed}\b", flags))


def test_prefix_tree_tries_longer_terms_first_like_the_sorted_list() -> None:
    rng = random.Random(3)  # noqa: S311 - reproducible synthetic text, not secrets
    words = {"".join(rng.choice("abc ") for _ in range(rng.randint(1, 6))).strip() or "a" for _ in range(60)}
    listed = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    suffix = r"(?:e?s)?(?![\w/-])"
    tree = re.compile(rf"(?<![\w-])(?:{fastscan.trie_regex(words)}){suffix}", re.IGNORECASE)
    flat = re.compile(rf"(?<![\w-])(?:{listed}){suffix}", re.IGNORECASE)
    for _ in range(2000):
        text = "".join(
            rng.choice(["a", "b", "c", "A", " ", "s", "es", "-", "/"]) for _ in range(rng.randint(1, 30))
        )
        assert _matches(tree, text, 0, len(text)) == _matches(flat, text, 0, len(text)), text


# The lookaheads that only name the characters a pattern can start with, as the modules write them.
_GUARDS = re.compile(
    r"\(\?i:\(\?=\[[a-z]+\]\)\)|\(\?=\[(?:[A-Za-z(]|\\d)+\]\)|\(\?=\[-\\u2212\\d\]\)"
    + "|"
    + re.escape(f"(?=[afio]|{P.SP})")
)


@pytest.mark.parametrize(
    ("name", "rx"),
    [(n, rx) for n, rx in _all_patterns() if _GUARDS.search(rx.pattern)],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_start_guards_change_no_match(name: str, rx: re.Pattern[str]) -> None:
    _same_matches(rx, re.compile(_GUARDS.sub("", rx.pattern), rx.flags))


def test_effect_cue_with_the_boundary_factored_out_matches_as_before() -> None:
    before = re.compile(
        r"(?P<stat>(?i:\b(?:hazard|odds|risk|rate)\s+ratio|\brelative\s+risk|\b(?:risk|mean|absolute)\s+difference|"
        r"\bdifference|\beffect\s+size)|\b(?:a?HR|a?OR|RR|IRR|ES|RD|MD|SMD))\b"
    )
    _same_matches(importlib.import_module("kb.extract.mentions")._EFFECT_CUE, before)
