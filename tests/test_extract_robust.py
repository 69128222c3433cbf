"""Bad input: empty or number-free abstracts give no measurements; pathological text stays linear."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.extract import extract
from kb.records.models import Article
from tests.conftest import DATA

GOLD_TEXTS = sorted((DATA / "gold").glob("*.txt"))
#: Pathological input may cost at most this many times the per-character time of real abstracts.
FACTOR = 50
MB = 1_000_000
#: Repeated patterns are 250 kB: a quadratic regular expression (each start scanning to the end,
#: ~3e10 steps) would need minutes there, far above the budget, and an exponential one hangs at a
#: few dozen characters; 1 MB of every pattern would only make the suite slower.
PATTERN_SIZE = 250_000


@pytest.mark.parametrize("abstract", [None, "", " ", "\n\n \t"])
def test_empty_or_missing_abstract_gives_no_measurements(abstract: str | None) -> None:
    extraction = extract(Article(pmid="1", abstract=abstract))
    assert extraction.pmid == "1" and extraction.measurements == []
    assert extraction.abstract == (abstract or "")


@pytest.mark.parametrize(
    "abstract",
    [
        "Patients with relapsed disease have a poor prognosis and alternative therapies are needed.",
        "BACKGROUND: The disease is rare. RESULTS: Most patients responded to treatment. "
        "CONCLUSIONS: The regimen is safe and effective in this population.",
        "The median overall survival was not reached; the response rate was high (see text).",
    ],
)
def test_text_without_numbers_gives_no_measurements(abstract: str) -> None:
    assert extract(Article(pmid="1", abstract=abstract)).measurements == []


def _normal_seconds_per_char() -> float:
    """Best of five passes over the real abstracts of the gold set (first pass warms caches)."""
    texts = [p.read_text(encoding="utf-8") for p in GOLD_TEXTS]
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for text in texts:
            extract(Article(pmid="1", abstract=text))
        best = min(best, time.perf_counter() - t0)
    return best / chars


# Units repeated to the test size: real text (to 1 MB), and shapes that trip backtracking regexes.
UNITS = {
    "real text repeated": (DATA / "gold" / "31002989.txt").read_text(encoding="utf-8") + " ",
    "one endless sentence": "29 of 64 patients (45%) and ",
    "digits": "1234567890",
    "decimal dots": "1.2.",
    "respectively chains": "grade 3 and 4 adverse events in 20 and 28 patients, respectively, and ",
    "open brackets": "(95% CI, 1.2 to ",
    "nested brackets": "(",
    "number words": "forty-five ",
    "separators": "-/-% ",
    "of whom": "22 of whom had 19 of whom ",
    "p-values": "P<.001; p = 0.03, ",
    "spaces": " ",
    "hazard ratios": "hazard ratio 0.5 (95% CI 0.3-0.8) vs ",
    "capitals": "RESULTS ",
}


def _synthetic(name: str) -> str:
    """A synthetic pathological abstract: the real text to 1 MB, the other patterns to 250 kB."""
    unit = UNITS[name]
    size = MB if name == "real text repeated" else PATTERN_SIZE
    return (unit * (size // len(unit) + 1))[:size]


# The extraction runs in a child process so that catastrophic backtracking fails the test at the
# budget instead of hanging the test session.
_CHILD = """
import sys, time
from kb.extract import extract
from kb.records.models import Article
text = open(sys.argv[1], encoding="utf-8").read()
t0 = time.perf_counter()
n = len(extract(Article(pmid="1", abstract=text)).measurements)
print(time.perf_counter() - t0, n)
"""


@pytest.fixture(scope="module")
def normal_seconds_per_char() -> float:
    return _normal_seconds_per_char()


@pytest.mark.parametrize("pattern", list(UNITS))
def test_pathological_input_finishes_in_linear_time(
    pattern: str, normal_seconds_per_char: float, tmp_path: Path
) -> None:
    text = _synthetic(pattern)
    path = tmp_path / "synthetic.txt"
    path.write_text(text, encoding="utf-8")
    budget = FACTOR * normal_seconds_per_char * len(text)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=budget + 10,  # + interpreter start-up; the budget itself is checked below
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{pattern!r}: {len(text):,} characters not extracted within {budget + 10:.1f} s")
    seconds, count = done.stdout.split()
    report = {"pattern": pattern, "chars": len(text), "seconds": float(seconds), "budget": budget,
              "measurements": int(count)}  # fmt: skip
    print(json.dumps(report))
    assert float(seconds) <= budget, report
