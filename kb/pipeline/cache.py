"""The incremental-build cache: parsed snapshot items and extraction results, keyed by content + code.

Lives in ``.<out>.cache/`` beside the output folder and is only a cache: deleting it (when no
build runs) costs one full build, nothing else. Keys include a digest of the code that made an
entry (the reader or extractor package and the record models), so editing a reader or a rule
without bumping its version still invalidates what it made.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

from kb.errors import KBError
from kb.records.models import Article, Citation, Deletion
from kb.sources.base import Skipped, SourceItem

_PACKAGE = Path(__file__).resolve().parent.parent
#: one-letter tags of the item kinds in an items file
_KINDS: dict[str, type[SourceItem]] = {"a": Article, "c": Citation, "d": Deletion, "s": Skipped}
_TAGS = {kind: tag for tag, kind in _KINDS.items()}
_TRAILER = "end\t"
#: the extraction cache's file inside the cache folder
EXTRACTIONS = "extractions.sqlite"


class CacheError(KBError):
    """A cache entry that exists but cannot be read; the message says which file to delete."""


def cache_dir(out: Path) -> Path:
    """Where the cache of the build folder ``out`` lives (``.<name>.cache`` beside it)."""
    return out.parent / f".{out.name}.cache"


@cache
def code_digest(*parts: str) -> str:
    """SHA-256 of the Python sources under ``kb/<part>`` (a folder or a module), first 16 hex digits."""
    digest = hashlib.sha256()
    for part in parts:
        root = _PACKAGE / part
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
        for path in files:
            digest.update(str(path.relative_to(_PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def reader_key(sha256: str, reader: str, version: str) -> str:
    """Cache key of one snapshot's parsed items: its bytes, the reader, and the reading code."""
    code = code_digest("sources", "records/models")
    return hashlib.sha256(f"{sha256}\0{reader}\0{version}\0{code}".encode()).hexdigest()


def extractor_key(name: str, version: str) -> str:
    """The extractor part of every extraction key: its name, version and code."""
    return f"{name}\0{version}\0{code_digest('extract', 'records/models')}"


def extraction_key(article_json: str, extractor: str) -> str:
    """Cache key of one article's extraction: the serialised article and the extractor."""
    return hashlib.sha256(f"{extractor}\0{article_json}".encode()).hexdigest()


def items_path(root: Path, key: str) -> Path:
    return root / "items" / f"{key}.jsonl"


def write_items(path: Path, items: Iterable[SourceItem]) -> Iterator[SourceItem]:
    """Pass ``items`` through while saving them to ``path``; the file appears only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.part-{os.getpid()}")
    count = 0
    with part.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(f"{_TAGS[type(item)]}\t{item.model_dump_json()}\n")
            count += 1
            yield item
        fh.write(f"{_TRAILER}{count}\n")
    part.replace(path)


def complete(path: Path) -> bool:
    """True when an items file exists and ends with its trailer (a torn write never does)."""
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 64))
            tail = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return False
    return tail.rstrip("\n").rsplit("\n", 1)[-1].startswith(_TRAILER)


def read_items(path: Path) -> Iterator[SourceItem]:
    """The items saved by ``write_items``; a damaged file is an error naming it."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            tag, _, body = line.rstrip("\n").partition("\t")
            if tag == _TRAILER.rstrip("\t"):
                return
            try:
                yield _KINDS[tag].model_validate_json(body)
            except (KeyError, ValueError) as exc:
                raise CacheError(f"{path}:{number}: damaged cache entry ({exc}); delete the file") from None
    raise CacheError(f"{path}: cache entry has no trailer; delete the file")


class ExtractionCache:
    """Extraction results by key, in one SQLite file; unused entries are dropped after a build."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = sqlite3.connect(path, isolation_level=None)
        # WAL + NORMAL: a killed build loses at most its last results, never the file
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, data TEXT, used INTEGER)"
        )
        row = self.con.execute("SELECT COALESCE(MAX(used), 0) FROM extraction").fetchone()
        self.generation = int(row[0]) + 1

    def get_many(self, keys: list[str]) -> dict[str, str]:
        """The cached results among ``keys``, each marked as used by this build."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        found = dict(self.con.execute(f"SELECT key, data FROM extraction WHERE key IN ({marks})", keys))  # noqa: S608
        if found:
            self._many("UPDATE extraction SET used = ? WHERE key = ?", [(self.generation, k) for k in found])
        return found

    def put_many(self, results: dict[str, str]) -> None:
        rows = [(k, v, self.generation) for k, v in results.items()]
        self._many("INSERT OR REPLACE INTO extraction (key, data, used) VALUES (?, ?, ?)", rows)

    def _many(self, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
        # one transaction per batch: autocommit per row would sync once per article
        self.con.execute("BEGIN")
        self.con.executemany(sql, rows)
        self.con.execute("COMMIT")

    def prune(self) -> None:
        """Forget results no article of this build used (keeps the cache the size of one build)."""
        self.con.execute("DELETE FROM extraction WHERE used < ?", (self.generation,))

    def close(self) -> None:
        self.con.close()


def prune_items(root: Path, used: set[str]) -> None:
    """Delete items files of snapshots this build did not read, and torn writes of dead builds."""
    folder = root / "items"
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name.removesuffix(".jsonl") not in used:
            path.unlink(missing_ok=True)
