"""Extraction speed: CPU time per abstract, abstracts and characters per CPU-second, on the fixtures.

Run: .venv/bin/python benchmarks/bench_extract.py [--repeat 5]

Times are process CPU time (``time.process_time``), which is time on one core: wall-clock time on a
shared machine also counts the time other processes hold the core. The goal (issue 8) is at least
1,000 abstracts per CPU-second, that is at most 1 ms of CPU per abstract.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kb.extract import NAME, VERSION, extract
from kb.records.models import Article
from kb.sources.detect import detect_format, read_any

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def fixture_abstracts() -> list[Article]:
    """Every distinct non-empty abstract the registered readers find in tests/data (by PMID and text)."""
    paths = [
        *sorted(p for p in (DATA / "pubmed").rglob("*") if p.is_file()),
        DATA / "seed" / "pubmed-31002989.txt",
        *sorted((DATA / "gold").glob("*.txt")),
    ]
    seen: dict[tuple[str, str], Article] = {}
    for path in paths:
        if detect_format(path) == "elink-xml":
            continue  # citation links only, no abstracts
        _, items = read_any(path)
        for item in items:
            if isinstance(item, Article) and item.abstract:
                seen.setdefault((item.pmid, item.abstract), item)
    return list(seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes after one warm-up pass")
    args = parser.parse_args()
    articles = fixture_abstracts()
    chars = sum(len(a.abstract or "") for a in articles)
    measurements = sum(len(extract(a).measurements) for a in articles)  # warm-up pass
    passes: list[float] = []
    per_abstract: list[float] = []
    for _ in range(args.repeat):
        t_pass = time.process_time()
        for a in articles:
            t0 = time.process_time()
            extract(a)
            per_abstract.append(time.process_time() - t0)
        passes.append(time.process_time() - t_pass)
    best, median = min(passes), statistics.median(passes)
    per_abstract.sort()
    table = Table(
        title=f"{NAME} {VERSION} on {len(articles)} fixture abstracts ({platform.python_version()}), CPU time"
    )
    table.add_column("measure (per CPU-second = per core)")
    table.add_column("best pass", justify="right")
    table.add_column(f"median of {args.repeat}", justify="right")
    table.add_row("abstracts / CPU-s", f"{len(articles) / best:,.0f}", f"{len(articles) / median:,.0f}")
    table.add_row(
        "CPU ms / abstract", f"{best / len(articles) * 1e3:.3f}", f"{median / len(articles) * 1e3:.3f}"
    )
    table.add_row("characters / CPU-s", f"{chars / best:,.0f}", f"{chars / median:,.0f}")
    table.add_row("measurements / CPU-s", f"{measurements / best:,.0f}", f"{measurements / median:,.0f}")
    table.add_row("CPU seconds per pass", f"{best:.3f}", f"{median:.3f}")
    console = Console()
    console.print(table)
    q = statistics.quantiles(per_abstract, n=100)
    console.print(
        f"{chars:,} characters, {measurements:,} measurements per pass; CPU per abstract: "
        f"median {q[49] * 1e3:.2f} ms, p95 {q[94] * 1e3:.2f} ms, max {per_abstract[-1] * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
