"""``kb build``: run the pipeline into a temporary folder, write every store and the site, swap in."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kb import __version__
from kb.errors import KBError
from kb.pipeline.manifest import load_manifest, sha256_file
from kb.pipeline.merge import Progress, _no_progress, collect, evidence, run_time
from kb.records.models import Citation, EvidenceRecord
from kb.sinks import check
from kb.sinks.rdf import export, store
from kb.sinks.rdf import graph as rdf
from kb.sinks.site import pages as site
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import BuildRow


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


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` so that a failure at any point leaves one complete build."""
    old = out.with_name(f".{out.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old)


def write_rdf(records: list[EvidenceRecord], citations: list[Citation], out: Path) -> Graph:
    """Write the RDF side of a build into ``out``; returns the merged graph (what kb.ttl holds)."""
    dataset = rdf.build_dataset(records, citations)
    # kb.ttl, kb.nt, kb.jsonld, and kb.nq with one named graph per source article.
    export.write(dataset, out)
    # The same triples in an on-disk Oxigraph store, for fast SPARQL and `kb serve`.
    store.load(out / "kb.ttl", store.location(out))
    return rdf.union(dataset)


def build(
    manifest_path: Path,
    out: Path,
    *,
    progress: Progress = _no_progress,
    with_site: bool = True,
    config_file: Path | None = None,
) -> BuildSummary:
    """Build ``out/kb.sqlite``, ``out/kb.ttl`` and ``out/site/`` from a manifest."""
    started = time.perf_counter()
    manifest = load_manifest(manifest_path)
    out = out.resolve()
    _check_out(out, manifest.source.parent)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        corpus = collect(manifest, progress)
        at = run_time()
        records = list(evidence(corpus, at, progress))
        citations = corpus.live_citations()
        build_row = BuildRow(
            name=manifest.kb.name,
            title=manifest.kb.title,
            seed_pmids=manifest.kb.seed_pmids,
            run_at=at,
            kb_version=__version__,
            manifest_sha256=sha256_file(manifest.source),
        )
        sql.write(tmp / "kb.sqlite", records, citations, build_row)
        progress("sqlite", 1, 1)
        graph = write_rdf(records, citations, tmp)
        progress("oxigraph", 1, 1)
        progress("rdf", 1, 1)
        pages = 0
        if with_site:
            pages = site.render_and_build(tmp, config_file=config_file, progress=progress)
        summary = BuildSummary(
            out=out,
            articles=len(records),
            full_articles=sum(r.article.status == "full" for r in records),
            measurements=sum(len(r.extraction.measurements) for r in records),
            citations=len({(c.citing, c.cited) for c in citations}),
            triples=len(graph),
            pages=pages,
            skipped=[str(s) for s in corpus.skipped],
            deleted=len(corpus.deleted),
        )
        # A graph that breaks the shapes, or disagrees with SQLite, never replaces a good build.
        report = check.check(tmp)
        if not report.ok:
            raise check.CheckError(f"{tmp}: kb check failed\n{report.text()}")
        (tmp / MARKER).write_text(f"evidence-kb {__version__} build output; replaced by `kb build`\n")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    summary.seconds = time.perf_counter() - started
    return summary
