"""The project's scoring rule (shared/EXTRACTION.md): predicted vs gold measurements, P/R/F1."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.records.models import Extraction, Measurement

KINDS = frozenset({"outcome", "safety"})
#: Tolerances of rule 2: counts compare exactly, values to float noise, percents to rounding.
VALUE_TOLERANCE = 1e-6
PERCENT_TOLERANCE = 0.5
# Floats such as 45.5 - 45.0 must not fail "within 0.5" by a rounding hair.
_EPS = 1e-9
#: Keys a gold measurement may carry (others are typos and fail loudly).
GOLD_KEYS = frozenset(
    {
        "kind", "endpoint", "code", "statistic", "numerator", "denominator", "percent", "value",
        "unit", "ci", "ci_level", "p_value", "timepoint", "grade", "grading_system", "subgroup",
        "arm", "section", "optional", "anchor", "note",
    }
)  # fmt: skip


class EvalError(Exception):
    """A gold or prediction file that cannot be scored; names the file and the item or line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


# --- the items compared -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoldItem:
    """One gold measurement: the numbers that must match and the anchor the span must overlap."""

    index: int
    kind: str
    anchor: str
    endpoint: str | None = None
    statistic: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    percent: float | None = None
    value: float | None = None
    grade: str | None = None
    optional: bool = False

    def describe(self) -> str:
        return f"{self.kind} {self.endpoint or '?'} {_numbers(self)} @ {self.anchor!r}"


@dataclass(frozen=True, slots=True)
class Predicted:
    """The scored fields of one predicted measurement, with its evidence span."""

    index: int
    kind: str
    start: int
    end: int
    text: str
    endpoint: str | None = None
    statistic: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    percent: float | None = None
    value: float | None = None
    grade: str | None = None

    @classmethod
    def from_measurement(cls, m: Measurement, index: int) -> Predicted:
        return cls(
            index=index,
            kind=m.kind,
            start=m.evidence.start,
            end=m.evidence.end,
            text=m.evidence.text,
            endpoint=m.endpoint,
            statistic=m.statistic,
            numerator=m.numerator,
            denominator=m.denominator,
            percent=m.percent,
            value=m.value,
            grade=m.grade,
        )

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], index: int) -> Predicted:
        """Read the scored fields of a ``kb extract`` measurement object (ValueError if malformed)."""
        evidence = obj.get("evidence")
        if not isinstance(evidence, Mapping):
            raise ValueError(f"measurement {index}: no 'evidence' object")
        start, end = evidence.get("start"), evidence.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not _is_int(start) or not _is_int(end):
            raise ValueError(f"measurement {index}: evidence start/end must be integers")
        return cls(
            index=index,
            kind=_text(obj.get("kind"), f"measurement {index}: kind") or "",
            start=start,
            end=end,
            text=_text(evidence.get("text"), f"measurement {index}: evidence.text") or "",
            endpoint=_text(obj.get("endpoint"), f"measurement {index}: endpoint"),
            statistic=_text(obj.get("statistic"), f"measurement {index}: statistic"),
            numerator=_count(obj.get("numerator"), f"measurement {index}: numerator"),
            denominator=_count(obj.get("denominator"), f"measurement {index}: denominator"),
            percent=_number(obj.get("percent"), f"measurement {index}: percent"),
            value=_number(obj.get("value"), f"measurement {index}: value"),
            grade=_grade_text(obj.get("grade"), f"measurement {index}: grade"),
        )

    def describe(self) -> str:
        return f"{self.kind} {self.endpoint or '?'} {_numbers(self)} @ {self.start}:{self.end} {self.text!r}"


@dataclass(frozen=True, slots=True)
class GoldFile:
    """A gold annotation file and, when present beside it, its abstract (``<name>.txt``)."""

    name: str
    path: str
    pmid: str | None
    items: tuple[GoldItem, ...]
    abstract: str | None = None


@dataclass(frozen=True, slots=True)
class PredictedArticle:
    """One article's predictions: the abstract the spans point into and its measurements."""

    pmid: str | None
    abstract: str
    measurements: tuple[Predicted, ...]

    @classmethod
    def from_extraction(cls, extraction: Extraction) -> PredictedArticle:
        return cls(
            pmid=extraction.pmid,
            abstract=extraction.abstract,
            measurements=tuple(
                Predicted.from_measurement(m, i) for i, m in enumerate(extraction.measurements)
            ),
        )


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """The counts P/R/F1 are computed from; adding two gives the micro-average."""

    predictions: int = 0
    matched_predictions: int = 0
    required: int = 0
    matched_required: int = 0
    matched_optional: int = 0
    endpoint_agreements: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.predictions + other.predictions,
            self.matched_predictions + other.matched_predictions,
            self.required + other.required,
            self.matched_required + other.matched_required,
            self.matched_optional + other.matched_optional,
            self.endpoint_agreements + other.endpoint_agreements,
        )

    @property
    def precision(self) -> float | None:
        """Matched predictions / all predictions; None when nothing was predicted."""
        return self.matched_predictions / self.predictions if self.predictions else None

    @property
    def recall(self) -> float | None:
        """Matched required gold items / all required ones; None when nothing is required."""
        return self.matched_required / self.required if self.required else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if r == 0 or p == 0:
            return 0.0  # something was missed entirely or every prediction was wrong
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r)

    @property
    def endpoint_agreement(self) -> float | None:
        """Among matched pairs, the share whose endpoints name the same thing."""
        return self.endpoint_agreements / self.matched_predictions if self.matched_predictions else None

    def to_json(self) -> dict[str, Any]:
        return {
            "predictions": self.predictions,
            "matched_predictions": self.matched_predictions,
            "required": self.required,
            "matched_required": self.matched_required,
            "matched_optional": self.matched_optional,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "endpoint_agreement": self.endpoint_agreement,
        }


@dataclass(frozen=True, slots=True)
class Pair:
    """A gold item and the prediction matched to it."""

    gold: GoldItem
    predicted: Predicted
    same_endpoint: bool


@dataclass(frozen=True, slots=True)
class Miss:
    """An unmatched gold item, with the closest prediction and why it did not match."""

    gold: GoldItem
    nearest: Predicted | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileScore:
    """The score of one gold file."""

    name: str
    pmid: str | None
    counts: Counts
    pairs: tuple[Pair, ...]
    missed: tuple[Miss, ...]
    unmatched_predictions: tuple[Predicted, ...]
    warnings: tuple[str, ...] = ()

    @property
    def missed_required(self) -> tuple[Miss, ...]:
        return tuple(m for m in self.missed if not m.gold.optional)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pmid": self.pmid,
            **self.counts.to_json(),
            "missed": [_miss_json(m) for m in self.missed],
            "unmatched_predictions": [_pred_json(p) for p in self.unmatched_predictions],
            "endpoint_disagreements": [
                {"gold": p.gold.endpoint, "predicted": p.predicted.endpoint, "anchor": p.gold.anchor}
                for p in self.pairs
                if not p.same_endpoint
            ],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Per-file scores and their micro-average (counts summed over files)."""

    files: tuple[FileScore, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def micro(self) -> Counts:
        return sum((f.counts for f in self.files), Counts())

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [f.to_json() for f in self.files],
            "micro": self.micro.to_json(),
            "warnings": list(self.warnings),
        }


# --- the rule -----------------------------------------------------------------------------------


def normalise_grade(grade: str | None) -> str | None:
    """Write ``≤``/``≥`` as ``<=``/``>=`` (rule 3); nothing else is changed."""
    if grade is None:
        return None
    return grade.strip().replace("≤", "<=").replace("≥", ">=")


def anchor_span(abstract: str, anchor: str) -> tuple[int, int] | None:
    """The anchor's FIRST occurrence in the abstract, as [start, end) offsets."""
    at = abstract.find(anchor)
    return None if at < 0 or not anchor else (at, at + len(anchor))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two half-open spans share at least one character."""
    return a[0] < b[1] and b[0] < a[1]


def mismatches(gold: GoldItem, pred: Predicted, anchor: tuple[int, int] | None) -> list[str]:
    """Every rule of the scoring that ``pred`` breaks for ``gold``; empty means they match."""
    reasons: list[str] = []
    if pred.kind != gold.kind:
        reasons.append(f"kind {pred.kind!r} != gold {gold.kind!r}")
    for name in ("numerator", "denominator"):
        want, got = getattr(gold, name), getattr(pred, name)
        if want is not None and got != want:
            reasons.append(f"{name} {got} != gold {want}")
    if gold.value is not None and (pred.value is None or abs(pred.value - gold.value) > VALUE_TOLERANCE):
        reasons.append(f"value {pred.value} != gold {gold.value}")
    if gold.percent is not None and (
        pred.percent is None or abs(pred.percent - gold.percent) > PERCENT_TOLERANCE + _EPS
    ):
        reasons.append(f"percent {pred.percent} not within {PERCENT_TOLERANCE} of gold {gold.percent}")
    if gold.grade is not None and normalise_grade(pred.grade) != normalise_grade(gold.grade):
        reasons.append(f"grade {pred.grade!r} != gold {gold.grade!r}")
    if anchor is None:
        reasons.append(f"anchor {gold.anchor!r} not found in the abstract")
    elif not overlaps((pred.start, pred.end), anchor):
        reasons.append(f"span {pred.start}:{pred.end} does not overlap anchor {anchor[0]}:{anchor[1]}")
    return reasons


def endpoint_key(endpoint: str | None) -> str:
    """A spelling-insensitive key: case, hyphens, punctuation, spacing and plural 's' ignored."""
    words = re.sub(r"[\s\-_,;:()]+", " ", (endpoint or "").casefold()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def same_endpoint(gold: str | None, predicted: str | None) -> bool:
    """Default endpoint agreement: the two labels are the same after ``endpoint_key``."""
    return endpoint_key(gold) == endpoint_key(predicted)


EndpointJudge = Callable[[str | None, str | None], bool]


def score_file(
    gold: GoldFile,
    predictions: Sequence[Predicted],
    abstract: str,
    *,
    endpoints: EndpointJudge = same_endpoint,
    warnings: Iterable[str] = (),
) -> FileScore:
    """Match one-to-one, greedily in gold order; ``abstract`` is the text the spans point into."""
    notes = list(warnings)
    anchors = [anchor_span(abstract, g.anchor) for g in gold.items]
    for g, a in zip(gold.items, anchors, strict=True):
        if a is None:
            notes.append(f"gold item {g.index}: anchor {g.anchor!r} not found in the abstract")
    used: dict[int, GoldItem] = {}  # prediction position -> the gold item it matched
    pairs: list[Pair] = []
    missed: list[Miss] = []
    for g, a in zip(gold.items, anchors, strict=True):
        found = next(
            (i for i, p in enumerate(predictions) if i not in used and not mismatches(g, p, a)),
            None,
        )
        if found is not None:
            used[found] = g
            p = predictions[found]
            pairs.append(Pair(g, p, endpoints(g.endpoint, p.endpoint)))
        else:
            missed.append(_explain_miss(g, a, predictions, used))
    counts = Counts(
        predictions=len(predictions),
        matched_predictions=len(pairs),
        required=sum(1 for g in gold.items if not g.optional),
        matched_required=sum(1 for p in pairs if not p.gold.optional),
        matched_optional=sum(1 for p in pairs if p.gold.optional),
        endpoint_agreements=sum(1 for p in pairs if p.same_endpoint),
    )
    return FileScore(
        name=gold.name,
        pmid=gold.pmid,
        counts=counts,
        pairs=tuple(pairs),
        missed=tuple(missed),
        unmatched_predictions=tuple(p for i, p in enumerate(predictions) if i not in used),
        warnings=tuple(notes),
    )


def _explain_miss(
    gold: GoldItem,
    anchor: tuple[int, int] | None,
    predictions: Sequence[Predicted],
    used: Mapping[int, GoldItem],
) -> Miss:
    """The prediction that came closest (fewest broken rules, preferring span overlap) and why."""
    if anchor is None:
        return Miss(gold, None, (f"anchor {gold.anchor!r} not found in the abstract",))
    best: tuple[int, int, Predicted, list[str]] | None = None
    for i, p in enumerate(predictions):
        reasons = mismatches(gold, p, anchor)
        if not reasons and i in used:
            reasons = [f"the matching prediction {p.index} was already paired with gold item {used[i].index}"]
        rank = (0 if overlaps((p.start, p.end), anchor) else 1, len(reasons))
        if best is None or rank < best[:2]:
            best = (*rank, p, reasons)
    if best is None or best[0] == 1:
        return Miss(gold, None, ("no prediction overlaps the anchor",))
    return Miss(gold, best[2], tuple(best[3]))


def score(
    golds: Sequence[GoldFile],
    predicted: Mapping[str, PredictedArticle],
    *,
    endpoints: EndpointJudge = same_endpoint,
    warnings: Iterable[str] = (),
) -> Report:
    """Score each gold file against ``predicted[gold.name]``; a file with no prediction scores zero."""
    files: list[FileScore] = []
    for gold in golds:
        article = predicted.get(gold.name)
        if article is None:
            abstract = gold.abstract or ""
            files.append(
                score_file(gold, (), abstract, endpoints=endpoints, warnings=["no prediction for this file"])
            )
            continue
        notes = []
        if gold.abstract is not None and gold.abstract != article.abstract:
            notes.append(
                f"the predicted abstract differs from {gold.name}.txt; anchors are found in the former"
            )
        files.append(
            score_file(gold, article.measurements, article.abstract, endpoints=endpoints, warnings=notes)
        )
    return Report(tuple(files), tuple(warnings))


def pair_predictions(
    golds: Sequence[GoldFile], articles: Iterable[PredictedArticle]
) -> tuple[dict[str, PredictedArticle], list[str]]:
    """Assign predicted articles to gold files by PMID, else by identical abstract text."""
    by_pmid = {g.pmid: g.name for g in golds if g.pmid}
    by_text = {g.abstract: g.name for g in golds if g.abstract}
    paired: dict[str, PredictedArticle] = {}
    unused: list[str] = []
    for art in articles:
        name = by_pmid.get(art.pmid) if art.pmid else None
        name = name or by_text.get(art.abstract)
        if name is None:
            unused.append(f"prediction for PMID {art.pmid or '(none)'} has no gold file; not scored")
        elif name in paired:
            unused.append(f"second prediction for gold file {name}; only the first is scored")
        else:
            paired[name] = art
    return paired, unused


# --- reading files ------------------------------------------------------------------------------


def load_gold(path: Path) -> GoldFile:
    """Read a gold file (and ``<name>.txt`` beside it, when present); errors name file and item."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(path, "file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(path, f"not a JSON file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("measurements"), list):
        raise EvalError(path, "not a gold file: no 'measurements' list")
    items = tuple(_gold_item(path, i, raw) for i, raw in enumerate(data["measurements"]))
    txt = path.with_suffix(".txt")
    abstract = txt.read_text(encoding="utf-8").rstrip() if txt.is_file() else None
    if abstract is not None:
        for item in items:
            if item.anchor not in abstract:
                raise EvalError(path, f"measurement {item.index}: anchor {item.anchor!r} not in {txt.name}")
    pmid = data.get("pmid")
    if pmid is not None and not (isinstance(pmid, str) and pmid.isascii() and pmid.isdigit()):
        raise EvalError(path, f"pmid {pmid!r} is not a string of digits")
    return GoldFile(name=path.stem, path=str(path), pmid=pmid, items=items, abstract=abstract)


def load_gold_dir(folder: Path) -> list[GoldFile]:
    """Every ``*.json`` gold file of a folder, in name order."""
    if not folder.is_dir():
        raise EvalError(folder, "not a folder")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise EvalError(folder, "no gold files (*.json)")
    return [load_gold(p) for p in files]


def read_predictions(path: Path) -> list[PredictedArticle]:
    """Read ``kb extract`` JSON Lines; a malformed line is an error naming its line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise EvalError(path, f"not valid UTF-8: {exc}") from None
    articles: list[PredictedArticle] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            abstract = obj.get("abstract") or ""
            if not isinstance(abstract, str):
                raise ValueError("'abstract' is not a string")
            pmid = obj.get("pmid")
            if pmid is not None and not isinstance(pmid, str):
                raise ValueError("'pmid' is not a string")
            raw = obj.get("measurements") or []
            if not isinstance(raw, list):
                raise ValueError("'measurements' is not a list")
            measurements = tuple(Predicted.from_json(m, i) for i, m in enumerate(raw))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            raise EvalError(path, str(exc), line=number) from None
        articles.append(PredictedArticle(pmid, abstract, measurements))
    return articles


def _gold_item(path: Path, index: int, raw: object) -> GoldItem:
    try:
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        unknown = set(raw) - GOLD_KEYS
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r} is not one of {sorted(KINDS)}")
        anchor = raw.get("anchor")
        if not isinstance(anchor, str) or not anchor:
            raise ValueError("no 'anchor' text")
        optional = raw.get("optional", False)
        if not isinstance(optional, bool):
            raise ValueError("'optional' must be true or false")
        return GoldItem(
            index=index,
            kind=kind,
            anchor=anchor,
            endpoint=_text(raw.get("endpoint"), "endpoint"),
            statistic=_text(raw.get("statistic"), "statistic"),
            numerator=_count(raw.get("numerator"), "numerator"),
            denominator=_count(raw.get("denominator"), "denominator"),
            percent=_number(raw.get("percent"), "percent"),
            value=_number(raw.get("value"), "value"),
            grade=_grade_text(raw.get("grade"), "grade"),
            optional=optional,
        )
    except ValueError as exc:
        raise EvalError(path, f"measurement {index}: {exc}") from None


# --- small helpers ------------------------------------------------------------------------------


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _text(x: object, what: str) -> str | None:
    if x is None or isinstance(x, str):
        return x
    raise ValueError(f"{what} must be text, not {x!r}")


def _number(x: object, what: str) -> float | None:
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise ValueError(f"{what} must be a number, not {x!r}")
    return float(x)


def _count(x: object, what: str) -> int | None:
    number = _number(x, what)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"{what} must be a whole number, not {x!r}")
    return int(number)


def _grade_text(x: object, what: str) -> str | None:
    # A grade written as a bare JSON number (3) means the same as "3".
    if _is_int(x):
        return str(x)
    return _text(x, what)


def _numbers(item: GoldItem | Predicted) -> str:
    parts = [
        f"{name}={getattr(item, name):g}"
        if isinstance(getattr(item, name), float)
        else f"{name}={getattr(item, name)}"
        for name in ("numerator", "denominator", "percent", "value")
        if getattr(item, name) is not None
    ]
    if item.grade is not None:
        parts.append(f"grade={item.grade}")
    return " ".join(parts) or "(no numbers)"


def _pred_json(p: Predicted) -> dict[str, Any]:
    return {
        "index": p.index,
        "kind": p.kind,
        "endpoint": p.endpoint,
        "statistic": p.statistic,
        "numerator": p.numerator,
        "denominator": p.denominator,
        "percent": p.percent,
        "value": p.value,
        "grade": p.grade,
        "evidence": {"start": p.start, "end": p.end, "text": p.text},
    }


def _miss_json(m: Miss) -> dict[str, Any]:
    g = m.gold
    return {
        "index": g.index,
        "optional": g.optional,
        "kind": g.kind,
        "endpoint": g.endpoint,
        "anchor": g.anchor,
        "numerator": g.numerator,
        "denominator": g.denominator,
        "percent": g.percent,
        "value": g.value,
        "grade": g.grade,
        "nearest": None if m.nearest is None else _pred_json(m.nearest),
        "reasons": list(m.reasons),
    }
