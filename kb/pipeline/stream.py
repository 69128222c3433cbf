"""The streaming pipeline: snapshots -> on-disk merge index (pass 1) -> extracted entries (pass 2).

Neither pass holds the corpus: pass 1 keeps one record at a time in Python, pass 2 a bounded
window of chunks. ``read_snapshot`` is a pure function of (path, reader name), so it can run in
another process or on a Dask worker.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TypeVar

from kb import extract as extractor
from kb.pipeline import cache as kbcache
from kb.pipeline.index import Held, MergeIndex, Place
from kb.pipeline.manifest import Manifest
from kb.pipeline.merge import Progress, _no_progress, verify
from kb.pipeline.workers import Failure, Task, WorkerError, extract_chunk, ordered_map
from kb.records.models import Article, EvidenceRecord, Extraction, Provenance, Snapshot
from kb.sinks.base import Entry
from kb.sources.base import SourceError, SourceItem
from kb.sources.plaintext import NO_PMID
from kb.sources.registry import get_reader

T = TypeVar("T")
#: articles per extraction task: big enough to amortise the hand-off, small enough to bound memory
CHUNK = 64


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of up to ``size`` consecutive items (itertools.batched is Python 3.12+)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def read_snapshot(path: Path, reader_name: str) -> Iterator[SourceItem]:
    """Every item one snapshot file holds, read by the named reader (no merging, no cache)."""
    for item in get_reader(reader_name).read(path):
        if isinstance(item, Article) and item.pmid == NO_PMID:
            raise SourceError(path, "no PMID: name a plain-text snapshot after it, e.g. 31002989.txt")
        yield item


def snapshot_items(
    path: Path, snap: Snapshot, cache_root: Path | None, used: set[str]
) -> Iterator[SourceItem]:
    """The items of a snapshot, from the cache when its bytes and the reader are unchanged."""
    if cache_root is None:
        yield from read_snapshot(path, snap.reader)
        return
    reader = get_reader(snap.reader)
    key = kbcache.reader_key(snap.sha256, reader.name, reader.version)
    used.add(key)
    saved = kbcache.items_path(cache_root, key)
    if kbcache.complete(saved):
        yield from kbcache.read_items(saved)
    else:
        yield from kbcache.write_items(saved, read_snapshot(path, snap.reader))


@dataclass
class Pass1:
    """What pass 1 leaves besides the index: the cache keys it used (to prune the rest)."""

    index: MergeIndex
    item_keys: set[str] = field(default_factory=set)
    cached_snapshots: int = 0


def index_snapshots(
    manifest: Manifest,
    index_path: Path,
    *,
    cache_root: Path | None = None,
    progress: Progress = _no_progress,
) -> Pass1:
    """Pass 1: read every snapshot of the manifest, in order, merging by PMID into ``index_path``."""
    result = Pass1(MergeIndex(index_path))
    total = len(manifest.snapshot)
    for i, entry in enumerate(manifest.snapshot):
        reader = get_reader(entry.reader)
        path, snap = verify(manifest, entry)
        sid = result.index.begin_snapshot(snap, reader.version)
        record = 0
        for item in snapshot_items(path, snap, cache_root, result.item_keys):
            record += isinstance(item, Article)
            result.index.add(item, Place(sid, record))
        result.index.end_snapshot()
        progress("read", i + 1, total)
    result.index.finish()
    return result


@dataclass(frozen=True)
class _Chunk:
    """A chunk of pass 2: the held rows, their parsed articles, and cache keys and hits."""

    held: list[Held]
    articles: list[Article]
    keys: dict[str, str]
    cached: dict[str, str]


def _needs_extraction(article: Article) -> bool:
    return article.status == "full" and bool(article.abstract)


def _chunks(
    index: MergeIndex, cache: kbcache.ExtractionCache | None, ext_key: str
) -> Iterator[tuple[_Chunk, list[Task]]]:
    for held in batched(index.held(), CHUNK):
        articles = [Article.model_validate_json(h.article_json) for h in held]
        keys = {
            h.pmid: kbcache.extraction_key(h.article_json, ext_key)
            for h, a in zip(held, articles, strict=True)
            if _needs_extraction(a)
        }
        cached = cache.get_many(list(keys.values())) if cache else {}
        todo = [(h.pmid, h.article_json) for h in held if h.pmid in keys and keys[h.pmid] not in cached]
        yield _Chunk(held, articles, keys, cached), todo


def _describe(chunk: _Chunk) -> str:
    pmids = [h.pmid for h in chunk.held]
    snaps = sorted({h.snapshot.path for h in chunk.held})
    which = ", ".join(pmids) if len(pmids) <= 8 else f"{pmids[0]} to {pmids[-1]} ({len(pmids)} articles)"
    return f"PMIDs {which} (from {', '.join(snaps)})"


def _record(held: Held, article: Article, extraction: Extraction, run_at: str) -> EvidenceRecord:
    return EvidenceRecord(
        article=article,
        extraction=extraction,
        provenance=Provenance(
            snapshot=held.snapshot,
            reader=held.reader,
            reader_version=held.reader_version,
            extractor=extractor.NAME,
            extractor_version=extractor.VERSION,
            run_at=run_at,
            note=held.note,
        ),
    )


def _fail(chunk: _Chunk, failure: Failure) -> WorkerError:
    snap = next(h.snapshot.path for h in chunk.held if h.pmid == failure.pmid)
    return WorkerError(f"{snap}: PMID {failure.pmid}: extraction failed: {failure.error}\n{failure.trace}")


def iter_entries(
    index: MergeIndex,
    *,
    run_at: str,
    jobs: int = 1,
    cache: kbcache.ExtractionCache | None = None,
    progress: Progress = _no_progress,
    counts: Counter[str] | None = None,
    die_on: str | None = None,
) -> Iterator[Entry]:
    """Pass 2: one Entry per article in numeric PMID order, then link-only citing PMIDs.

    Articles are extracted in ``jobs`` worker processes (in this process when 1), or taken from
    ``cache`` when the same article was extracted by the same extractor before; ``counts`` (if
    given) tallies ``extracted`` and ``reused``. ``die_on`` is a test hook: the worker extracting
    that PMID exits abruptly.
    """
    counts = Counter() if counts is None else counts
    total, done = index.articles(), 0
    ext_key = kbcache.extractor_key(extractor.NAME, extractor.VERSION)
    work = functools.partial(extract_chunk, die_on=die_on)
    for chunk, result in ordered_map(work, _chunks(index, cache, ext_key), jobs, _describe):
        if isinstance(result, Failure):
            raise _fail(chunk, result)
        fresh = dict(result)
        counts["extracted"] += len(fresh)
        counts["reused"] += len(chunk.cached)
        if cache and fresh:
            cache.put_many({chunk.keys[p]: data for p, data in fresh.items()})
        for held, article in zip(chunk.held, chunk.articles, strict=True):
            key = chunk.keys.get(held.pmid)
            data = fresh.get(held.pmid) or (chunk.cached.get(key) if key else None)
            if data is not None:
                extraction = Extraction.model_validate_json(data)
            else:
                extraction = Extraction(pmid=held.pmid, abstract=article.abstract or "")
            record = _record(held, article, extraction, run_at)
            yield Entry(held.pmid, record, index.citations_of(held.pmid), index.cited_by(held.pmid))
        done += len(chunk.held)
        progress("extract", done, total)
    for pmid in index.link_only():
        yield Entry(pmid, None, index.citations_of(pmid), index.cited_by(pmid))
