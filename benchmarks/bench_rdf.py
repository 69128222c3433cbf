"""RDF side of a build: graph construction, each export format, and `kb check` (SHACL + SQLite).

Usage: .venv/bin/python benchmarks/bench_rdf.py [ARTICLES ...]   (default: 10 100 500)

Synthetic: ARTICLES copies of the seed article with its 17 gold measurements (tests/data/), each
under its own PMID and citing the seed, so the graph grows the way a real ingest does.
Prints seconds per stage and triples; nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.records.models import Citation, EvidenceRecord  # noqa: E402
from kb.sinks.check import consistency, shacl  # noqa: E402
from kb.sinks.rdf import export  # noqa: E402
from kb.sinks.rdf import graph as rdf
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import BuildRow  # noqa: E402
from tests.seed_records import seed_records  # noqa: E402


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


def main(sizes: list[int]) -> None:
    table = Table(
        "articles", "triples", "graph s", "ttl s", "nt s", "nq s", "jsonld s", "shacl s", "sql=rdf s"
    )
    for n in sizes:
        records, cits = synthetic(n)
        t0 = time.perf_counter()
        ds = rdf.build_dataset(records, cits)
        merged = rdf.union(ds)
        row = [str(n), str(len(merged)), f"{time.perf_counter() - t0:.2f}"]
        for fmt in export.FORMATS:
            t = time.perf_counter()
            export.render(ds, fmt, merged)
            row.append(f"{time.perf_counter() - t:.2f}")
        t = time.perf_counter()
        violations = shacl(merged)
        row.append(f"{time.perf_counter() - t:.2f}" + ("" if not violations else f" ({len(violations)}!)"))
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "kb.sqlite"
            b = BuildRow(
                name="b", title="b", run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64
            )
            sql.write(db, records, cits, b)
            t = time.perf_counter()
            consistency(db, merged)
            row.append(f"{time.perf_counter() - t:.2f}")
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 500])
