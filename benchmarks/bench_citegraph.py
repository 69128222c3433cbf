"""Citation-graph statistics and drawing on synthetic graphs shaped like elink results.

Usage: .venv/bin/python benchmarks/bench_citegraph.py [CITERS ...]   (default: 100 1000 5000)

Each graph is synthetic: one seed cited by CITERS articles (as `kb fetch --citing` makes), and
each citing article also cites 0-3 of 200 other articles. A seed with n citers couples all of
them (n(n-1)/2 pairs); this measures that the per-article counts stay linear in memory and time.
Prints seconds for building the graph, the per-article counts, the SVG, and peak memory.
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc

from rich.console import Console
from rich.table import Table

from kb.pipeline import citegraph
from kb.records.models import Citation
from kb.sinks.site import citeplot


def synthetic(citers: int, seed: int = 1) -> list[Citation]:
    rng = random.Random(seed)  # noqa: S311
    out = []
    for i in range(citers):
        citing = str(30_000_000 + i)
        out.append(Citation(citing=citing, cited="31002989", origin="elink:pubmed_pubmed_citedin"))
        for ref in rng.sample(range(1_000_000, 1_000_200), rng.randint(0, 3)):
            out.append(Citation(citing=citing, cited=str(ref), origin="synthetic"))
    return out


def main(sizes: list[int]) -> None:
    table = Table("citers", "links", "graph s", "stats s", "svg s", "peak MB")
    for n in sizes:
        cits = synthetic(n)
        tracemalloc.start()
        t0 = time.perf_counter()
        g = citegraph.citation_graph(cits)
        t1 = time.perf_counter()
        stats = citegraph.article_stats(g)
        t2 = time.perf_counter()
        citeplot.graph_svg(g, {"31002989": "seed"}, seeds=["31002989"])
        t3 = time.perf_counter()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        assert stats["31002989"].cited_by == n
        table.add_row(
            str(n), str(len(cits)), f"{t1 - t0:.2f}", f"{t2 - t1:.2f}", f"{t3 - t2:.2f}", f"{peak:.0f}"
        )
    Console().print(table)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
