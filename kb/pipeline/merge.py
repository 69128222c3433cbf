"""The merge rules between records of one PMID, the in-memory Corpus that states them, snapshot checks."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kb.errors import KBError
from kb.pipeline.manifest import Manifest, SnapshotEntry, sha256_file
from kb.records.models import Article, Citation, Deletion, Snapshot
from kb.sources.base import Reader, Skipped, SourceError

#: progress(stage, done, total): called as work advances; total 0 when unknown.
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def run_time() -> str:
    """Build time in UTC; SOURCE_DATE_EPOCH (reproducible-builds.org) pins it for identical output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and not epoch.strip().isdigit():
        raise KBError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class _Held:
    article: Article
    snapshot: Snapshot
    reader: Reader
    note: str | None = None


def _rank(a: Article) -> tuple[bool, int, str, int]:
    """Order of preference between two records of one PMID: full over stub, newer over older.

    Newer means a higher PubMed Version attribute, then a later DateRevised; between records of
    the same version and revision (e.g. the same record from two sources) the fuller one wins.
    """
    filled = sum(v not in (None, "", [], ()) for v in a.model_dump().values())
    return (a.status == "full", a.version, a.revised or "", filled)


#: Not part of a PubMed record but a count the source reports: carried over whichever record wins.
_CARRIED = ("cited_by_count",)


def _empty(value: object) -> bool:
    return value in (None, "", [])


def merge(old: Article, new: Article) -> tuple[Article, str | None]:
    """Keep the preferred record of one PMID and say why. Returns (kept, note); note None = old kept.

    - the same record again: the old one is kept, unchanged;
    - a full record upgrades a citing-list stub in place, and fields the full record lacks
      (cited_by_count above all) are kept from the stub;
    - a newer version or revision of a full record replaces the older one outright: only the
      source-reported cited_by_count is carried over, never stale fields of the older version;
    - otherwise (same version and revision) the fuller record wins and gaps are filled from the other.
    """
    if old == new:
        return old, None
    keep, other = (new, old) if _rank(new) > _rank(old) else (old, new)
    newer = keep.status == other.status == "full" and (keep.version, keep.revised or "") != (
        other.version,
        other.revised or "",
    )
    fillable = _CARRIED if newer else tuple(Article.model_fields)
    filled = {
        name: getattr(other, name)
        for name in fillable
        if _empty(getattr(keep, name)) and not _empty(getattr(other, name))
    }
    merged = keep.model_copy(update=filled)
    if keep is not new:
        note = None
    elif old.status == "stub" and new.status == "full":
        note = "upgraded from a citing-list stub"
    elif new.version > old.version:
        note = f"version {new.version} replaced version {old.version}"
    elif newer:
        note = f"revision of {new.revised} replaced revision of {old.revised or 'unknown date'}"
    else:
        note = "replaced by a more complete record"
    return merged, note


def conflicts(old: Article, new: Article) -> list[str]:
    """Fields two full records of the same version and revision disagree on (both non-empty).

    ``merge`` still keeps the fuller record; the build warns, because one of the two sources
    is wrong and nothing in the records says which. Gaps one record fills are not conflicts,
    nor is the source-reported ``cited_by_count``.
    """
    if old == new or not old.status == new.status == "full":
        return []
    if (old.version, old.revised or "") != (new.version, new.revised or ""):
        return []
    return [
        name
        for name in Article.model_fields
        if name not in _CARRIED
        and not _empty(getattr(old, name))
        and not _empty(getattr(new, name))
        and getattr(old, name) != getattr(new, name)
    ]


@dataclass
class Corpus:
    """What all snapshots of a manifest say, merged: one article per PMID, deduplicated links."""

    articles: dict[str, _Held] = field(default_factory=dict)
    citations: dict[tuple[str, str, str], Citation] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    snapshots: list[Snapshot] = field(default_factory=list)

    def add(self, item: object, snapshot: Snapshot, reader: Reader) -> None:
        """Merge one reader item into the corpus (see ``merge`` for the rules between records).

        A DeleteCitation is final for the whole build, whatever the manifest order: PubMed never
        reuses a deleted PMID, so a record of it read from an older file (or a citing-list stub)
        must not bring it back.
        """
        if isinstance(item, Article):
            if item.pmid in self.deleted:
                return
            held = self.articles.get(item.pmid)
            if held is None:
                self.articles[item.pmid] = _Held(item, snapshot, reader)
                return
            merged, note = merge(held.article, item)
            if note is not None:  # the new record won: it is now the source of this article
                history = "; ".join(n for n in (held.note, note) if n)
                self.articles[item.pmid] = _Held(merged, snapshot, reader, history)
            else:
                held.article = merged
        elif isinstance(item, Citation):
            self.citations.setdefault((item.citing, item.cited, item.origin), item)
        elif isinstance(item, Deletion):
            self.articles.pop(item.pmid, None)
            self.deleted.add(item.pmid)
        elif isinstance(item, Skipped):
            self.skipped.append(item)

    def live_citations(self) -> list[Citation]:
        """Citations not touching a deleted article, in a stable order."""
        keys = sorted(k for k in self.citations if k[0] not in self.deleted and k[1] not in self.deleted)
        return [self.citations[k] for k in keys]


def verify(manifest: Manifest, entry: SnapshotEntry) -> tuple[Path, Snapshot]:
    """Check a snapshot file exists, is not empty and matches its declared hash."""
    path = manifest.resolve(entry)
    if Path(entry.path).is_absolute():
        # provenance records paths relative to the manifest; an absolute one would not travel
        raise SourceError(path, "snapshot path must be relative to the manifest's folder")
    if path.is_dir():
        raise SourceError(path, "snapshot named in the manifest is a directory, not a file")
    if not path.is_file():
        raise SourceError(path, "snapshot named in the manifest is missing")
    if path.stat().st_size == 0:
        raise SourceError(path, "snapshot is empty")
    digest = sha256_file(path)
    if entry.sha256 and entry.sha256 != digest:
        raise SourceError(path, f"sha256 is {digest}, the manifest declares {entry.sha256}")
    rel = os.path.relpath(path, manifest.source.parent)
    return path, Snapshot(path=rel, sha256=digest, reader=entry.reader)
