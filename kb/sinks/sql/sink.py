"""``SqlSink``: the bulk SQL sink (SQLite or PostgreSQL) of the pipeline, Core executemany only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, delete, insert, literal_column, select
from sqlalchemy.exc import DBAPIError

from kb.errors import KBError
from kb.sinks.base import Entry
from kb.sinks.sql import db, stats
from kb.sinks.sql.rows import RECORD_TABLES, Row, citation_row, record_rows
from kb.sinks.sql.tables import BuildRow

#: Tables written per entry, in insert order (parents first).
_ENTRY_TABLES = (*RECORD_TABLES, "citation")
#: PMIDs per DELETE ... IN (...): well under SQLite's bound-parameter limit.
_DELETE_CHUNK = 500


class SqlSinkError(KBError):
    """The SQL store refused a write; the message names the store and the PMIDs being written."""


class SqlSink:
    """Writes entries into a SQLite file or a PostgreSQL database, in bulk.

    Re-ingesting is idempotent by delete-then-insert per PMID: an entry replaces every row of its
    PMID (article, study, provenance, authors, interventions, measurements) and every citation
    link that PMID makes; an entry without a record removes that PMID's article rows. Rows are
    buffered up to ``flush_rows`` and sent as one executemany per table; the transaction is
    committed every ``commit_rows`` rows and at ``close``.
    """

    name = "sql"

    def __init__(self, url: str, *, flush_rows: int = 20_000, commit_rows: int = 1_000_000) -> None:
        self.url = db.normalise_url(url)
        self.flush_rows, self.commit_rows = flush_rows, commit_rows
        self._engine = db.engine(self.url, bulk=True)
        self._conn: Connection = self._engine.connect()
        with self._errors("creating the schema"):
            self.fresh = db.create_schema(self._conn)
            self._conn.commit()
        self._pending: dict[str, list[Row]] = {t: [] for t in _ENTRY_TABLES}
        self._pmids: dict[str, None] = {}  # pending PMIDs, in arrival order
        self._buffered = self._uncommitted = 0

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn a driver error into a ``SqlSinkError`` naming the store; release the connection."""
        try:
            yield
        except DBAPIError as e:
            self._abort()
            raise SqlSinkError(f"{db.display_url(self.url)}: {doing}: {e.orig}") from e
        except BaseException:
            self._abort()
            raise

    def _abort(self) -> None:
        if not self._conn.closed:
            self._conn.rollback()
            self._conn.close()
        self._engine.dispose()

    def write(self, batch: Sequence[Entry]) -> None:
        with self._errors("buffering entries"):
            for entry in batch:
                if entry.pmid in self._pmids:  # the later entry of a PMID replaces the earlier one
                    self._flush()
                self._add(entry)
                if self._buffered >= self.flush_rows:
                    self._flush()

    def _add(self, entry: Entry) -> None:
        if entry.record is not None and entry.record.article.pmid != entry.pmid:
            raise SqlSinkError(f"entry {entry.pmid}: holds the record of PMID {entry.record.article.pmid}")
        stray = [c for c in entry.citations if c.citing != entry.pmid]
        if stray:
            raise SqlSinkError(f"entry {entry.pmid}: carries a link made by PMID {stray[0].citing}")
        self._pmids[entry.pmid] = None
        if entry.record is not None:
            for name, rows in record_rows(entry.record, entry.cited_by_ingested).items():
                self._pending[name] += rows
                self._buffered += len(rows)
        links = {(c.cited, c.origin): c for c in entry.citations}  # one row per stored key
        self._pending["citation"] += [citation_row(c) for c in links.values()]
        self._buffered += 1 + len(links)

    def _flush(self) -> None:
        if not self._pmids:
            return
        pmids = list(self._pmids)
        with self._errors(f"writing PMIDs {pmids[0]} to {pmids[-1]}"):
            self._delete(pmids)
            for name in _ENTRY_TABLES:
                if self._pending[name]:
                    self._conn.execute(insert(db.table(name)), self._pending[name])
            self._uncommitted += self._buffered
            if self._uncommitted >= self.commit_rows:
                self._conn.commit()
                self._uncommitted = 0
        self._pending = {t: [] for t in _ENTRY_TABLES}
        self._pmids, self._buffered = {}, 0

    def _delete(self, pmids: list[str]) -> None:
        """Remove what is stored for these PMIDs, children first (PostgreSQL checks keys per row)."""
        for i in range(0, len(pmids), _DELETE_CHUNK):
            chunk = pmids[i : i + _DELETE_CHUNK]
            links = db.table("citation")
            self._conn.execute(delete(links).where(links.c.citing.in_(chunk)))
            for name in reversed(RECORD_TABLES):
                t = db.table(name)
                self._conn.execute(delete(t).where(t.c.pmid.in_(chunk)))

    def close(self, build: BuildRow) -> None:
        """Flush, index, check keys, compute citation statistics, (re)create views, store the build."""
        self._flush()
        with self._errors("finishing the load"):
            db.create_indexes(self._conn)
            if db.is_sqlite(self.url):
                self._check_foreign_keys()
            stats.write_citation_stats(self._conn)
            db.create_views(self._conn)
            build_table = db.table("build")
            self._conn.execute(delete(build_table))  # one build row: the build that wrote last
            self._conn.execute(insert(build_table), [build.model_dump()])
            self._conn.commit()
            if db.is_sqlite(self.url):
                self._conn.exec_driver_sql("PRAGMA optimize")
        self._conn.close()
        self._engine.dispose()

    def _check_foreign_keys(self) -> None:
        """SQLite skipped per-row key checks during the load: check every row once, now."""
        bad = self._conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if not bad:
            return
        table_name, rowid = bad[0][0], bad[0][1]
        t = db.table(table_name)
        pmid = self._conn.execute(select(t.c.pmid).where(literal_column("rowid") == rowid)).scalar()
        raise SqlSinkError(
            f"{db.display_url(self.url)}: {len(bad)} row(s) without their article, "
            f"first in table {table_name} for PMID {pmid}"
        )
