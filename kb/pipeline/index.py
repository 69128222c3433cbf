"""The on-disk merge index of a build: one winning record per PMID, links, deletions, skips (SQLite).

Pass 1 of ``kb build`` merges every reader item into it with the rules of ``merge.merge``;
pass 2 walks it in PMID order. Memory stays flat: only the record being merged is in Python.
The file lives in the build's temporary folder and is thrown away with it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.pipeline.merge import conflicts, merge
from kb.records.models import Article, Citation, Deletion, Snapshot
from kb.sources.base import Skipped, SourceItem

_SCHEMA = """
CREATE TABLE snapshot (id INTEGER PRIMARY KEY, path TEXT, sha256 TEXT, reader TEXT, reader_version TEXT);
CREATE TABLE article (
    pmid TEXT PRIMARY KEY, num INTEGER, status TEXT, data TEXT, snap INTEGER, rec INTEGER, note TEXT
);
CREATE TABLE citation (citing TEXT, cited TEXT, origin TEXT, PRIMARY KEY (citing, cited, origin))
    WITHOUT ROWID;
CREATE TABLE deleted (pmid TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE skipped (seq INTEGER PRIMARY KEY, text TEXT);
CREATE TABLE warning (seq INTEGER PRIMARY KEY, text TEXT);
"""

#: after pass 1: the links not touching a deleted PMID, and how many PMIDs cite each one
_FINISH = """
CREATE TABLE live AS SELECT citing, cited, origin FROM citation
    WHERE citing NOT IN (SELECT pmid FROM deleted) AND cited NOT IN (SELECT pmid FROM deleted);
CREATE INDEX live_citing ON live (citing, cited, origin);
CREATE TABLE cited_count AS SELECT cited AS pmid, COUNT(DISTINCT citing) AS n FROM live GROUP BY cited;
CREATE UNIQUE INDEX cited_count_pmid ON cited_count (pmid);
CREATE INDEX article_order ON article (num, pmid);
"""


@dataclass(frozen=True)
class Held:
    """One row of the index: the winning record of a PMID and where it came from."""

    pmid: str
    article_json: str
    snapshot: Snapshot
    reader: str
    reader_version: str
    note: str | None


@dataclass(frozen=True)
class Place:
    """Where a record was read: the snapshot row and the record's number in that file (from 1)."""

    snap: int
    rec: int


class MergeIndex:
    """A SQLite file holding the merged corpus; ``add`` applies the merge rules item by item."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fresh = not path.exists()
        self.con = sqlite3.connect(path, isolation_level=None)
        # a scratch file of one build: no journal, no syncs; a crash discards the whole folder
        self.con.execute("PRAGMA journal_mode=OFF")
        self.con.execute("PRAGMA synchronous=OFF")
        self.con.execute("PRAGMA cache_size=-65536")
        if fresh:
            self.con.executescript(_SCHEMA)
        self._paths: dict[int, str] = {}

    # -- pass 1 -------------------------------------------------------------------------------

    def begin_snapshot(self, snap: Snapshot, reader_version: str) -> int:
        """Register a snapshot; returns its id. Items of one snapshot are merged in one transaction."""
        cur = self.con.execute(
            "INSERT INTO snapshot (path, sha256, reader, reader_version) VALUES (?, ?, ?, ?)",
            (snap.path, snap.sha256, snap.reader, reader_version),
        )
        sid = int(cur.lastrowid or 0)
        self._paths[sid] = snap.path
        self.con.execute("BEGIN")
        return sid

    def end_snapshot(self) -> None:
        self.con.execute("COMMIT")

    def add(self, item: SourceItem, place: Place) -> None:
        """Merge one reader item (see ``merge.Corpus.add`` for the same rules in memory)."""
        if isinstance(item, Article):
            self._add_article(item, place)
        elif isinstance(item, Citation):
            self.con.execute(
                "INSERT OR IGNORE INTO citation VALUES (?, ?, ?)", (item.citing, item.cited, item.origin)
            )
        elif isinstance(item, Deletion):
            # final whatever the order: PubMed never reuses a deleted PMID
            self.con.execute("DELETE FROM article WHERE pmid = ?", (item.pmid,))
            self.con.execute("INSERT OR IGNORE INTO deleted VALUES (?)", (item.pmid,))
        elif isinstance(item, Skipped):
            self.con.execute("INSERT INTO skipped (text) VALUES (?)", (str(item),))

    def _add_article(self, article: Article, place: Place) -> None:
        if self.con.execute("SELECT 1 FROM deleted WHERE pmid = ?", (article.pmid,)).fetchone():
            return
        row = self.con.execute(
            "SELECT data, snap, rec, note FROM article WHERE pmid = ?", (article.pmid,)
        ).fetchone()
        if row is None:
            self._put(article, place, None)
            return
        held = Article.model_validate_json(row[0])
        differ = conflicts(held, article)
        merged, note = merge(held, article)
        if differ:
            self._warn_conflict(article.pmid, Place(row[1], row[2]), place, differ, note is not None)
        if note is not None:  # the new record won: it is now the source of this article
            self._put(merged, place, "; ".join(n for n in (row[3], note) if n))
        elif merged != held:
            self.con.execute(
                "UPDATE article SET data = ? WHERE pmid = ?", (merged.model_dump_json(), article.pmid)
            )

    def _put(self, article: Article, place: Place, note: str | None) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO article VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                article.pmid,
                int(article.pmid),
                article.status,
                article.model_dump_json(),
                place.snap,
                place.rec,
                note,
            ),
        )

    def _where(self, place: Place) -> str:
        return f"{self._paths[place.snap]} (record {place.rec})"

    def _warn_conflict(self, pmid: str, old: Place, new: Place, fields: list[str], new_won: bool) -> None:
        kept = self._where(new if new_won else old)
        text = (
            f"PMID {pmid}: {self._where(old)} and {self._where(new)} hold the same version and "
            f"revision with different {', '.join(fields)}; kept the fuller record, from {kept}"
        )
        self.con.execute("INSERT INTO warning (text) VALUES (?)", (text,))

    def finish(self) -> None:
        """Derive the live links and cited-by counts pass 2 reads (after the last snapshot)."""
        self.con.executescript(_FINISH)

    # -- pass 2 -------------------------------------------------------------------------------

    def held(self) -> Iterator[Held]:
        """Every article, in numeric PMID order, with its snapshot and merge notes."""
        snaps = {
            sid: (Snapshot(path=p, sha256=h, reader=r), r, v)
            for sid, p, h, r, v in self.con.execute(
                "SELECT id, path, sha256, reader, reader_version FROM snapshot"
            )
        }
        rows = self.con.cursor().execute("SELECT pmid, data, snap, note FROM article ORDER BY num, pmid")
        for pmid, data, sid, note in rows:
            snap, reader, version = snaps[sid]
            yield Held(pmid, data, snap, reader, version, note)

    def citations_of(self, pmid: str) -> tuple[Citation, ...]:
        """The live links ``pmid`` makes, sorted by cited PMID and origin."""
        rows = self.con.execute(
            "SELECT cited, origin FROM live WHERE citing = ? ORDER BY cited, origin", (pmid,)
        )
        return tuple(Citation(citing=pmid, cited=c, origin=o) for c, o in rows)

    def cited_by(self, pmid: str) -> int:
        row = self.con.execute("SELECT n FROM cited_count WHERE pmid = ?", (pmid,)).fetchone()
        return int(row[0]) if row else 0

    def link_only(self) -> Iterator[str]:
        """PMIDs that cite articles here but were not ingested themselves, in numeric order."""
        rows = self.con.cursor().execute(
            "SELECT DISTINCT citing FROM live WHERE citing NOT IN (SELECT pmid FROM article) "
            "ORDER BY CAST(citing AS INTEGER), citing"
        )
        for (pmid,) in rows:
            yield pmid

    def count(self, table: str, where: str = "") -> int:
        return int(self.con.execute(f"SELECT COUNT(*) FROM {table} {where}").fetchone()[0])  # noqa: S608

    def articles(self) -> int:
        return self.count("article")

    def full_articles(self) -> int:
        return self.count("article", "WHERE status = 'full'")

    def citation_pairs(self) -> int:
        return self.count("(SELECT DISTINCT citing, cited FROM live)")

    def deleted(self) -> int:
        return self.count("deleted")

    def texts(self, table: str) -> list[str]:
        """The skip notices (``skipped``) or merge warnings (``warning``), in the order they came."""
        return [t for (t,) in self.con.execute(f"SELECT text FROM {table} ORDER BY seq")]  # noqa: S608

    def close(self) -> None:
        self.con.close()
