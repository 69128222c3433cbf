"""Synthetic knowledge bases made in code (named synthetic): a small hand-checked one and a scaled one.

The seed has one full abstract and no retractions, two-hop citations or failed checks; these
records exercise those questions. Every abstract is written here and every evidence span is
found in it by ``Span`` offsets computed from the text, so the records pass the same validation
as extracted ones.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.pipeline.build import write_rdf
from kb.records.models import (
    Article,
    Check,
    Citation,
    CommentCorrection,
    EvidenceRecord,
    Extraction,
    Intervention,
    Measurement,
    Population,
    Provenance,
    Snapshot,
    Span,
    Study,
)

RUN_AT = "2026-01-01T00:00:00Z"


def span(abstract: str, text: str, nth: int = 0) -> Span:
    """The ``nth`` occurrence of ``text`` in ``abstract`` as a Span (fails loudly when absent)."""
    start = -1
    for _ in range(nth + 1):
        start = abstract.index(text, start + 1)
    return Span(start=start, end=start + len(text), text=text)


def provenance(pmid: str) -> Provenance:
    sha = hashlib.sha256(f"synthetic-{pmid}".encode()).hexdigest()
    return Provenance(
        snapshot=Snapshot(path=f"synthetic/{pmid}.xml", sha256=sha, reader="synthetic"),
        reader="synthetic",
        reader_version="1",
        extractor="synthetic",
        extractor_version="1",
        run_at=RUN_AT,
    )


@dataclass
class Paper:
    """What one synthetic article says; ``record()`` turns it into a validated EvidenceRecord."""

    pmid: str
    title: str
    abstract: str = ""
    year: int = 2020
    drug: str | None = None
    comparator: str | None = None
    n: int | None = None
    condition: str | None = None
    measurements: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[CommentCorrection] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=lambda: ["Journal Article"])
    cited_by_count: int | None = None
    status: str = "full"

    def record(self) -> EvidenceRecord:
        article = Article(
            pmid=self.pmid,
            title=self.title,
            journal="Synthetic Journal of Haematology",
            year=self.year,
            pub_date=str(self.year),
            abstract=self.abstract or None,
            publication_types=self.publication_types,
            comments_corrections=self.corrections,
            cited_by_count=self.cited_by_count,
            status=self.status,  # type: ignore[arg-type]
        )
        interventions = [Intervention(name=d) for d in (self.drug, self.comparator) if d]
        ms = []
        for spec in self.measurements:
            spec = dict(spec)
            quote, nth = spec.pop("quote"), spec.pop("nth", 0)
            checks = [Check(**c) for c in spec.pop("checks", [])]
            ms.append(Measurement(evidence=span(self.abstract, quote, nth), checks=checks, **spec))
        extraction = Extraction(
            pmid=self.pmid,
            abstract=self.abstract,
            study=Study(design=["phase 2"] if self.drug else [], n=self.n),
            population=Population(n=self.n, condition=self.condition),
            interventions=interventions,
            measurements=ms,
        )
        return EvidenceRecord(article=article, extraction=extraction, provenance=provenance(self.pmid))


def small() -> tuple[list[EvidenceRecord], list[Citation]]:
    """Five synthetic articles: two trials, a comparative trial, a retracted paper, citation chains.

    Citations: 300 -> 100, 400 -> 300 (so 400 cites 100 in two hops), 500 -> 100, 500 -> 300,
    200 -> 100. PMID 500 is retracted (RetractionIn 501); PMID 200 has an erratum (ErratumIn 201).
    """
    a = (
        "We treated 40 adults with relapsed B-cell acute lymphoblastic leukemia with blinatumomab. "
        "Complete remission was achieved by 18 of 40 patients (45%). Median overall survival was "
        "7.7 months (95% CI, 5.0 to 10.1). Grade 3 neutropenia occurred in 6 patients (15%) and "
        "grade 4 infections in 12 patients (35%)."
    )
    b = (
        "In 50 patients with Philadelphia chromosome-positive acute lymphoblastic leukemia, "
        "inotuzumab ozogamicin led to CR/CRh in 30 of 50 patients. Grade >= 3 cytokine release "
        "syndrome occurred in 4 of 50 patients, and grade <= 3 graft-versus-host disease in 7."
    )
    c = (
        "In a randomized trial of 120 adults with acute myeloid leukemia, CR was reached by 24 of 60 "
        "patients given Blinatumomab and 12 of 60 patients given placebo."
    )
    papers = [
        Paper(
            pmid="100",
            title="Blinatumomab in relapsed B-ALL (synthetic)",
            abstract=a,
            year=2019,
            drug="blinatumomab",
            n=40,
            condition="relapsed B-cell acute lymphoblastic leukemia",
            cited_by_count=10,
            measurements=[
                dict(
                    kind="outcome",
                    endpoint="complete remission",
                    statistic="proportion",
                    numerator=18,
                    denominator=40,
                    percent=45.0,
                    quote="18 of 40 patients (45%)",
                    checks=[dict(name="percent matches n/N", ok=True)],
                ),
                dict(
                    kind="outcome",
                    endpoint="overall survival",
                    statistic="median",
                    value=7.7,
                    unit="months",
                    ci=(5.0, 10.1),
                    ci_level=95.0,
                    quote="7.7 months (95% CI, 5.0 to 10.1)",
                ),
                dict(
                    kind="safety",
                    endpoint="neutropenia",
                    statistic="count",
                    grade="3",
                    numerator=6,
                    denominator=40,
                    percent=15.0,
                    quote="6 patients (15%)",
                ),
                dict(
                    kind="safety",
                    endpoint="infection",
                    statistic="count",
                    grade="4",
                    numerator=12,
                    denominator=40,
                    percent=35.0,
                    quote="12 patients (35%)",
                    checks=[
                        dict(name="percent matches n/N", ok=False, detail="12/40 is 30.0%, reported 35%")
                    ],
                ),
            ],
        ),
        Paper(
            pmid="200",
            title="Inotuzumab ozogamicin in Ph+ ALL (synthetic)",
            abstract=b,
            year=2021,
            drug="inotuzumab ozogamicin",
            n=50,
            condition="Philadelphia chromosome-positive acute lymphoblastic leukemia",
            cited_by_count=3,
            corrections=[CommentCorrection(ref_type="ErratumIn", pmid="201", source="Synth J. 2021;1:2")],
            measurements=[
                dict(
                    kind="outcome",
                    endpoint="CR/CRh",
                    statistic="proportion",
                    numerator=30,
                    denominator=50,
                    percent=60.0,
                    derived=["percent"],
                    quote="30 of 50 patients",
                ),
                dict(
                    kind="safety",
                    endpoint="cytokine release syndrome",
                    statistic="count",
                    grade=">=3",
                    numerator=4,
                    denominator=50,
                    quote="4 of 50 patients",
                ),
                dict(
                    kind="safety",
                    endpoint="graft-versus-host disease",
                    statistic="count",
                    grade="<=3",
                    numerator=7,
                    denominator=50,
                    quote="7",
                    nth=0,
                ),
            ],
        ),
        Paper(
            pmid="300",
            title="A randomized trial of blinatumomab versus placebo in AML (synthetic)",
            abstract=c,
            year=2022,
            drug="Blinatumomab",
            comparator="placebo",
            n=120,
            condition="acute myeloid leukemia",
            measurements=[
                dict(
                    kind="outcome",
                    endpoint="CR",
                    statistic="proportion",
                    numerator=24,
                    denominator=60,
                    arm="blinatumomab",
                    quote="24 of 60",
                ),
                dict(
                    kind="outcome",
                    endpoint="CR",
                    statistic="proportion",
                    numerator=12,
                    denominator=60,
                    arm="placebo",
                    quote="12 of 60",
                ),
            ],
        ),
        Paper(
            pmid="400",
            title="A review citing the randomized trial (synthetic)",
            year=2023,
            publication_types=["Review"],
        ),
        Paper(
            pmid="500",
            title="A retracted report (synthetic)",
            year=2020,
            corrections=[CommentCorrection(ref_type="RetractionIn", pmid="501")],
        ),
    ]
    citations = [
        Citation(citing=citing, cited=cited, origin="synthetic")
        for citing, cited in (("200", "100"), ("300", "100"), ("400", "300"), ("500", "100"), ("500", "300"))
    ]
    return [p.record() for p in papers], citations


DRUGS = ("blinatumomab", "inotuzumab ozogamicin", "dasatinib", "ponatinib", "venetoclax", "rituximab")
CONDITIONS = (
    "acute lymphoblastic leukemia",
    "acute myeloid leukemia",
    "chronic lymphocytic leukemia",
    "diffuse large B-cell lymphoma",
)
HARMS = ("neutropenia", "cytokine release syndrome", "infection", "neurologic event")


def scaled(n_articles: int, seed: int = 7) -> tuple[list[EvidenceRecord], list[Citation]]:
    """``n_articles`` synthetic trial reports (4 measurements each) citing earlier ones at random."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    records, citations = [], []
    for i in range(n_articles):
        pmid = str(1_000_000 + i)
        drug, cond, harm = rng.choice(DRUGS), rng.choice(CONDITIONS), rng.choice(HARMS)
        n = rng.randint(20, 400)
        k, h, g = rng.randint(1, n), rng.randint(0, n // 4), rng.randint(0, n // 10)
        median = round(rng.uniform(2, 30), 1)
        pct = round(100 * k / n)
        abstract = (
            f"We treated {n} patients with {cond} with {drug}. The response rate was {k} of {n} "
            f"({pct}%). Median overall survival was {median} months. Grade 3 {harm} occurred in "
            f"{h} patients and grade 5 events in {g} patients."
        )
        paper = Paper(
            pmid=pmid,
            title=f"{drug} in {cond}: report {i} (synthetic)",
            abstract=abstract,
            year=2000 + i % 25,
            drug=drug,
            n=n,
            condition=cond,
            cited_by_count=rng.randint(0, 40),
            measurements=[
                dict(
                    kind="outcome",
                    endpoint="overall response",
                    statistic="proportion",
                    numerator=k,
                    denominator=n,
                    percent=float(pct),
                    quote=f"{k} of {n} ({pct}%)",
                    checks=[dict(name="percent matches n/N", ok=abs(100 * k / n - pct) <= 0.5)],
                ),
                dict(
                    kind="outcome",
                    endpoint="overall survival",
                    statistic="median",
                    value=median,
                    unit="months",
                    quote=f"{median} months",
                ),
                dict(
                    kind="safety",
                    endpoint=harm,
                    statistic="count",
                    grade="3",
                    numerator=h,
                    denominator=n,
                    quote=f"{h} patients",
                ),
                dict(
                    kind="safety",
                    endpoint="fatal adverse event",
                    statistic="count",
                    grade="5",
                    numerator=g,
                    denominator=n,
                    quote=f"{g} patients",
                    nth=1 if g == h else 0,
                ),
            ],
        )
        records.append(paper.record())
        for cited in rng.sample(range(i), min(i, rng.randint(0, 5))):
            citations.append(Citation(citing=pmid, cited=str(1_000_000 + cited), origin="synthetic"))
    return records, citations


def write_kb(records: list[EvidenceRecord], citations: list[Citation], out: Path) -> Path:
    """What ``kb build`` writes for RDF (the same code), from records made in code."""
    out.mkdir(parents=True, exist_ok=True)
    write_rdf(records, citations, out)
    return out
