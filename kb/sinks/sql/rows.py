"""The one mapping from an evidence record to plain row dicts, keyed by table name (no ORM objects)."""

from __future__ import annotations

from typing import Any

from kb.records import ids
from kb.records.models import Article, Citation, EvidenceRecord, Extraction, Measurement, Provenance

Row = dict[str, Any]

#: Tables holding one article's rows, parents first: inserts go in this order, deletes in reverse
#: (PostgreSQL checks foreign keys row by row).
RECORD_TABLES = ("article", "study", "provenance", "author", "intervention", "measurement")

#: Measurement fields that are flattened or converted below; the others are plain values stored
#: as they are (read by name: ``model_dump`` per measurement cost a third of the mapping time).
_MEASUREMENT_FLAT = {"ci", "evidence", "checks", "derived"}
_MEASUREMENT_PLAIN = tuple(f for f in Measurement.model_fields if f not in _MEASUREMENT_FLAT)


def article_row(a: Article, cited_by_ingested: int) -> Row:
    return {
        "pmid": a.pmid,
        "iri": str(ids.article(a.pmid)),
        "title": a.title,
        "journal": a.journal,
        "pub_date": a.pub_date,
        "year": a.year,
        "volume": a.volume,
        "issue": a.issue,
        "pages": a.pages,
        "doi": a.doi,
        "pmcid": a.pmcid,
        "language": a.language,
        "abstract": a.abstract,
        "publication_types": a.publication_types,
        "mesh_headings": a.mesh_headings,
        "keywords": a.keywords,
        "sections": [s.model_dump() for s in a.sections],
        "comments_corrections": [c.model_dump() for c in a.comments_corrections],
        "cited_by_count": a.cited_by_count,
        "cited_by_ingested": cited_by_ingested,
        "version": a.version,
        "revised": a.revised,
        "status": a.status,
        "retracted": a.retracted,
    }


def study_row(pmid: str, x: Extraction) -> Row:
    return {
        "pmid": pmid,
        "design": x.study.design,
        "n": x.study.n,
        "population_n": x.population.n,
        "condition": x.population.condition,
        "characteristics": x.population.characteristics,
    }


def provenance_row(pmid: str, p: Provenance) -> Row:
    return {
        "pmid": pmid,
        "snapshot_path": p.snapshot.path,
        "snapshot_sha256": p.snapshot.sha256,
        "reader": p.reader,
        "reader_version": p.reader_version,
        "extractor": p.extractor,
        "extractor_version": p.extractor_version,
        "run_at": p.run_at,
        "note": p.note,
    }


def measurement_row(pmid: str, position: int, local: str, m: Measurement) -> Row:
    return {
        "iri": str(ids.measurement(pmid, local)),
        "pmid": pmid,
        "position": position,
        **{f: getattr(m, f) for f in _MEASUREMENT_PLAIN},
        "ci_low": m.ci[0] if m.ci else None,
        "ci_high": m.ci[1] if m.ci else None,
        "evidence_start": m.evidence.start,
        "evidence_end": m.evidence.end,
        "evidence_text": m.evidence.text,
        "derived": m.derived,
        "checks": [c.model_dump() for c in m.checks],
        "checks_ok": m.checks_ok,
    }


def record_rows(rec: EvidenceRecord, cited_by_ingested: int = 0) -> dict[str, list[Row]]:
    """The rows that store one evidence record, by table name (every name of ``RECORD_TABLES``)."""
    a, x = rec.article, rec.extraction
    pmid = a.pmid
    measurements = zip(x.measurements, ids.measurement_local_names(x.measurements), strict=True)
    return {
        "article": [article_row(a, cited_by_ingested)],
        "study": [study_row(pmid, x)],
        "provenance": [provenance_row(pmid, rec.provenance)],
        "author": [{"pmid": pmid, "position": i, **au.model_dump()} for i, au in enumerate(a.authors)],
        "intervention": [
            {
                "pmid": pmid,
                "position": i,
                "iri": str(ids.intervention(pmid, iv.name)),
                "name": iv.name,
                "drug_class": iv.drug_class,
                "regimen": iv.regimen,
                "code": iv.code,
            }
            for i, iv in enumerate(x.interventions)
        ],
        "measurement": [measurement_row(pmid, i, local, m) for i, (m, local) in enumerate(measurements)],
    }


def citation_row(c: Citation) -> Row:
    return {"citing": c.citing, "cited": c.cited, "origin": c.origin}
