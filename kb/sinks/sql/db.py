"""Engines for the SQL store (a SQLite file or a PostgreSQL URL), its schema, indexes and views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Index, Table, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel

from kb.sinks.sql import tables

#: Every table this store writes, parents before children (foreign keys point to ``article``).
TABLE_NAMES = (
    "article",
    "author",
    "study",
    "intervention",
    "measurement",
    "citation",
    "provenance",
    "build",
    "citation_stats",
)

#: Secondary indexes made with the tables even in a fresh database: re-ingesting a PMID deletes
#: its measurements by ``pmid``, and without this index each delete would scan the whole table.
#: The others (declared with ``index=True`` in ``tables``) are built after the load, and serve:
#: ix_measurement_pmid: ``writer.read_records`` and the site's article pages (rows of one PMID);
#: ix_measurement_endpoint / _kind: ``kb synth`` (``pooling``: WHERE / ORDER BY endpoint);
#: ix_citation_cited: the views ``citing_year`` and ``co_citation`` (join on cited), ``read_citations``
#: (ORDER BY cited) and the citation statistics; ix_citation_citing: redundant with the primary key
#: (citing, cited, origin) but part of the published schema; ix_article_year: year filters;
#: ix_intervention_name: drug lookups; ix_citation_stats_cited_by: most-cited rankings.
EARLY_INDEXES = frozenset({"ix_measurement_pmid"})

#: SQLite settings for a bulk load into a build folder that is thrown away on failure, so no
#: durability is needed: no fsync, the rollback journal in memory (rollback still works), a
#: 256 MiB page cache, and foreign keys checked once at the end (``PRAGMA foreign_key_check``).
#: The temporary tables of the citation statistics get their own 128 MiB cache: with the
#: default 2 MiB they page through a temp file, and the statistics took twice as long.
BULK_PRAGMAS = (
    "PRAGMA journal_mode=MEMORY",
    "PRAGMA synchronous=OFF",
    "PRAGMA cache_size=-262144",
    "PRAGMA temp.cache_size=-131072",
    "PRAGMA foreign_keys=OFF",
)
READ_PRAGMAS = ("PRAGMA foreign_keys=ON",)


def normalise_url(target: Path | str) -> str:
    """A SQLAlchemy URL for a SQLite path or a database URL (plain PostgreSQL URLs use psycopg 3)."""
    if isinstance(target, Path) or "://" not in target:
        return f"sqlite:///{target}"
    for plain in ("postgresql://", "postgres://"):
        if target.startswith(plain):
            return "postgresql+psycopg://" + target[len(plain) :]
    return target


def display_url(url: str) -> str:
    """The URL as it may appear in an error message: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def engine(target: Path | str, *, bulk: bool = False) -> Engine:
    """An engine on the store; ``bulk`` sets SQLite up for a fast load (see ``BULK_PRAGMAS``)."""
    url = normalise_url(target)
    eng = create_engine(url)
    if is_sqlite(url):
        pragmas = BULK_PRAGMAS if bulk else READ_PRAGMAS

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            for pragma in pragmas:
                dbapi_connection.execute(pragma)

    return eng


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _tables() -> list[Table]:
    assert tables.ArticleRow.__tablename__ == "article"  # noqa: S101  (the import registers the tables)
    return [table(n) for n in TABLE_NAMES]


def create_schema(conn: Connection) -> bool:
    """Create missing tables; True when the store was empty (its later indexes are then deferred).

    In a fresh store the tables get only their primary keys and ``EARLY_INDEXES``: the other
    indexes are built once after the load (``create_indexes``), cheaper than maintaining them
    row by row. An existing store keeps (or gets) every index, so re-ingesting stays indexed.
    """
    fresh = not inspect(conn).has_table("article")
    if not fresh:
        SQLModel.metadata.create_all(conn, tables=_tables())
        return False
    for t in _tables():
        conn.execute(CreateTable(t))
        for index in t.indexes:
            if index.name in EARLY_INDEXES:
                index.create(conn)
    return True


def create_indexes(conn: Connection) -> list[Index]:
    """Build every secondary index still missing; returns the ones built."""
    built = []
    existing = {t.name: {i["name"] for i in inspect(conn).get_indexes(t.name)} for t in _tables()}
    for t in _tables():
        for index in sorted(t.indexes, key=lambda i: str(i.name)):
            if index.name not in existing[t.name]:
                index.create(conn)
                built.append(index)
    return built


def create_views(conn: Connection) -> None:
    """(Re)create the views of ``tables.VIEWS``; DROP + CREATE works on SQLite and PostgreSQL alike."""
    for name, select_sql in tables.VIEWS.items():
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE VIEW {name} AS {select_sql}")
