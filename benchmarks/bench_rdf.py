"""RDF side of a build: the streaming sink against its pyoxigraph floor, and `kb check`, in CPU seconds.

Usage: .venv/bin/python benchmarks/bench_rdf.py [ARTICLES ...]   (default: 1000)

Synthetic: ARTICLES copies of the seed article with its 17 gold measurements (tests/data/), each
under its own PMID and citing the seed, so the graph grows the way a real ingest does.

* sink: ``RdfSink.write`` in batches of 500 (triples per article, spooled), then ``close``
  (kb.nq, kb.nt, kb.jsonld, kb.ttl, and the Oxigraph store bulk-loaded from kb.nt);
* floor: the same quads, already pyoxigraph terms, serialised to N-Quads by pyoxigraph and
  bulk-loaded into a fresh store (``Store.bulk_load``): writing them can cost no less;
* check: ``kb.sinks.check.check_files`` on the sink's kb.nq and a kb.sqlite of the same records.

Times are CPU seconds of this process and its threads (``getrusage``), not wall time: the machine
is shared, and Oxigraph's bulk loader runs threads. Nothing is asserted.
"""

from __future__ import annotations

import resource
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.records.models import Citation, EvidenceRecord  # noqa: E402
from kb.sinks.base import Entry  # noqa: E402
from kb.sinks.check import check_files  # noqa: E402
from kb.sinks.rdf.sink import RdfSink  # noqa: E402
from kb.sinks.sql import writer as sql  # noqa: E402
from kb.sinks.sql.tables import BuildRow  # noqa: E402
from tests.seed_records import seed_records  # noqa: E402

BATCH = 500


def synthetic(n: int) -> tuple[list[EvidenceRecord], list[Citation]]:
    records, _ = seed_records()
    seed = next(r for r in records if r.extraction.measurements)
    out, cits = [], []
    for i in range(n):
        pmid = str(40_000_000 + i)
        art = seed.article.model_copy(update={"pmid": pmid})
        ext = seed.extraction.model_copy(update={"pmid": pmid})
        out.append(seed.model_copy(update={"article": art, "extraction": ext}))
        cits.append(Citation(citing=pmid, cited=seed.article.pmid, origin="synthetic"))
    return out, cits


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(step: Callable[[], object]) -> float:
    start = cpu()
    step()
    return cpu() - start


def run_sink(entries: list[Entry], out: Path) -> tuple[RdfSink, float, float]:
    sink = RdfSink(out)

    def write() -> None:
        for start in range(0, len(entries), BATCH):
            sink.write(entries[start : start + BATCH])

    return sink, timed(write), timed(sink.close)


def floor(nq: Path, work: Path) -> float:
    quads = list(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))  # terms made before the clock

    def write() -> None:
        ox.serialize(quads, str(work / "floor.nq"), ox.RdfFormat.N_QUADS)
        target = ox.Store(str(work / "floor-store"))
        target.bulk_load(path=str(work / "floor.nq"), format=ox.RdfFormat.N_QUADS)
        target.flush()

    return timed(write)


def main(sizes: list[int]) -> None:
    table = Table(
        "articles", "quads", "sink write s", "sink close s", "sink s", "floor s", "sink/floor", "check s"
    )
    for n in sizes:
        records, cits = synthetic(n)
        entries = sql.entries(records, cits)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            sink, write_s, close_s = run_sink(entries, out)
            floor_s = floor(out / "kb.nq", Path(tmp))
            row = BuildRow(
                name="b", title="b", run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64
            )
            sql.write(out / "kb.sqlite", records, cits, row)
            start = cpu()
            report = check_files(out / "kb.nq", out / "kb.sqlite")
            check_s = cpu() - start
            ok = "" if report.ok else " (not ok!)"
            total = write_s + close_s
            table.add_row(
                str(n),
                str(sink.quads),
                f"{write_s:.1f}",
                f"{close_s:.1f}",
                f"{total:.1f}",
                f"{floor_s:.1f}",
                f"{total / floor_s:.2f}",
                f"{check_s:.1f}{ok}",
            )
    Console().print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run (records made in memory included): {peak:.0f} MB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000])
