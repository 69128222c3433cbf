"""``kb build``: stream the manifest through the pipeline into a locked temporary folder, then swap in."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kb import __version__
from kb.errors import KBError
from kb.pipeline.cache import EXTRACTIONS, ExtractionCache, cache_dir, prune_items
from kb.pipeline.index import MergeIndex
from kb.pipeline.lock import FAULT_ENV, BuildLock, fault, make_temp, recover, swap_in
from kb.pipeline.manifest import Manifest, load_manifest, sha256_file
from kb.pipeline.merge import Progress, _no_progress, run_time
from kb.pipeline.stream import CHUNK, batched, index_snapshots, iter_entries
from kb.pipeline.workers import default_jobs
from kb.records.models import Citation, EvidenceRecord
from kb.sinks import check
from kb.sinks.base import Sink
from kb.sinks.rdf import export, store
from kb.sinks.rdf import graph as rdf
from kb.sinks.rdf.sink import RdfSink
from kb.sinks.site import pages as site
from kb.sinks.sql.sink import SqlSink
from kb.sinks.sql.tables import BuildRow

#: entries handed to the sinks at a time
BATCH = 256
#: the merge index of pass 1, in the temporary folder (removed before the swap)
INDEX = "merge-index.sqlite"


@dataclass
class BuildSummary:
    """What a build produced, for the closing summary and for tests."""

    out: Path
    articles: int = 0
    full_articles: int = 0
    measurements: int = 0
    citations: int = 0
    triples: int = 0
    pages: int = 0
    skipped: list[str] = field(default_factory=list)
    deleted: int = 0
    seconds: float = 0.0
    #: two full records of one PMID, same version and revision, that disagree (issue 13)
    warnings: list[str] = field(default_factory=list)
    #: articles extracted in this build, and extractions reused from the cache
    extracted: int = 0
    reused: int = 0


#: Written into every build output; only a folder carrying it (or an empty one) is ever replaced.
MARKER = ".kb-build"


class BuildError(KBError):
    """The build cannot run as asked (e.g. the output folder is not a build output)."""


def _check_out(out: Path, manifest_folder: Path) -> None:
    """Refuse to replace a folder that is not a previous build: ``--out .`` must not delete a repo."""
    cwd = Path.cwd().resolve()
    if out == cwd or out in cwd.parents or manifest_folder.is_relative_to(out):
        raise BuildError(f"{out}: refusing to build into a folder holding the manifest or the current folder")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise BuildError(
            f"{out}: exists and is not a kb build output (no {MARKER} file); "
            "choose a new or empty folder, or remove it yourself"
        )


def write_rdf(records: list[EvidenceRecord], citations: list[Citation], out: Path) -> Graph:
    """Write the RDF side of a build into ``out``; returns the merged graph (what kb.ttl holds)."""
    dataset = rdf.build_dataset(records, citations)
    # kb.ttl, kb.nt, kb.jsonld, and kb.nq with one named graph per source article.
    export.write(dataset, out)
    # The same triples in an on-disk Oxigraph store, for fast SPARQL and `kb serve`.
    store.load(out / "kb.ttl", store.location(out))
    return rdf.union(dataset)


@dataclass(frozen=True)
class Options:
    """How to build: which stores, how many processes, whether to wait and reuse earlier work."""

    with_site: bool = True
    config_file: Path | None = None
    #: an extra SQL store (``sqlite:///...`` or ``postgresql://...``) besides OUT/kb.sqlite
    db_url: str | None = None
    #: extraction processes; None: the cores available, or in-process for a small corpus
    jobs: int | None = None
    wait: bool = False
    cache: bool = True


def build(
    manifest_path: Path,
    out: Path,
    *,
    progress: Progress = _no_progress,
    with_site: bool = True,
    config_file: Path | None = None,
    db_url: str | None = None,
    jobs: int | None = None,
    wait: bool = False,
    cache: bool = True,
    notify: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Build ``out/kb.sqlite``, ``out/kb.ttl`` and ``out/site/`` from a manifest.

    One build per output folder at a time (``wait``: queue behind a running one instead of
    failing); the result replaces ``out`` only when complete and checked. ``notify`` receives
    messages about waiting and about what interrupted builds left (and was cleaned up).
    """
    started = time.perf_counter()
    options = Options(with_site, config_file, db_url, jobs, wait, cache)
    tell = notify or (lambda _line: None)
    manifest = load_manifest(manifest_path)
    out = out.resolve()
    _check_out(out, manifest.source.parent)
    _make_parent(out)
    with BuildLock(out, wait=wait, notify=tell):
        try:
            for line in recover(out):
                tell(line)
        except OSError as exc:
            raise BuildError(_os_message(exc, out)) from None
        _check_out(out, manifest.source.parent)
        tmp = make_temp(out)
        try:
            summary = _run(manifest, out, tmp, options, progress)
            (tmp / MARKER).write_text(f"evidence-kb {__version__} build output; replaced by `kb build`\n")
            swap_in(tmp, out)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BuildError(_os_message(exc, out)) from None
        except sqlite3.Error as exc:  # the merge index or the cache: "database or disk is full"
            shutil.rmtree(tmp, ignore_errors=True)
            raise BuildError(
                f"{tmp}: cannot write the build: {exc}; the previous build in {out} is unchanged"
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    summary.seconds = time.perf_counter() - started
    return summary


def _make_parent(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(_os_message(exc, out)) from None


def _os_message(exc: OSError, out: Path) -> str:
    """A disk-full, read-only or permission error as one line naming the path; no traceback."""
    where = exc.filename or out.parent
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return f"{where}: cannot write the build: {reason}; the previous build in {out} is unchanged"


def _sinks(tmp: Path, db_url: str | None) -> list[Sink]:
    """The stores every entry goes to: OUT/kb.sqlite and the RDF files always, ``db_url`` too."""
    sinks: list[Sink] = [SqlSink(f"sqlite:///{tmp / 'kb.sqlite'}"), RdfSink(tmp)]
    if db_url:
        sinks.append(SqlSink(db_url))
    return sinks


def _jobs(asked: int | None, index: MergeIndex) -> int:
    if asked is not None:
        return max(1, asked)
    # starting worker processes costs about a second: not worth it for a handful of abstracts
    return default_jobs() if index.full_articles() > CHUNK else 1


def _die_on() -> str | None:
    hook = os.environ.get(FAULT_ENV, "")
    return hook.removeprefix("worker-exit:") if hook.startswith("worker-exit:") else None


def _run(manifest: Manifest, out: Path, tmp: Path, options: Options, progress: Progress) -> BuildSummary:
    """Both passes into ``tmp``, then the site and ``kb check``; ``tmp`` is not yet swapped in."""
    at = run_time()
    root = cache_dir(out) if options.cache else None
    first = index_snapshots(manifest, tmp / INDEX, cache_root=root, progress=progress)
    index = first.index
    counts: Counter[str] = Counter()
    extractions = ExtractionCache(root / EXTRACTIONS) if root else None
    sinks = _sinks(tmp, options.db_url)
    measurements = 0
    try:
        entries = iter_entries(
            index, run_at=at, jobs=_jobs(options.jobs, index), cache=extractions,
            progress=progress, counts=counts, die_on=_die_on(),
        )  # fmt: skip
        for batch in batched(entries, BATCH):
            measurements += sum(len(e.record.extraction.measurements) for e in batch if e.record)
            for sink in sinks:
                sink.write(batch)
        fault("written")
        summary = BuildSummary(
            out=out,
            articles=index.articles(),
            full_articles=index.full_articles(),
            measurements=measurements,
            citations=index.citation_pairs(),
            skipped=index.texts("skipped"),
            warnings=index.texts("warning"),
            deleted=index.deleted(),
            extracted=counts["extracted"],
            reused=counts["reused"],
        )
    finally:
        index.close()
        (tmp / INDEX).unlink(missing_ok=True)
    build_row = BuildRow(
        name=manifest.kb.name,
        title=manifest.kb.title,
        seed_pmids=manifest.kb.seed_pmids,
        run_at=at,
        kb_version=__version__,
        manifest_sha256=sha256_file(manifest.source),
    )
    for sink in sinks:
        sink.close(build_row)
        progress(sink.name, 1, 1)
    summary.triples = _triples(sinks)
    if options.with_site:
        summary.pages = site.render_and_build(tmp, config_file=options.config_file, progress=progress)
    # A graph that breaks the shapes, or disagrees with SQLite, never replaces a good build.
    report = check.check(tmp)
    if not report.ok:
        raise check.CheckError(f"{tmp}: kb check failed\n{report.text()}")
    if root and extractions:
        extractions.prune()
        extractions.close()
        prune_items(root, first.item_keys)
    return summary


def _triples(sinks: list[Sink]) -> int:
    return max((int(getattr(s, "triples", 0)) for s in sinks), default=0)
