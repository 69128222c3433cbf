"""Small, bounded reads of the built SQLite store for the site: one page's rows at a time.

Full evidence records come from ``kb.sinks.sql.writer.read_records``; the lists on a page (who
cites an article, one page of the articles index, the counts on the home page) need only a few
columns, read here with plain ``sqlite3`` in read-only mode so that no page holds the corpus.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Listed:
    """What a list row shows of an article: the columns of ``article`` a table of articles needs."""

    pmid: str
    title: str
    journal: str | None
    year: int | None
    status: str
    measurements: int = 0
    cited_by_count: int | None = None


_LISTED = (
    "SELECT a.pmid, a.title, a.journal, a.year, a.status, "
    "(SELECT COUNT(*) FROM measurement m WHERE m.pmid = a.pmid), a.cited_by_count FROM article a"
)
#: Newest year first, unknown years last, then by title: the order of the articles index.
_INDEX_ORDER = " ORDER BY a.year IS NULL, a.year DESC, lower(a.title), a.pmid"


def connect(db: Path) -> sqlite3.Connection:
    """A read-only connection: the site never writes the store it is rendered from."""
    return sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)


def _listed(row: Sequence[object]) -> Listed:
    pmid, title, journal, year, status, n, reported = row
    return Listed(
        pmid=str(pmid),
        title=str(title or ""),
        journal=None if journal is None else str(journal),
        year=year if isinstance(year, int) else None,
        status=str(status),
        measurements=n if isinstance(n, int) else 0,
        cited_by_count=reported if isinstance(reported, int) else None,
    )


def listed(con: sqlite3.Connection, pmids: Sequence[str]) -> dict[str, Listed]:
    """The list rows of these PMIDs (those in the knowledge base), in chunks SQLite accepts."""
    out: dict[str, Listed] = {}
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        for row in con.execute(f"{_LISTED} WHERE a.pmid IN ({marks})", chunk):  # noqa: S608
            item = _listed(row)
            out[item.pmid] = item
    return out


def in_kb(con: sqlite3.Connection, pmids: Sequence[str]) -> set[str]:
    """Those of ``pmids`` that are articles of the knowledge base (PMIDs only: cheap for thousands)."""
    out: set[str] = set()
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        out.update(str(r[0]) for r in con.execute(f"SELECT pmid FROM article WHERE pmid IN ({marks})", chunk))  # noqa: S608
    return out


def links(con: sqlite3.Connection, pmid: str) -> tuple[list[str], list[str]]:
    """(PMIDs citing ``pmid``, PMIDs it cites), each once, in PMID order."""
    citing = [
        r[0]
        for r in con.execute("SELECT DISTINCT citing FROM citation WHERE cited = ? ORDER BY citing", (pmid,))
    ]
    cited = [
        r[0]
        for r in con.execute("SELECT DISTINCT cited FROM citation WHERE citing = ? ORDER BY cited", (pmid,))
    ]
    return citing, cited


def count_articles(con: sqlite3.Connection) -> int:
    return int(con.execute("SELECT COUNT(*) FROM article").fetchone()[0])


def index_page(con: sqlite3.Connection, offset: int, size: int) -> list[Listed]:
    """One page of the articles index, in its order."""
    rows = con.execute(f"{_LISTED}{_INDEX_ORDER} LIMIT ? OFFSET ?", (size, offset))  # noqa: S608
    return [_listed(r) for r in rows]


def years(con: sqlite3.Connection) -> list[tuple[int | None, int]]:
    """(year, articles) in index order: where each year starts is the sum of those before it."""
    rows = con.execute("SELECT year, COUNT(*) FROM article GROUP BY year ORDER BY year IS NULL, year DESC")
    return [(y if isinstance(y, int) else None, int(n)) for y, n in rows]


@dataclass(frozen=True)
class Totals:
    """The counts on the home page, computed by SQLite."""

    articles: int
    full: int
    measurements: int
    outcomes: int
    derived: int
    failed: int
    links: int


def totals(con: sqlite3.Connection) -> Totals:
    a, full = con.execute("SELECT COUNT(*), COALESCE(SUM(status = 'full'), 0) FROM article").fetchone()
    m, outcomes, derived, failed = con.execute(
        "SELECT COUNT(*), COALESCE(SUM(kind = 'outcome'), 0), "
        "COALESCE(SUM(json_array_length(derived) > 0), 0), COALESCE(SUM(NOT checks_ok), 0) FROM measurement"
    ).fetchone()
    # Links between articles of the knowledge base only, as the home page says.
    links_in = con.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT c.citing, c.cited FROM citation c "
        "JOIN article x ON x.pmid = c.cited)"
    ).fetchone()[0]
    return Totals(int(a), int(full), int(m), int(outcomes), int(derived), int(failed), int(links_in))


def cited_articles(con: sqlite3.Connection) -> list[tuple[str, int]]:
    """(PMID, citing articles here) of the articles cited here or reporting a count, most cited first."""
    rows = con.execute(
        "SELECT a.pmid, (SELECT COUNT(DISTINCT c.citing) FROM citation c WHERE c.cited = a.pmid) AS n "
        "FROM article a WHERE a.cited_by_count > 0 "
        "OR EXISTS (SELECT 1 FROM citation c WHERE c.cited = a.pmid) "
        "ORDER BY n DESC, COALESCE(a.cited_by_count, 0) DESC, a.pmid"
    )
    return [(str(p), int(n)) for p, n in rows]


def outside(con: sqlite3.Connection) -> tuple[int, int]:
    """(links, articles) of citation links that point outside the knowledge base."""
    links_out, arts = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT cited) FROM (SELECT DISTINCT citing, cited FROM citation c "
        "WHERE NOT EXISTS (SELECT 1 FROM article a WHERE a.pmid = c.cited))"
    ).fetchone()
    return int(links_out), int(arts)


def kinds_years_titles(con: sqlite3.Connection) -> Iterator[tuple[str, str, int | None, str]]:
    """(PMID, status, year, title) of every article: what the citation figures label and colour."""
    for p, status, year, title in con.execute("SELECT pmid, status, year, title FROM article"):
        yield str(p), str(status), year if isinstance(year, int) else None, str(title or "")


def with_closing(db: Path) -> closing[sqlite3.Connection]:
    return closing(connect(db))


def count_articles_at(db: Path) -> int:
    with with_closing(db) as con:
        return count_articles(con)
