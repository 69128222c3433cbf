"""Records to SQLite (SQLModel) and back; upserts on stable keys so re-ingesting is idempotent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, SQLModel, create_engine, select

from kb.pipeline import citegraph
from kb.pipeline.citegraph import cited_by_counts
from kb.records import ids
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
from kb.sinks.sql.tables import (
    VIEWS,
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


def engine(path: Path) -> Engine:
    eng = create_engine(f"sqlite:///{path}")

    @event.listens_for(eng, "connect")
    def _fk_on(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return eng


def create(path: Path) -> Engine:
    eng = engine(path)
    SQLModel.metadata.create_all(eng)
    with eng.begin() as conn:
        for name, select_sql in VIEWS.items():
            conn.exec_driver_sql(f"CREATE VIEW IF NOT EXISTS {name} AS {select_sql}")
    return eng


def record_rows(rec: EvidenceRecord, cited_by_ingested: int = 0) -> list[SQLModel]:
    """The rows that store one evidence record."""
    a, x, p = rec.article, rec.extraction, rec.provenance
    rows: list[SQLModel] = [
        ArticleRow(
            pmid=a.pmid,
            iri=str(ids.article(a.pmid)),
            title=a.title,
            journal=a.journal,
            pub_date=a.pub_date,
            year=a.year,
            volume=a.volume,
            issue=a.issue,
            pages=a.pages,
            doi=a.doi,
            pmcid=a.pmcid,
            language=a.language,
            abstract=a.abstract,
            publication_types=a.publication_types,
            mesh_headings=a.mesh_headings,
            keywords=a.keywords,
            sections=[s.model_dump() for s in a.sections],
            comments_corrections=[c.model_dump() for c in a.comments_corrections],
            cited_by_count=a.cited_by_count,
            cited_by_ingested=cited_by_ingested,
            version=a.version,
            revised=a.revised,
            status=a.status,
            retracted=a.retracted,
        ),
        StudyRow(
            pmid=a.pmid,
            design=x.study.design,
            n=x.study.n,
            population_n=x.population.n,
            condition=x.population.condition,
            characteristics=x.population.characteristics,
        ),
        ProvenanceRow(
            pmid=a.pmid,
            snapshot_path=p.snapshot.path,
            snapshot_sha256=p.snapshot.sha256,
            reader=p.reader,
            reader_version=p.reader_version,
            extractor=p.extractor,
            extractor_version=p.extractor_version,
            run_at=p.run_at,
            note=p.note,
        ),
    ]
    rows += [AuthorRow(pmid=a.pmid, position=i, **au.model_dump()) for i, au in enumerate(a.authors)]
    rows += [
        InterventionRow(
            pmid=a.pmid,
            position=i,
            iri=str(ids.intervention(a.pmid, iv.name)),
            name=iv.name,
            drug_class=iv.drug_class,
            regimen=iv.regimen,
            code=iv.code,
        )
        for i, iv in enumerate(x.interventions)
    ]
    for i, (m, local) in enumerate(
        zip(x.measurements, ids.measurement_local_names(x.measurements), strict=True)
    ):
        rows.append(
            MeasurementRow(
                iri=str(ids.measurement(a.pmid, local)),
                pmid=a.pmid,
                position=i,
                **m.model_dump(exclude={"ci", "evidence", "checks", "derived"}),
                ci_low=m.ci[0] if m.ci else None,
                ci_high=m.ci[1] if m.ci else None,
                evidence_start=m.evidence.start,
                evidence_end=m.evidence.end,
                evidence_text=m.evidence.text,
                derived=m.derived,
                checks=[c.model_dump() for c in m.checks],
                checks_ok=m.checks_ok,
            )
        )
    return rows


def write(
    path: Path,
    records: Iterable[EvidenceRecord],
    citations: Iterable[Citation],
    build: BuildRow,
) -> None:
    """Upsert records and citations into the SQLite file at ``path`` (created if needed)."""
    eng = create(path)
    cits = list(citations)
    recs = list(records)
    ingested = cited_by_counts(cits)
    with Session(eng) as session:
        for rec in recs:
            for row in record_rows(rec, ingested.get(rec.article.pmid, 0)):
                session.merge(row)
        for c in cits:
            session.merge(CitationRow(citing=c.citing, cited=c.cited, origin=c.origin))
        for stats_row in citation_stats_rows(recs, cits):
            session.merge(stats_row)
        session.merge(build)
        session.commit()
    eng.dispose()


def citation_stats_rows(records: list[EvidenceRecord], citations: list[Citation]) -> list[CitationStatsRow]:
    """One row per article of the citation graph (every article, and every linked PMID)."""
    arts = {r.article.pmid: r.article for r in records}
    g = citegraph.citation_graph(citations, {p: a.year for p, a in arts.items()}, arts)
    stats = citegraph.article_stats(g, {p: a.cited_by_count for p, a in arts.items()})
    return [
        CitationStatsRow(
            **{k: v for k, v in vars(s).items() if k != "citing_years"},
            in_kb=s.pmid in arts,
            citing_years={str(y): n for y, n in s.citing_years.items()},
        )
        for s in stats.values()
    ]


def read_citation_stats(path: Path) -> dict[str, CitationStatsRow]:
    eng = engine(path)
    with Session(eng) as session:
        rows = {r.pmid: r for r in session.exec(select(CitationStatsRow)).all()}
    eng.dispose()
    return rows


def _rows(session: Session, table: type[SQLModel], pmid: str) -> list[SQLModel]:
    col = table.pmid  # type: ignore[attr-defined]
    order = table.position if hasattr(table, "position") else col
    return list(session.exec(select(table).where(col == pmid).order_by(order)).all())


def read_records(path: Path) -> Iterator[EvidenceRecord]:
    """Read every evidence record back from the SQLite file, in PMID order."""
    eng = engine(path)
    with Session(eng) as session:
        for art in session.exec(select(ArticleRow).order_by(ArticleRow.pmid)).all():
            yield _record(session, art)
    eng.dispose()


def read_citations(path: Path) -> list[Citation]:
    eng = engine(path)
    with Session(eng) as session:
        rows = session.exec(select(CitationRow).order_by(CitationRow.cited, CitationRow.citing)).all()
        out = [Citation(citing=r.citing, cited=r.cited, origin=r.origin) for r in rows]
    eng.dispose()
    return out


def read_build(path: Path) -> BuildRow:
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
