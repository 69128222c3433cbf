"""What evidence-synthesis scripts use: tidy proportion rows from the store, logit effects, pooling."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

#: Columns a metafor script reads: escalc(measure="PLO", xi=events, ni=n), then rma(yi, vi).
CSV_COLUMNS = (
    "pmid", "year", "endpoint", "kind", "events", "n", "percent", "timepoint", "arm", "subgroup",
    "grade", "reported", "derived", "checks_ok", "retracted", "evidence", "measurement",
)  # fmt: skip


@dataclass(frozen=True)
class ProportionRow:
    """One study's events out of n for one endpoint, with where each number came from."""

    pmid: str
    year: int | None
    endpoint: str
    kind: str
    events: int
    n: int
    percent: float | None
    timepoint: str | None
    arm: str | None
    subgroup: str | None
    grade: str | None
    reported: str
    derived: str
    checks_ok: bool
    evidence: str
    measurement: str
    #: the article is retracted (PubMed links a retraction notice or types it so)
    retracted: bool = False


@dataclass(frozen=True)
class Pooled:
    """A pooled proportion (random effects on the logit scale, back-transformed)."""

    k: int
    proportion: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    method: str


def proportions(
    db: Path, endpoint: str | None = None, kind: str | None = None, *, include_retracted: bool = False
) -> list[ProportionRow]:
    """Rows with both events and a denominator, optionally for one endpoint (case-insensitive).

    Rows of retracted articles are left out unless ``include_retracted``; ``retracted_rows``
    gives the ones left out, so that a caller can say how many.
    """
    return _rows(db, endpoint, kind, None if include_retracted else False)


def retracted_rows(db: Path, endpoint: str | None = None, kind: str | None = None) -> list[ProportionRow]:
    """The rows ``proportions`` leaves out by default: those of retracted articles."""
    return _rows(db, endpoint, kind, True)


def _rows(db: Path, endpoint: str | None, kind: str | None, retracted: bool | None) -> list[ProportionRow]:
    """Proportion rows; ``retracted`` None takes every article, True/False only (not) retracted ones."""
    sql = (
        "SELECT m.pmid, a.year, m.endpoint, m.kind, m.numerator, m.denominator, m.percent, m.timepoint,"
        " m.arm, m.subgroup, m.grade, m.derived, m.checks_ok, m.evidence_text, m.iri, a.retracted"
        " FROM measurement m JOIN article a ON a.pmid = m.pmid"
        " WHERE m.numerator IS NOT NULL AND m.denominator IS NOT NULL AND m.denominator > 0"
    )
    args: list[str | int] = []
    if retracted is not None:
        sql += " AND a.retracted = ?"
        args.append(int(retracted))
    if endpoint:
        sql += " AND lower(m.endpoint) = lower(?)"
        args.append(endpoint)
    if kind:
        sql += " AND m.kind = ?"
        args.append(kind)
    sql += " ORDER BY m.endpoint, m.pmid, m.position"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(sql, args).fetchall()
    out = []
    for pmid, year, ep, k, x, n, pct, tp, arm, sub, grade, derived_json, ok, ev, iri, withdrawn in rows:
        derived = [f for f in _json_list(derived_json) if f in ("numerator", "denominator", "percent")]
        reported = [f for f in ("numerator", "denominator", "percent") if f not in derived]
        if pct is None:
            reported.remove("percent")
        out.append(
            ProportionRow(
                pmid,
                year,
                ep,
                k,
                int(x),
                int(n),
                pct,
                tp,
                arm,
                sub,
                grade,
                ";".join(reported),
                ";".join(derived),
                bool(ok),
                ev,
                iri,
                bool(withdrawn),
            )  # fmt: skip
        )
    return out


def _json_list(value: str | None) -> list[str]:
    return [str(v) for v in json.loads(value)] if value else []


def logit_effect(events: int, n: int, add: float = 0.5) -> tuple[float, float]:
    """Logit proportion as metafor PLO: yi = log(x/(n-x)), vi = 1/x + 1/(n-x); +1/2 when x is 0 or n."""
    if not 0 <= events <= n or n <= 0:
        raise ValueError(f"events {events} out of n {n} is not a proportion")
    x, m = float(events), float(n - events)
    if events in (0, n):
        x, m = x + add, m + add
    return math.log(x / m), 1.0 / x + 1.0 / m


def pool(rows: Sequence[ProportionRow], method: str = "dl") -> Pooled:
    """Random-effects pooling of logit proportions (statsmodels combine_effects), back-transformed."""
    import numpy as np
    from statsmodels.stats.meta_analysis import combine_effects  # slow import: only when pooling

    if len(rows) < 2:
        raise ValueError("pooling needs at least two studies")
    effects = [logit_effect(r.events, r.n) for r in rows]
    res = combine_effects(
        np.array([e for e, _ in effects]), np.array([v for _, v in effects]), method_re=method
    )
    # conf_int() gives (fixed, random, fixed-wls, random-wls) intervals; take the random-effects one
    low, high = (float(v) for v in res.conf_int(use_t=False)[1])
    return Pooled(
        k=len(rows),
        proportion=_expit(float(res.mean_effect_re)),
        ci_low=_expit(low),
        ci_high=_expit(high),
        tau2=float(res.tau2),
        i2=float(res.i2),
        method=method,
    )


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def write_csv(rows: Sequence[ProportionRow], path: Path) -> None:
    """A CSV ready for metafor: escalc(measure = "PLO", xi = events, ni = n, data = read.csv(path))."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(asdict(r))


def retraction_note(
    db: Path, endpoint: str | None = None, kind: str | None = None, *, include_retracted: bool = False
) -> str:
    """One line saying how many rows of retracted articles were left out (or kept, and marked)."""
    rows = retracted_rows(db, endpoint, kind)
    if not rows:
        return "retracted articles: none among these rows"
    pmids = sorted({r.pmid for r in rows}, key=int)
    which = f"{len(rows)} row{'s' if len(rows) != 1 else ''} of {len(pmids)} retracted article" + (
        f"{'s' if len(pmids) != 1 else ''} (PMID {', '.join(pmids[:10])}{', ...' if len(pmids) > 10 else ''})"
    )
    if include_retracted:
        return f"retracted articles: included {which}; the retracted column marks them"
    return f"retracted articles: excluded {which}; --include-retracted keeps them"
