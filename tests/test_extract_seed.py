"""The extractor on the seed abstract (tests/data/seed/pubmed-31002989.txt): the rules it exercises."""

from __future__ import annotations

from kb.extract import NAME, VERSION, extract
from kb.records.models import Article, Extraction, Measurement
from kb.sources.registry import get_reader
from tests.conftest import SEED_PAGE


def _seed() -> Extraction:
    [article] = [
        a for a in get_reader("pubmed-page").read(SEED_PAGE) if isinstance(a, Article) and a.status == "full"
    ]
    return extract(article)


def _at(ex: Extraction, quote: str) -> list[Measurement]:
    """Measurements whose evidence overlaps the first occurrence of ``quote``."""
    a = ex.abstract.index(quote)
    b = a + len(quote)
    return [m for m in ex.measurements if m.evidence.start < b and a < m.evidence.end]


def test_name_and_version() -> None:
    assert NAME == "kb.extract"
    assert VERSION.count(".") == 2


def test_every_span_is_verbatim() -> None:
    ex = _seed()
    assert ex.measurements
    for m in ex.measurements:
        assert ex.abstract[m.evidence.start : m.evidence.end] == m.evidence.text


def test_study_population_and_intervention() -> None:
    ex = _seed()
    assert ex.study.design[:3] == ["phase 2", "open-label", "single-arm"] or set(ex.study.design) >= {
        "phase 2",
        "open-label",
        "single-arm",
        "exploratory analysis",
    }
    assert ex.study.n == ex.population.n == 64
    assert "adults" in ex.population.characteristics
    [drug] = ex.interventions
    assert (drug.name, drug.drug_class, drug.code) == (
        "blinatumomab",
        "bispecific T cell engager",
        "NCIT:C62528",
    )


def test_cr_crh_with_words_and_counts() -> None:
    [m] = _at(_seed(), "29 of 64")
    assert (m.endpoint, m.numerator, m.denominator, m.percent, m.timepoint) == (
        "CR/CRh",
        29,
        64,
        45.0,
        "2 cycles",
    )


def test_of_whom_and_including() -> None:
    ex = _seed()
    [whom] = _at(ex, "22 of whom")
    assert (whom.endpoint, whom.numerator, whom.denominator, whom.subgroup) == (
        "MRD response",
        22,
        29,
        "CR/CRh",
    )
    [incl] = _at(ex, "19 with a complete")
    assert (incl.endpoint, incl.numerator) == ("complete MRD response", 19)


def test_medians_and_rates() -> None:
    ex = _seed()
    [rfs] = _at(ex, "7.4 months")
    [os_] = _at(ex, "8.5 months")
    assert (rfs.endpoint, rfs.statistic, rfs.value, rfs.unit) == (
        "relapse-free survival",
        "median",
        7.4,
        "months",
    )
    assert (os_.endpoint, os_.value) == ("overall survival", 8.5)
    [y1] = _at(ex, "36% at 1 year")
    [y3] = _at(ex, "18% at 3 years")
    assert (y1.percent, y1.timepoint, y3.percent, y3.timepoint) == (36.0, "1 year", 18.0, "3 years")


def test_grades_respectively_and_fatal() -> None:
    ex = _seed()
    safety = [
        (m.endpoint, m.grade, m.numerator, m.denominator) for m in ex.measurements if m.kind == "safety"
    ]
    assert safety == [
        ("adverse event", "3", 20, 64),
        ("adverse event", "4", 28, 64),
        ("neurologic event", "3", 8, 64),
        ("neurologic event", "4", 2, 64),
        ("cytokine release syndrome", "3", 2, 64),
        ("fatal adverse event", "5", 8, 64),
        ("infection", "5", 5, None),
        ("graft-versus-host disease", "<=3", 7, 64),
    ]


def test_checks_pass_on_the_seed() -> None:
    for m in _seed().measurements:
        assert m.checks_ok, (m.evidence.text, m.checks)
