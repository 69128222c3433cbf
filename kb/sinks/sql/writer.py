"""Records to the SQL store (SQLite or PostgreSQL) through ``SqlSink``, and read back with SQLModel."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from kb.pipeline.citegraph import cited_by_counts
from kb.records.models import (
    AbstractSection,
    Article,
    Author,
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
from kb.sinks.base import Entry
from kb.sinks.sql import db
from kb.sinks.sql.sink import SqlSink
from kb.sinks.sql.tables import (
    ArticleRow,
    AuthorRow,
    BuildRow,
    CitationRow,
    CitationStatsRow,
    InterventionRow,
    MeasurementRow,
    ProvenanceRow,
    StudyRow,
)


def engine(target: Path | str) -> Engine:
    """An engine for reading: a SQLite path or a database URL (``postgresql://...``)."""
    return db.engine(target)


def create(target: Path | str) -> Engine:
    """Create the tables and views (if missing) and return an engine on the store."""
    eng = engine(target)
    with eng.begin() as conn:
        db.create_schema(conn)
        db.create_indexes(conn)
        db.create_views(conn)
    return eng


def entries(records: Iterable[EvidenceRecord], citations: Iterable[Citation]) -> list[Entry]:
    """Sink entries for whole lists of records and links (one per record, one per other citing PMID)."""
    cits = list(citations)
    ingested = cited_by_counts(cits)
    made: dict[str, list[Citation]] = {}
    for c in cits:
        made.setdefault(c.citing, []).append(c)
    latest = {r.article.pmid: r for r in records}  # a PMID given twice: the later record wins
    out = [Entry(p, r, tuple(made.pop(p, [])), ingested.get(p, 0)) for p, r in latest.items()]
    return out + [Entry(pmid, None, tuple(links)) for pmid, links in made.items()]


def write(
    target: Path | str,
    records: Iterable[EvidenceRecord],
    citations: Iterable[Citation],
    build: BuildRow,
) -> None:
    """Write records and citations into the store at ``target`` through ``SqlSink`` (idempotent)."""
    sink = SqlSink(db.normalise_url(target))
    sink.write(entries(records, citations))
    sink.close(build)


def read_citation_stats(path: Path | str) -> dict[str, CitationStatsRow]:
    eng = engine(path)
    with Session(eng) as session:
        rows = {r.pmid: r for r in session.exec(select(CitationStatsRow)).all()}
    eng.dispose()
    return rows


def _rows(session: Session, table: type[SQLModel], pmid: str) -> list[SQLModel]:
    col = table.pmid  # type: ignore[attr-defined]
    order = table.position if hasattr(table, "position") else col
    return list(session.exec(select(table).where(col == pmid).order_by(order)).all())


def read_records(path: Path | str) -> Iterator[EvidenceRecord]:
    """Read every evidence record back from the store (SQLite path or URL), in PMID order."""
    eng = engine(path)
    with Session(eng) as session:
        for art in session.exec(select(ArticleRow).order_by(ArticleRow.pmid)).all():
            yield _record(session, art)
    eng.dispose()


def read_citations(path: Path | str) -> list[Citation]:
    eng = engine(path)
    with Session(eng) as session:
        rows = session.exec(
            select(CitationRow).order_by(CitationRow.cited, CitationRow.citing, CitationRow.origin)
        ).all()
        out = [Citation(citing=r.citing, cited=r.cited, origin=r.origin) for r in rows]
    eng.dispose()
    return out


def read_build(path: Path | str) -> BuildRow:
    eng = engine(path)
    with Session(eng) as session:
        row = session.exec(select(BuildRow)).one()
    eng.dispose()
    return row


def _record(session: Session, art: ArticleRow) -> EvidenceRecord:
    pmid = art.pmid
    study = session.get(StudyRow, pmid)
    prov = session.get(ProvenanceRow, pmid)
    assert study is not None and prov is not None  # noqa: S101  (written together by write())
    authors = [Author(**r.model_dump(exclude={"pmid", "position"})) for r in _rows(session, AuthorRow, pmid)]
    article = Article(
        **art.model_dump(
            exclude={
                "iri",
                "authors",
                "sections",
                "comments_corrections",
                "cited_by_ingested",
                "retracted",
            }
        ),
        authors=authors,
        sections=[AbstractSection(**s) for s in art.sections],
        comments_corrections=[CommentCorrection(**c) for c in art.comments_corrections],
    )
    interventions = [
        Intervention(name=r.name, drug_class=r.drug_class, regimen=r.regimen, code=r.code)  # type: ignore[attr-defined]
        for r in _rows(session, InterventionRow, pmid)
    ]
    measurements = []
    for r in _rows(session, MeasurementRow, pmid):
        assert isinstance(r, MeasurementRow)  # noqa: S101
        fields = r.model_dump(
            exclude={
                "iri",
                "pmid",
                "position",
                "ci_low",
                "ci_high",
                "evidence_start",
                "evidence_end",
                "evidence_text",
                "checks",
                "checks_ok",
            }
        )
        measurements.append(
            Measurement(
                **fields,
                ci=(r.ci_low, r.ci_high) if r.ci_low is not None and r.ci_high is not None else None,
                evidence=Span(start=r.evidence_start, end=r.evidence_end, text=r.evidence_text),
                checks=[Check(**c) for c in r.checks],
            )
        )
    extraction = Extraction(
        pmid=pmid,
        abstract=article.abstract or "",
        study=Study(design=study.design, n=study.n),
        population=Population(
            n=study.population_n, condition=study.condition, characteristics=study.characteristics
        ),
        interventions=interventions,
        measurements=measurements,
    )
    provenance = Provenance(
        snapshot=Snapshot(path=prov.snapshot_path, sha256=prov.snapshot_sha256, reader=prov.reader),
        reader=prov.reader,
        reader_version=prov.reader_version,
        extractor=prov.extractor,
        extractor_version=prov.extractor_version,
        run_at=prov.run_at,
        note=prov.note,
    )
    return EvidenceRecord(article=article, extraction=extraction, provenance=provenance)
