"""Synthesis API: logit effects as metafor computes them, pooling against the textbook formulas."""

from __future__ import annotations

import csv
import math
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline.build import BuildSummary
from kb.synth.pooling import ProportionRow, logit_effect, pool, proportions, retracted_rows, write_csv


def _row(events: int, n: int, pmid: str = "1") -> ProportionRow:
    # synthetic study rows: only events and n matter for pooling
    return ProportionRow(
        pmid, 2020, "synthetic response", "outcome", events, n, None, None, None, None, None,
        "numerator;denominator", "", True, f"{events} of {n}", "urn:x",
    )  # fmt: skip


def test_logit_effect_matches_escalc_plo() -> None:
    yi, vi = logit_effect(29, 64)
    assert yi == pytest.approx(math.log(29 / 35))
    assert vi == pytest.approx(1 / 29 + 1 / 35)
    # zero cell: metafor adds 1/2 to both cells (to="only0")
    yi0, vi0 = logit_effect(0, 10)
    assert yi0 == pytest.approx(math.log(0.5 / 10.5)) and vi0 == pytest.approx(1 / 0.5 + 1 / 10.5)
    with pytest.raises(ValueError, match="not a proportion"):
        logit_effect(11, 10)


def test_pool_dersimonian_laird_by_hand() -> None:
    rows = [_row(29, 64, "a"), _row(10, 40, "b"), _row(30, 50, "c")]
    y, v = zip(*(logit_effect(r.events, r.n) for r in rows), strict=True)
    w = [1 / x for x in v]
    fe = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fe) ** 2 for wi, yi in zip(w, y, strict=True))
    tau2 = max(0.0, (q - 2) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    wr = [1 / (vi + tau2) for vi in v]
    re = sum(wi * yi for wi, yi in zip(wr, y, strict=True)) / sum(wr)
    se = math.sqrt(1 / sum(wr))
    pooled = pool(rows)
    assert pooled.k == 3 and pooled.tau2 == pytest.approx(tau2)
    assert pooled.proportion == pytest.approx(1 / (1 + math.exp(-re)))
    assert pooled.ci_low == pytest.approx(1 / (1 + math.exp(-(re - 1.959964 * se))), rel=1e-5)
    assert pooled.i2 == pytest.approx((q - 2) / q)


def test_pool_needs_two_studies() -> None:
    with pytest.raises(ValueError, match="at least two"):
        pool([_row(1, 2)])


def test_proportions_from_the_seed_store(seed_build: BuildSummary, tmp_path: Path) -> None:
    rows = proportions(seed_build.out / "kb.sqlite")
    assert all(0 <= r.events <= r.n for r in rows)
    for r in rows:  # every row is traceable to its quote in the abstract
        assert r.evidence and r.pmid == "31002989"
    out = tmp_path / "synthetic-export.csv"
    write_csv(rows, out)
    with out.open(encoding="utf-8") as fh:
        read = list(csv.DictReader(fh))
    assert len(read) == len(rows)
    assert [(int(r["events"]), int(r["n"])) for r in read] == [(r.events, r.n) for r in rows]


def _retract(seed_build: BuildSummary, tmp_path: Path, pmid: str) -> Path:
    """A copy of the seed store with one article marked retracted (a synthetic edit)."""
    out = tmp_path / "synthetic-retracted"
    out.mkdir()
    db = out / "kb.sqlite"
    db.write_bytes((seed_build.out / "kb.sqlite").read_bytes())
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE article SET retracted = 1 WHERE pmid = ?", (pmid,))
    con.close()
    return out


def test_retracted_articles_are_left_out_unless_asked(seed_build: BuildSummary, tmp_path: Path) -> None:
    everything = proportions(seed_build.out / "kb.sqlite")
    assert everything and not any(r.retracted for r in everything)
    out = _retract(seed_build, tmp_path, "31002989")
    db = out / "kb.sqlite"
    assert proportions(db) == []
    kept = proportions(db, include_retracted=True)
    assert len(kept) == len(everything) and all(r.retracted for r in kept)
    assert retracted_rows(db) == kept
    csv_path = tmp_path / "synthetic-retracted.csv"
    write_csv(kept, csv_path)
    with csv_path.open(encoding="utf-8") as fh:
        assert {row["retracted"] for row in csv.DictReader(fh)} == {"True"}


def test_cli_synth_says_how_many_retracted_rows_it_left_out(seed_build: BuildSummary, tmp_path: Path) -> None:
    out = _retract(seed_build, tmp_path, "31002989")
    n = len(proportions(out / "kb.sqlite", include_retracted=True))
    result = CliRunner().invoke(app, ["synth", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"excluded {n} rows of 1 retracted article (PMID 31002989)" in result.output
    assert "--include-retracted" in result.output
    kept = CliRunner().invoke(app, ["synth", "--out", str(out), "--include-retracted"])
    assert kept.exit_code == 0 and f"included {n} rows of 1 retracted article" in kept.output
