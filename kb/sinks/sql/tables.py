"""SQLModel tables: the relational projection of the records in ``kb.records.models``.

Records are validated as plain pydantic models first; these rows are built from them
(SQLModel ``table=True`` models skip validation). Nested values (authors, spans, checks)
become their own tables or columns; short lists become JSON columns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


def _json() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"

    pmid: str = Field(primary_key=True)
    iri: str
    title: str
    journal: str | None = None
    pub_date: str | None = None
    year: int | None = Field(default=None, index=True)
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    language: str | None = None
    abstract: str | None = None
    publication_types: list[str] = _json()
    mesh_headings: list[str] = _json()
    keywords: list[str] = _json()
    sections: list[dict[str, Any]] = _json()
    comments_corrections: list[dict[str, Any]] = _json()
    cited_by_count: int | None = None
    cited_by_ingested: int = 0
    version: int = 1
    revised: str | None = None
    status: str = "full"
    retracted: bool = False


class AuthorRow(SQLModel, table=True):
    __tablename__ = "author"

    pmid: str = Field(primary_key=True, foreign_key="article.pmid")
    position: int = Field(primary_key=True)
    name: str
    last_name: str | None = None
    fore_name: str | None = None
    orcid: str | None = None
    collective: bool = False


class StudyRow(SQLModel, table=True):
    """Study design, population and provenance of one article's extraction (one row each)."""

    __tablename__ = "study"

    pmid: str = Field(primary_key=True, foreign_key="article.pmid")
    design: list[str] = _json()
    n: int | None = None
    population_n: int | None = None
    condition: str | None = None
    characteristics: list[str] = _json()


class InterventionRow(SQLModel, table=True):
    __tablename__ = "intervention"

    pmid: str = Field(primary_key=True, foreign_key="article.pmid")
    position: int = Field(primary_key=True)
    iri: str
    name: str = Field(index=True)
    drug_class: str | None = None
    regimen: str | None = None
    code: str | None = None


class MeasurementRow(SQLModel, table=True):
    __tablename__ = "measurement"

    iri: str = Field(primary_key=True)
    pmid: str = Field(foreign_key="article.pmid", index=True)
    position: int
    kind: str = Field(index=True)
    endpoint: str = Field(index=True)
    code: str | None = None
    statistic: str
    numerator: int | None = None
    denominator: int | None = None
    percent: float | None = None
    value: float | None = None
    unit: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    p_value: str | None = None
    timepoint: str | None = None
    grade: str | None = None
    grading_system: str | None = None
    subgroup: str | None = None
    arm: str | None = None
    section: str | None = None
    evidence_start: int
    evidence_end: int
    evidence_text: str
    derived: list[str] = _json()
    checks: list[dict[str, Any]] = _json()
    checks_ok: bool = True


class CitationRow(SQLModel, table=True):
    __tablename__ = "citation"

    citing: str = Field(primary_key=True, index=True)
    cited: str = Field(primary_key=True, index=True)
    origin: str = Field(primary_key=True)


class ProvenanceRow(SQLModel, table=True):
    __tablename__ = "provenance"

    pmid: str = Field(primary_key=True, foreign_key="article.pmid")
    snapshot_path: str
    snapshot_sha256: str
    reader: str
    reader_version: str
    extractor: str
    extractor_version: str
    run_at: str
    note: str | None = None


class BuildRow(SQLModel, table=True):
    """One row: the build that produced this database."""

    __tablename__ = "build"

    name: str = Field(primary_key=True)
    title: str
    seed_pmids: list[str] = _json()
    run_at: str
    kb_version: str
    manifest_sha256: str


class CitationStatsRow(SQLModel, table=True):
    """Citation counts of one article of the citation graph (``kb.pipeline.citegraph.article_stats``).

    No foreign key: a linked article need not be ingested (``in_kb`` says whether it is).
    """

    __tablename__ = "citation_stats"

    pmid: str = Field(primary_key=True)
    in_kb: bool
    cited_by: int = Field(index=True)
    reported: int | None = None
    cites: int
    #: {"2019": 3, ...}: citing articles per publication year (the ``citing_year`` view in SQL)
    citing_years: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    citing_year_unknown: int = 0
    co_cited_with: int = 0
    co_citations: int = 0
    coupled_with: int = 0
    couplings: int = 0


#: Views computed by SQLite on demand. Pairs are views, not tables: a seed cited by n articles
#: couples all n of them, so stored pairs would grow as n squared.
VIEWS = {
    "citing_year": """
        SELECT c.cited AS pmid, a.year AS year, COUNT(DISTINCT c.citing) AS n
        FROM citation AS c LEFT JOIN article AS a ON a.pmid = c.citing
        WHERE c.citing <> c.cited
        GROUP BY c.cited, a.year""",
    "co_citation": """
        SELECT x.cited AS a, y.cited AS b, COUNT(DISTINCT x.citing) AS n
        FROM citation AS x JOIN citation AS y
          ON y.citing = x.citing AND CAST(x.cited AS INTEGER) < CAST(y.cited AS INTEGER)
        WHERE x.citing <> x.cited AND y.citing <> y.cited
        GROUP BY x.cited, y.cited""",
    "coupling": """
        SELECT x.citing AS a, y.citing AS b, COUNT(DISTINCT x.cited) AS n
        FROM citation AS x JOIN citation AS y
          ON y.cited = x.cited AND CAST(x.citing AS INTEGER) < CAST(y.citing AS INTEGER)
        WHERE x.citing <> x.cited AND y.citing <> y.cited
        GROUP BY x.citing, y.citing""",
}
