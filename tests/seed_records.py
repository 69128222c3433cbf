"""Evidence records of the seed article for RDF tests: the real page plus its real gold annotation.

The extractor is developed separately, so these tests take the measurements from the hand-made
gold file ``data/gold/31002989.json`` (each anchor located in the abstract gives the span).
"""

from __future__ import annotations

import json
from pathlib import Path

from kb.records.models import (
    Article,
    Citation,
    EvidenceRecord,
    Extraction,
    Measurement,
    Provenance,
    Snapshot,
    Span,
)
from kb.sources.registry import get_reader

DATA = Path(__file__).parent / "data"
PAGE = DATA / "seed" / "pubmed-31002989.txt"
GOLD = DATA / "gold" / "31002989.json"


def seed_records() -> tuple[list[EvidenceRecord], list[Citation]]:
    """The seed article (with gold measurements), its citing stubs, and the citation links."""
    items = list(get_reader("pubmed-page").read(PAGE))
    articles = [i for i in items if isinstance(i, Article)]
    citations = [i for i in items if isinstance(i, Citation)]
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    snapshot = Snapshot(path="seed/pubmed-31002989.txt", sha256="0" * 64, reader="pubmed-page")
    records = []
    for article in sorted(articles, key=lambda a: int(a.pmid)):
        abstract = article.abstract or ""
        extraction = Extraction(pmid=article.pmid, abstract=abstract)
        if article.pmid == gold["pmid"]:
            measurements = []
            for item in gold["measurements"]:
                start = abstract.index(item["anchor"])
                fields = {k: v for k, v in item.items() if k in Measurement.model_fields}
                span = Span(start=start, end=start + len(item["anchor"]), text=item["anchor"])
                measurements.append(Measurement(**fields, evidence=span))
            extraction = Extraction(
                pmid=article.pmid,
                abstract=abstract,
                study=gold["study"],
                population=gold["population"],
                interventions=gold["interventions"],
                measurements=measurements,
            )
        provenance = Provenance(
            snapshot=snapshot,
            reader="pubmed-page",
            reader_version="1",
            extractor="gold",
            extractor_version="1",
            run_at="2026-01-01T00:00:00Z",
        )
        records.append(EvidenceRecord(article=article, extraction=extraction, provenance=provenance))
    return records, citations
