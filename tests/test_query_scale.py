"""Every library question on a synthetic 10k-article knowledge base (issue 8 item 6): right answers at scale.

The store is written straight from generated quads (tests/synthetic_store.py), not by ``kb build``.
Each question runs on Oxigraph with and without parameters, and its rows are checked against
what the generator made, computed here in Python. Times are measured by
``benchmarks/bench_store.py``, not asserted here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kb.query import sparql as q
from kb.query.answer import XSD
from kb.records.models import Citation, EvidenceRecord
from tests import synthetic
from tests.synthetic_store import write_store

pytestmark = pytest.mark.slow

ARTICLES = 10_000
FIRST = str(1_000_000)
#: Parameters that select data in the scaled KB (the headers' examples name seed PMIDs).
PARAMS = {
    "pmid": FIRST,
    "cited": FIRST,
    "article": "1000010",
    "drug": "blinatumomab",
    "endpoint": "overall response",
    "term": "lymphoblastic",
}
Row = dict[str, str | None]


@dataclass
class Truth:
    """What the generator made, indexed for the expected answers."""

    records: dict[str, EvidenceRecord]
    citations: list[Citation]
    citers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    refs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        for c in self.citations:
            self.citers[c.cited].add(c.citing)
            self.refs[c.citing].add(c.cited)


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    records, citations = synthetic.scaled(ARTICLES)
    out = write_store(records, citations, tmp_path_factory.mktemp("scaled-kb") / "build")
    return out, Truth({r.article.pmid: r for r in records}, citations)


def rows(out: Path, name: str, **params: str) -> list[Row]:
    got = q.ask(q.engine_for(out, "oxigraph"), q.resolve(name), params)
    return [dict(zip(got.names, r, strict=True)) for r in got.rows]


def dec(value: float | int | None) -> str | None:
    return None if value is None else q.canonical(repr(value), XSD + "decimal")


def two_hops(t: Truth, target: str) -> dict[str, int]:
    direct = t.citers[target] - {target}
    further = {s for m in t.citers[target] for s in t.citers[m]} - direct - {target}
    return {**dict.fromkeys(direct, 1), **dict.fromkeys(further, 2)}


def test_every_question_is_checked_here() -> None:
    assert {x.name for x in q.library()} == set(CHECKS)


# --- citations ----------------------------------------------------------------------------------


def check_citing_articles(out: Path, t: Truth) -> None:
    got = rows(out, "citing-articles", cited=FIRST)
    assert sorted(r["citing"] or "" for r in got) == sorted(t.citers[FIRST])
    assert {r["record"] for r in got} == {"full"}
    assert len(rows(out, "citing-articles")) == len(t.citations)


def check_citing_two_hops(out: Path, t: Truth) -> None:
    got = rows(out, "citing-two-hops", cited=FIRST)
    expected = two_hops(t, FIRST)
    assert {r["citing"]: int(r["hops"] or 0) for r in got} == expected and len(got) == len(expected)
    assert [int(r["hops"] or 0) for r in got] == sorted(int(r["hops"] or 0) for r in got)
    assert len(rows(out, "citing-two-hops")) == sum(len(two_hops(t, p)) for p in t.records)


def check_citing_years(out: Path, t: Truth) -> None:
    expected = Counter(str(t.records[c].article.year) for c in t.citers[FIRST])
    assert {r["year"]: int(r["citing"] or 0) for r in rows(out, "citing-years", cited=FIRST)} == expected
    everything = rows(out, "citing-years")
    assert sum(int(r["citing"] or 0) for r in everything) == len(t.citations)


def check_co_citation(out: Path, t: Truth) -> None:
    article = PARAMS["article"]
    expected: Counter[str] = Counter()
    for citing in t.citers[article]:
        expected.update(t.refs[citing] - {article, citing})
    got = rows(out, "co-citation", article=article)
    assert {r["other"]: int(r["cocitations"] or 0) for r in got} == dict(expected)
    pairs = sum(len(refs) * (len(refs) - 1) for refs in t.refs.values())
    assert sum(int(r["cocitations"] or 0) for r in rows(out, "co-citation")) == pairs


def check_bibliographic_coupling(out: Path, t: Truth) -> None:
    article = PARAMS["article"]
    expected: Counter[str] = Counter()
    for ref in t.refs[article]:
        expected.update(t.citers[ref] - {article, ref})
    got = rows(out, "bibliographic-coupling", article=article)
    assert {r["other"]: int(r["shared"] or 0) for r in got} == dict(expected)
    pairs = sum(len(cs) * (len(cs) - 1) for cs in t.citers.values())
    assert sum(int(r["shared"] or 0) for r in rows(out, "bibliographic-coupling")) == pairs


def check_citation_coverage(out: Path, t: Truth) -> None:
    expected = {}
    for pmid, rec in t.records.items():
        reported, ingested = rec.article.cited_by_count, len(t.citers[pmid])
        expected[pmid] = (str(reported), str(ingested), str((reported or 0) - ingested))
    got = rows(out, "citation-coverage")
    assert {r["pmid"]: (r["reported"], r["ingested"], r["missing"]) for r in got} == expected


def check_citation_origins(out: Path, t: Truth) -> None:
    assert rows(out, "citation-origins") == [
        {
            "origin": "synthetic",
            "links": str(len(t.citations)),
            "citing": str(len({c.citing for c in t.citations})),
            "cited": str(len({c.cited for c in t.citations})),
        }
    ]


def check_retracted_or_corrected(out: Path, t: Truth) -> None:
    assert rows(out, "retracted-or-corrected") == []  # the generator makes none


# --- measurements -------------------------------------------------------------------------------


def of_kind(t: Truth, kind: str) -> list[tuple[str, object]]:
    return [(p, m) for p, r in t.records.items() for m in r.extraction.measurements if m.kind == kind]


def check_seed_outcomes(out: Path, t: Truth) -> None:
    got = rows(out, "seed-outcomes", pmid=FIRST)
    first = t.records[FIRST].extraction
    assert sorted((r["endpoint"], r["quote"]) for r in got) == sorted(
        (m.endpoint, m.evidence.text) for m in first.measurements if m.kind == "outcome"
    )
    assert all(first.abstract[int(r["start"] or 0) : int(r["end"] or 0)] == r["quote"] for r in got)
    assert len(rows(out, "seed-outcomes")) == len(of_kind(t, "outcome"))


def check_drug_measurements(out: Path, t: Truth) -> None:
    drug = PARAMS["drug"]
    studies = {p for p, r in t.records.items() if r.extraction.interventions[0].name == drug}
    got = rows(out, "drug-measurements", drug=drug.upper())
    assert {r["pmid"] for r in got} == studies and len(got) == 4 * len(studies)
    assert rows(out, "drug-measurements") == []  # the drug is the question's subject


def check_failed_checks(out: Path, t: Truth) -> None:
    failed = [(p, c) for p, r in t.records.items() for m in r.extraction.measurements for c in m.checks]
    expected = sorted(p for p, c in failed if not c.ok)
    assert sorted(r["pmid"] or "" for r in rows(out, "failed-checks")) == expected


def check_median_outcomes(out: Path, t: Truth) -> None:
    expected = {p: dec(m.value) for p, m in of_kind(t, "outcome") if m.statistic == "median"}  # type: ignore[attr-defined]
    got = rows(out, "median-outcomes")
    assert {r["pmid"]: r["value"] for r in got} == expected and len(got) == len(expected)


def check_pooling_proportions(out: Path, t: Truth) -> None:
    expected = sorted(
        (p, str(m.numerator), str(m.denominator))  # type: ignore[attr-defined]
        for p, m in of_kind(t, "outcome")
        if m.endpoint == PARAMS["endpoint"]  # type: ignore[attr-defined]
    )
    got = rows(out, "pooling-proportions", endpoint=PARAMS["endpoint"])
    assert sorted((r["pmid"] or "", r["events"] or "", r["participants"] or "") for r in got) == expected
    assert len(rows(out, "pooling-proportions")) == len(expected)  # one proportion endpoint


def check_reported_vs_derived(out: Path, t: Truth) -> None:
    expected: Counter[tuple[str, str | None]] = Counter()
    for m in t.records[FIRST].extraction.measurements:
        if m.numerator is not None:
            expected[("numerator", str(m.numerator))] += 1
        if m.denominator is not None:
            expected[("denominator", str(m.denominator))] += 1
        if m.percent is not None:
            expected[("percent", dec(m.percent))] += 1
        elif m.value is not None:
            expected[("value", dec(m.value))] += 1
    got = rows(out, "reported-vs-derived", pmid=FIRST)
    assert Counter((r["field"] or "", r["number"]) for r in got) == expected
    assert {r["origin"] for r in got} == {"reported"}
    assert len(rows(out, "reported-vs-derived")) == ARTICLES * sum(expected.values())


def check_severe_adverse_events(out: Path, t: Truth) -> None:
    severe = [(p, m) for p, m in of_kind(t, "safety") if (m.grade or "")[:1] in "345"]  # type: ignore[attr-defined]
    got = rows(out, "severe-adverse-events")
    assert len(got) == len(severe)
    assert Counter(r["grade"] for r in got) == Counter(m.grade for _, m in severe)  # type: ignore[attr-defined]


def check_study_populations(out: Path, t: Truth) -> None:
    expected = {
        p: (str(r.extraction.population.n), r.extraction.population.condition) for p, r in t.records.items()
    }
    got = rows(out, "study-populations")
    assert {r["pmid"]: (r["participants"], r["condition"]) for r in got} == expected


def check_populations_by_condition(out: Path, t: Truth) -> None:
    term = PARAMS["term"]
    expected = {p for p, r in t.records.items() if term in (r.extraction.population.condition or "")}
    got = rows(out, "populations-by-condition", term=term.upper())
    assert {r["pmid"] for r in got} == expected and len(got) == len(expected)
    assert len(rows(out, "populations-by-condition")) == len(t.records)


CHECKS = {
    name.removeprefix("check_").replace("_", "-"): fn
    for name, fn in list(globals().items())
    if name.startswith("check_") and callable(fn)
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_question_at_scale(name: str, scaled: tuple[Path, Truth]) -> None:
    out, truth = scaled
    CHECKS[name](out, truth)
