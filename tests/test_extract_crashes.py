"""Inputs that crashed the extractor (issue 13, item 5): signed counts and section offsets out of range."""

from __future__ import annotations

import logging

import pytest

from kb.extract import extract
from kb.extract.text import find_sections
from kb.records.models import AbstractSection, Article, Measurement


def _measurements(text: str) -> list[Measurement]:
    return extract(Article(pmid="1", abstract=text)).measurements


@pytest.mark.parametrize("minus", ["-", "\u2212"])
def test_a_sign_before_a_count_is_read_as_a_dash(minus: str) -> None:
    (m,) = _measurements(f"Of 40 patients, {minus}3 had a response.")
    assert (m.numerator, m.denominator) == (3, 40)
    assert m.evidence.text.startswith("3")


@pytest.mark.parametrize(
    "text",
    [
        "Of 40 patients, -3 (8%) had a response.",
        "Overall, -3/40 patients responded.",
        "A response was seen in 12 of 40 patients, and -3 patients relapsed.",
        "In all 40 patients, 12 and -3 patients had grade 3 toxicity, respectively.",
    ],
)
def test_no_count_or_size_is_negative(text: str) -> None:
    found = _measurements(text)
    assert found
    for m in found:
        assert (m.numerator is None or m.numerator >= 0) and (m.denominator is None or m.denominator >= 0)


def test_values_and_effect_sizes_keep_their_sign() -> None:
    text = "The mean difference was MD -1.2 (95% CI -2.0 to -0.4), and the mean change was -3 points."
    values = sorted(m.value for m in _measurements(text) if m.value is not None)
    assert values == [-3.0, -1.2]


def test_a_range_is_not_read_as_a_negative_number() -> None:
    (m,) = _measurements("Of 40 patients, 12 had grade 2-3 neutropenia.")
    assert (m.numerator, m.denominator, m.grade) == (12, 40, "2-3")


@pytest.mark.parametrize(("start", "end"), [(0, 500), (70, 100), (30, 10)])
def test_sections_outside_the_text_are_set_aside(
    start: int, end: int, caplog: pytest.LogCaptureFixture
) -> None:
    text = "METHODS: We treated 40 patients. RESULTS: Of 40 patients, 20 (50%) responded."
    sections = [AbstractSection(label="RESULTS", start=start, end=end)]
    with caplog.at_level(logging.WARNING, logger="kb.extract"):
        got = extract(Article(pmid="31002989", abstract=text, sections=sections))
    plain = extract(Article(pmid="31002989", abstract=text))
    assert got.measurements == plain.measurements and got.measurements
    assert "31002989" in caplog.text
    assert find_sections(text, sections) == find_sections(text)
