"""Run time grows linearly with input size, also for shapes that trip backtracking regexes.

The test compares two sizes of the same synthetic input (no absolute timings): ten times more text
must not take more than a generous multiple of ten times longer.
"""

from __future__ import annotations

import time

import pytest

from kb.extract import extract
from kb.records import Article

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
# Linear growth gives a ratio near 10; quadratic growth gives about 100.
ALLOWED_RATIO = GROWTH * 4


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        extract(Article(pmid="1", abstract=text))
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("unit", UNITS)
def test_time_grows_linearly(unit: str) -> None:
    small = (unit * (SMALL // len(unit) + 1))[:SMALL]
    large = (unit * (SMALL * GROWTH // len(unit) + 1))[: SMALL * GROWTH]
    t_small = max(_seconds(small), 1e-3)
    t_large = _seconds(large)
    assert t_large / t_small <= ALLOWED_RATIO, (unit, t_small, t_large)
