"""Time ``kb build`` (and its site) for a synthetic knowledge base of N articles.

Usage: .venv/bin/python benchmarks/bench_site.py [N ...]   (default: 100 1000)

The input is synthetic, generated here: one MEDLINE file of N records, each with an abstract of
a few sentences (proportions, a median with its CI, graded adverse events) and a comment link
to the record before it. It goes through the whole build (reader, extractor, SQLite, RDF, site);
the script prints the seconds of each stage, as the build's progress reports them, and the size
of the built site.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from kb.pipeline.build import build

SENTENCES = (
    "Of {n} patients enrolled, {k} ({p}%) achieved complete remission within 2 cycles.",
    "The median overall survival was {m} months (95% CI {lo} to {hi}).",
    "Grade 3 or higher adverse events occurred in {a} patients ({ap}%).",
    "Cytokine release syndrome was reported in {c} of {n} patients.",
)


def medline_record(pmid: int, rng: random.Random) -> str:
    n = rng.randint(20, 400)
    k, a, c = rng.randint(1, n), rng.randint(0, n), rng.randint(0, n // 4)
    m = round(rng.uniform(3, 30), 1)
    values = {"n": n, "k": k, "p": round(100 * k / n), "m": m, "lo": round(m * 0.7, 1)}
    values |= {"hi": round(m * 1.3, 1), "a": a, "ap": round(100 * a / n), "c": c}
    abstract = " ".join(s.format(**values) for s in SENTENCES)
    return (
        f"PMID- {pmid}\n"
        f"DP  - {2000 + pmid % 25} Jan\n"
        f"TI  - Synthetic trial {pmid} of a bispecific antibody in relapsed leukemia.\n"
        f"AB  - {abstract}\n"
        "AU  - Synthetic A\n"
        "PT  - Journal Article\n"
        "TA  - Synthetic J\n"
    )


def run(n: int) -> None:
    rng = random.Random(n)  # noqa: S311  (seeded synthetic data, not security)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "synthetic.txt").write_text(
            "\n".join(medline_record(10_000_000 + i, rng) for i in range(n)), encoding="utf-8"
        )
        manifest = root / "manifest.toml"
        manifest.write_text(
            '[kb]\nname = "synthetic"\ntitle = "Synthetic knowledge base"\nseed_pmids = ["10000000"]\n\n'
            '[[snapshot]]\npath = "synthetic.txt"\nreader = "medline"\n',
            encoding="utf-8",
        )
        stages: dict[str, list[float]] = {}

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            stages.setdefault(stage, [now, now])[1] = now

        start = time.perf_counter()
        summary = build(manifest, root / "build", progress=progress)
        files = [f for f in (root / "build" / "site").rglob("*") if f.is_file()]
        size = sum(f.stat().st_size for f in files)
    # A stage's time runs from the end of the previous stage to its own last report.
    spans, last = [], start
    for name, (_first, end) in sorted(stages.items(), key=lambda kv: kv[1][1]):
        spans.append(f"{name} {end - last:.1f}")
        last = end
    print(
        f"{n:>6} articles {summary.measurements:>6} measurements  total {summary.seconds:6.1f} s  "
        f"[{', '.join(spans)}]  site {len(files)} files, {size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["100", "1000"]:
        run(int(arg))
