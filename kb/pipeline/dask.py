"""``kb build --dask SCHEDULER``: per-snapshot read + extract tasks on a Dask cluster, then the local build.

The expensive, independent work of a build is reading each snapshot and extracting its
abstracts. Each snapshot becomes one Dask task (``read_and_extract``, a pure function of the
manifest and the snapshot's position) whose results are the two things the incremental-build
cache holds: the snapshot's parsed items (keyed by its sha256, reader and reading code) and the
extraction of every full article in it (keyed by the article and the extractor). The driver
writes them into the cache of the output folder as they arrive, then runs the ordinary
``kb build``, which finds every snapshot and almost every extraction cached: it only merges
(the on-disk index), writes the sinks (SQLite or PostgreSQL, N-Quads, Oxigraph) and checks.

So a Dask build is by construction the same build as a local one; only where the work ran
differs. Workers need to see the snapshot files at the same absolute paths (a shared file
system); their results travel back through the scheduler, so the cache need not be shared.
Articles that merging changes (a newer version filling gaps from an older one) are extracted
again by the local build: the cache key is the merged record.
"""

from __future__ import annotations

import functools
import itertools
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb import extract as extractor
from kb.errors import KBError
from kb.pipeline import cache as kbcache
from kb.pipeline.lock import FAULT_ENV
from kb.pipeline.manifest import Manifest, load_manifest
from kb.pipeline.merge import Progress, _no_progress, verify
from kb.pipeline.stream import read_snapshot
from kb.pipeline.workers import Failure, WorkerError, extract_chunk
from kb.records.models import Article
from kb.sources.registry import get_reader

if TYPE_CHECKING:
    from distributed import Client

    from kb.pipeline.build import BuildSummary


#: how long to wait for the scheduler before giving up
CONNECT_TIMEOUT = "30s"


class DaskError(KBError):
    """The Dask path cannot run: no distributed package, no scheduler, or a lost task."""


@dataclass(frozen=True)
class SnapshotResult:
    """What one task sends back: the snapshot's items in the cache's file format, and extractions."""

    index: int
    path: str
    items_key: str
    items: bytes
    #: extraction cache key -> serialised Extraction
    extractions: dict[str, str]
    articles: int


def read_and_extract(manifest_path: str, index: int) -> SnapshotResult:
    """Read snapshot ``index`` of the manifest and extract its full articles (runs on a worker)."""
    try:
        return _read_and_extract(Path(manifest_path), index)
    except KBError as exc:
        # re-raised as a plain KBError: SourceError's own signature does not survive pickling
        raise DaskError(str(exc)) from None


def _read_and_extract(manifest_path: Path, index: int) -> SnapshotResult:
    manifest = load_manifest(manifest_path)
    path, snap = verify(manifest, manifest.snapshot[index])
    reader = get_reader(snap.reader)
    key = kbcache.reader_key(snap.sha256, reader.name, reader.version)
    ext_key = kbcache.extractor_key(extractor.NAME, extractor.VERSION)
    tasks: dict[str, tuple[str, str]] = {}
    articles = 0
    with tempfile.TemporaryDirectory(prefix="kb-dask-") as scratch:
        saved = Path(scratch) / "items.jsonl"
        for item in kbcache.write_items(saved, read_snapshot(path, snap.reader)):
            if isinstance(item, Article):
                articles += 1
                if item.status == "full" and item.abstract:
                    article_json = item.model_dump_json()
                    tasks[kbcache.extraction_key(article_json, ext_key)] = (item.pmid, article_json)
        items = saved.read_bytes()
    # the local build's crash-test hook: KB_BUILD_FAULT=worker-exit:PMID kills the worker there
    hook = os.environ.get(FAULT_ENV, "")
    die_on = hook.removeprefix("worker-exit:") if hook.startswith("worker-exit:") else None
    done = extract_chunk(list(tasks.values()), die_on=die_on)
    if isinstance(done, Failure):
        raise WorkerError(f"{snap.path}: PMID {done.pmid}: extraction failed: {done.error}\n{done.trace}")
    extractions = {k: data for k, (_, data) in zip(tasks, done, strict=True)}
    return SnapshotResult(index, snap.path, key, items, extractions, articles)


def _cached(manifest: Manifest, cache_root: Path) -> set[int]:
    """Snapshots whose declared sha256 already names a complete items file: no task needed."""
    found = set()
    for i, entry in enumerate(manifest.snapshot):
        if entry.sha256:
            reader = get_reader(entry.reader)
            key = kbcache.reader_key(entry.sha256, reader.name, reader.version)
            if kbcache.complete(kbcache.items_path(cache_root, key)):
                found.add(i)
    return found


def _save(result: SnapshotResult, cache_root: Path, extractions: kbcache.ExtractionCache) -> None:
    """Write one task's results into the cache (items file atomically, like ``write_items``)."""
    target = kbcache.items_path(cache_root, result.items_key)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f"{target.name}.part-{os.getpid()}")
    part.write_bytes(result.items)
    part.replace(target)
    extractions.put_many(result.extractions)


def client_for(scheduler: str) -> Client:
    """A client of the scheduler at ``scheduler`` (tcp://host:port), or of a scheduler file's."""
    try:
        from distributed import Client
    except ImportError:
        raise DaskError("the Dask path needs the 'dask' extra: pip install 'evidence-kb[dask]'") from None
    try:
        if scheduler.endswith(".json") and Path(scheduler).is_file():
            return Client(scheduler_file=scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        return Client(scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise DaskError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None


def run_tasks(client: Client, manifest: Manifest, todo: list[int], window: int) -> Iterator[SnapshotResult]:
    """Results of the snapshot tasks as they finish, at most ``window`` in flight (bounded memory)."""
    from distributed import as_completed

    source = str(manifest.source)
    pending = iter(todo)
    live: dict[str, tuple[int, Any]] = {}  # task key -> (snapshot index, future)

    def submit(i: int) -> Any:
        # a fresh key per task: a second build through the same client must not get old results
        key = f"kb-read-and-extract-{i}-{uuid.uuid4().hex[:12]}"
        future = client.submit(read_and_extract, source, i, key=key, pure=False)
        live[key] = (i, future)
        return future

    running = as_completed([submit(i) for i in itertools.islice(pending, window)])  # type: ignore[no-untyped-call]
    try:
        for future in running:
            i, _ = live.pop(future.key)
            result: SnapshotResult = _result(future, manifest.snapshot[i].path)
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                running.add(submit(nxt))  # type: ignore[no-untyped-call]
            yield result
    finally:
        if live:  # stopped by an error: do not leave the cluster working for nobody
            client.cancel([f for _, f in live.values()])  # type: ignore[no-untyped-call]


def _result(future: Any, snapshot: str) -> SnapshotResult:
    try:
        result: SnapshotResult = future.result()
    except KBError:
        raise  # a bad snapshot: the error already names the file and the record
    except Exception as exc:  # noqa: BLE001  (KilledWorker, CancelledError, ...: name the snapshot)
        raise WorkerError(
            f"{snapshot}: the Dask task reading it failed: {type(exc).__name__}: {exc}"
        ) from None
    return result


def warm(
    manifest_path: Path, out: Path, client: Client, progress: Progress = _no_progress
) -> tuple[int, int]:
    """Fill the build cache of ``out`` from the cluster; returns (snapshots read, articles read)."""
    manifest = load_manifest(manifest_path)
    cache_root = kbcache.cache_dir(out.resolve())
    todo = [i for i in range(len(manifest.snapshot)) if i not in _cached(manifest, cache_root)]
    threads = sum(client.nthreads().values()) or 1  # type: ignore[no-untyped-call]
    extractions = kbcache.ExtractionCache(cache_root / kbcache.EXTRACTIONS)
    articles = 0
    try:
        for done, result in enumerate(run_tasks(client, manifest, todo, 2 * threads), start=1):
            _save(result, cache_root, extractions)
            articles += result.articles
            progress("dask", done, len(todo))
    finally:
        extractions.close()
    return len(todo), articles


def build(
    manifest_path: Path,
    out: Path,
    scheduler: str | Client,
    progress: Progress = _no_progress,
    **build_options: Any,
) -> BuildSummary:
    """Read + extract on the cluster, then ``kb.pipeline.build.build`` with the same options."""
    from kb.pipeline.build import build as local_build

    if build_options.get("cache") is False:
        raise DaskError("--dask hands its results to the build through the cache: drop --no-cache")
    client = client_for(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        warm(manifest_path, out, client, progress)
    finally:
        if isinstance(scheduler, str):
            client.close()  # type: ignore[no-untyped-call]
    return local_build(manifest_path, out, progress=progress, **build_options)


def scheduled(scheduler: str) -> Callable[..., BuildSummary]:
    """``kb.pipeline.build.build`` with the read + extract tasks sent to ``scheduler`` first."""
    return functools.partial(build, scheduler=scheduler)
