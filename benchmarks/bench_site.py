"""Time the evidence site for a synthetic knowledge base of N articles: per page, whole site, memory.

Usage: .venv/bin/python benchmarks/bench_site.py [N ...]   (default: 1000 10000)

The knowledge base is synthetic, generated here: N records (title, journal, year, three authors,
an abstract of four sentences with three measurements whose spans are computed from the text),
each citing two earlier ones and, one in three, the seed; written to kb.sqlite with
``kb.sinks.sql.writer.write``. The site is then built in a child process, so that its peak RSS
is the site's alone: ``render_and_build`` as ``kb build`` runs it, except that the Queries page
is a stub (it runs the SPARQL library on the store, a cost of the store, not of the site; there
is no RDF store in this benchmark). Times are CPU seconds of that process (``time.process_time``),
because the machine is shared and wall time would measure the other processes.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb.records.models import (
    Article,
    Author,
    Check,
    Citation,
    EvidenceRecord,
    Extraction,
    Measurement,
    Provenance,
    Snapshot,
    Span,
)
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import BuildRow

SEED = 20_000_000
SENTENCES = (
    "Of {n} patients enrolled, {k} ({p}%) achieved complete remission within 2 cycles.",
    "The median overall survival was {m} months (95% CI {lo} to {hi}).",
    "Grade 3 or higher adverse events occurred in {a} patients ({ap}%).",
    "Cytokine release syndrome was reported in {c} of {n} patients.",
)
JOURNALS = ("Synthetic J Hematol", "Synthetic Blood", "Synthetic Leukemia Res", "Synthetic Transplant")


def _span(text: str, part: str) -> Span:
    start = text.index(part)
    return Span(start=start, end=start + len(part), text=part)


def synthetic_record(i: int, rng: random.Random) -> EvidenceRecord:
    """One synthetic article with an abstract and three measurements read from it."""
    pmid = str(SEED + i)
    n = rng.randint(20, 400)
    k, a = rng.randint(1, n), rng.randint(0, n)
    m = round(rng.uniform(3, 30), 1)
    values = {"n": n, "k": k, "p": round(100 * k / n), "m": m, "lo": round(m * 0.7, 1)}
    values |= {"hi": round(m * 1.3, 1), "a": a, "ap": round(100 * a / n), "c": rng.randint(0, n // 4)}
    abstract = " ".join(s.format(**values) for s in SENTENCES)
    cr = f"{k} ({values['p']}%)"
    ms = [
        Measurement(
            kind="outcome", endpoint="CR", statistic="proportion", numerator=k, denominator=n,
            percent=values["p"], evidence=_span(abstract, cr),
            checks=[Check(name="percent matches n/N", ok=True)],
        ),
        Measurement(
            kind="outcome", endpoint="overall survival", statistic="median", value=m, unit="months",
            ci=(values["lo"], values["hi"]), ci_level=95, evidence=_span(abstract, f"{m} months"),
        ),
        Measurement(
            kind="safety", endpoint="adverse events", statistic="count", numerator=a, denominator=n,
            grade=">=3", evidence=_span(abstract, f"{a} patients ({values['ap']}%)"),
        ),
    ]  # fmt: skip
    return EvidenceRecord(
        article=Article(
            pmid=pmid,
            title=f"Synthetic trial {i} of a bispecific antibody in relapsed leukemia",
            journal=JOURNALS[i % len(JOURNALS)],
            year=2000 + i % 25,
            doi=f"10.5555/synthetic.{i}",
            authors=[Author(name=f"Synthetic {c}{i % 97}") for c in "ABC"],
            abstract=abstract,
            keywords=["synthetic", "leukemia"],
            cited_by_count=None if i else n,
        ),
        extraction=Extraction(pmid=pmid, abstract=abstract, measurements=ms),
        provenance=Provenance(
            snapshot=Snapshot(path="synthetic.xml", sha256="0" * 64, reader="synthetic"),
            reader="synthetic",
            reader_version="1",
            extractor="synthetic",
            extractor_version="1",
            run_at="2026-01-01T00:00:00Z",
        ),
    )


def synthetic_citations(n: int, rng: random.Random) -> list[Citation]:
    out: list[Citation] = []
    for i in range(1, n):
        cited = {max(0, i - 1), rng.randrange(i)} | ({0} if i % 3 == 0 else set())
        out += [
            Citation(citing=str(SEED + i), cited=str(SEED + c), origin="synthetic") for c in sorted(cited)
        ]
    return out


def make_kb(n: int, out: Path) -> None:
    rng = random.Random(n)  # noqa: S311  (seeded synthetic data, not security)
    out.mkdir(parents=True)
    row = BuildRow(
        name="synthetic",
        title="Synthetic knowledge base",
        seed_pmids=[str(SEED)],
        run_at="2026-01-01T00:00:00Z",
        kb_version="0",
        manifest_sha256="0" * 64,
    )
    sql.write(
        out / "kb.sqlite", (synthetic_record(i, rng) for i in range(n)), synthetic_citations(n, rng), row
    )


def site_only(out: Path) -> None:
    """Child process: build the site of ``out`` and print its measurements as JSON."""
    from kb.sinks.site import pages, publish, queries

    def stub(_out: Path, *_args: object) -> str:
        return "# Queries\n\nStub: this benchmark has no RDF store.\n"

    queries.queries_page = stub  # type: ignore[assignment]
    spent: dict[str, float] = {}
    write_articles = publish.write_articles

    def timed(*args: object, **kwargs: object) -> int:
        start = time.process_time()
        count = write_articles(*args, **kwargs)  # type: ignore[arg-type]
        spent["articles_cpu_s"] = time.process_time() - start
        return count

    publish.write_articles = timed
    start = time.process_time()
    pages.render_and_build(out)
    total = time.process_time() - start
    site = out / "site"
    files = [f for f in site.rglob("*") if f.is_file()]
    print(
        json.dumps(
            {
                "site_cpu_s": total,
                "articles_cpu_s": spent["articles_cpu_s"],
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "files": len(files),
                "site_mb": sum(f.stat().st_size for f in files) / 1e6,
                "search_index_mb": (site / publish.INDEX_JSON).stat().st_size / 1e6,
                "index_pages": len(list((site / "articles").glob("page-*.html"))) + 1,
            }
        )
    )


def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        start = time.perf_counter()
        make_kb(n, out)
        made = time.perf_counter() - start
        child = subprocess.run(  # noqa: S603  (this script, with the interpreter running it)
            [sys.executable, __file__, "--site", str(out)], capture_output=True, text=True, check=True
        )
        r = json.loads(child.stdout.strip().splitlines()[-1])
    per_page = 1000 * r["articles_cpu_s"] / n
    print(
        f"{n:>6} articles  kb.sqlite {made:5.1f} s wall  |  site: {r['site_cpu_s']:6.1f} s CPU in all, "
        f"article pages {r['articles_cpu_s']:6.1f} s CPU = {per_page:.2f} ms/page; "
        f"peak RSS {r['peak_rss_mb']:.0f} MB; {r['files']} files, {r['site_mb']:.1f} MB; "
        f"search index {r['search_index_mb']:.2f} MB; {r['index_pages']} articles-index pages"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--site"]:
        site_only(Path(sys.argv[2]))
    else:
        for arg in sys.argv[1:] or ["1000", "10000"]:
            run(int(arg))
