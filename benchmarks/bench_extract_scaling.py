"""How extraction time grows with input size, for shapes that trip backtracking regexes.

Prints, per synthetic unit, the CPU time for 4,000 and 40,000 characters and their ratio: linear growth
gives about 10, quadratic about 100. (tests/test_extract_robust.py guards the same property with a
generous budget; this script reports the numbers.)

    .venv/bin/python benchmarks/bench_extract_scaling.py
"""

from __future__ import annotations

import time

from kb.extract import extract
from kb.records.models import Article

# Synthetic units, repeated: result-like shapes, unclosed brackets, digit runs, chains of lists.
UNITS = [
    "Grade 3 and 4 adverse events in 20 patients (31%) and 28 patients (44%), respectively, ",
    "(95% CI, 1.2 to ",
    "12 ",
    "22 of whom had 19 of whom ",
    "1.2.3.4.",
    "hazard ratio 0.5 [95% CI 0.3-0.8; P<.001] vs ",
    "Forty-five percent of the patients (29 of 64) ",
]
SMALL = 4_000
GROWTH = 10


def seconds(text: str) -> float:
    """Best of three, in CPU time (time on one core, whatever else the machine runs)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        extract(Article(pmid="1", abstract=text))
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    print(f"{'unit':<50} {'4k chars':>10} {'40k chars':>10} {'ratio':>6}")
    for unit in UNITS:
        small = (unit * (SMALL // len(unit) + 1))[:SMALL]
        large = (unit * (SMALL * GROWTH // len(unit) + 1))[: SMALL * GROWTH]
        t_small, t_large = seconds(small), seconds(large)
        print(f"{unit[:48]!r:<50} {t_small:>9.4f}s {t_large:>9.4f}s {t_large / t_small:>6.1f}")


if __name__ == "__main__":
    main()
