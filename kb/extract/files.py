"""``kb extract`` as a library: read any supported file, extract each article, shape the public JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kb.extract import extract
from kb.extract.evaluate import GoldFile, PredictedArticle, same_endpoint
from kb.records.models import Article, Extraction
from kb.sources.base import Skipped, SourceError
from kb.sources.detect import read_any
from kb.sources.plaintext import pmid_from_name
from kb.sources.registry import get_reader

# Key order of the public object, as shared/EXTRACTION.md prints it; the project's own fields
# (ci_level, p_value, grading_system, section, derived, checks, ...) follow in schema order.
TOP_KEYS = ("pmid", "abstract", "study", "population", "interventions", "measurements")
STUDY_KEYS = ("design", "n")
POPULATION_KEYS = ("n", "condition", "characteristics")
INTERVENTION_KEYS = ("name", "class")
MEASUREMENT_KEYS = (
    "kind", "endpoint", "code", "statistic", "numerator", "denominator", "percent", "value", "unit",
    "ci", "timepoint", "grade", "subgroup", "arm", "evidence",
)  # fmt: skip
EVIDENCE_KEYS = ("start", "end", "text")


def _ordered(obj: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    return {**{k: obj[k] for k in first if k in obj}, **{k: v for k, v in obj.items() if k not in first}}


def public_json(extraction: Extraction) -> dict[str, Any]:
    """The ``kb extract`` object: ``model_dump(by_alias=True, mode="json")`` in contract key order."""
    raw = extraction.model_dump(by_alias=True, mode="json")
    raw["study"] = _ordered(raw["study"], STUDY_KEYS)
    raw["population"] = _ordered(raw["population"], POPULATION_KEYS)
    raw["interventions"] = [_ordered(i, INTERVENTION_KEYS) for i in raw["interventions"]]
    raw["measurements"] = [
        _ordered({**m, "evidence": _ordered(m["evidence"], EVIDENCE_KEYS)}, MEASUREMENT_KEYS)
        for m in raw["measurements"]
    ]
    return _ordered(raw, TOP_KEYS)


def extract_article(article: Article, *, pmid_known: bool = True) -> Extraction:
    """Extract one article; ``pmid_known=False`` publishes the PMID as null (placeholder PMID)."""
    extraction = extract(article)
    return extraction if pmid_known else extraction.model_copy(update={"pmid": None})


def extract_path(path: Path) -> Iterator[Extraction | Skipped]:
    """One Extraction per full article in ``path`` (any supported format); Skipped notices pass through.

    Citing-list stubs, citation links and deletions are not articles of the file and are left out.
    """
    fmt, items = read_any(path)
    # A .txt abstract's PMID comes from its file name, and is null when the name has no digits.
    pmid_known = fmt != "text" or pmid_from_name(path) is not None
    for item in items:
        if isinstance(item, Skipped):
            yield item
        elif isinstance(item, Article) and item.status == "full":
            yield extract_article(item, pmid_known=pmid_known)


def predict_gold(golds: Sequence[GoldFile]) -> dict[str, PredictedArticle]:
    """Run the extractor on each gold file's abstract, ``<name>.txt`` beside it (read as ``text``)."""
    reader = get_reader("text")
    predicted: dict[str, PredictedArticle] = {}
    for gold in golds:
        txt = Path(gold.path).with_suffix(".txt")
        if not txt.is_file():
            raise SourceError(
                txt, f"not found: the abstract of {Path(gold.path).name} (or give PRED, saved predictions)"
            )
        for item in reader.read(txt):
            if isinstance(item, Article):
                known = pmid_from_name(txt) is not None
                predicted[gold.name] = PredictedArticle.from_extraction(
                    extract_article(item, pmid_known=known)
                )
    return predicted


def _lexicon_label(label: str) -> str | None:
    """The lexicon's canonical label when ``label`` (parentheses aside) is one endpoint, wholly."""
    from kb.extract.lexicon import endpoints

    core = re.sub(r"\s*\([^()]*\)", "", label).strip()
    hits = endpoints().find(core)
    names = {h.endpoint.label for h in hits}
    if len(names) != 1:
        return None
    covered = [False] * len(core)
    for h in hits:
        covered[h.start : h.end] = [True] * (h.end - h.start)
    # every letter and digit must belong to a mention: "severe asthma exacerbation" is not "exacerbation"
    return names.pop() if all(ok or not c.isalnum() for c, ok in zip(core, covered, strict=True)) else None


def lexicon_judge(gold: str | None, predicted: str | None) -> bool:
    """Endpoint agreement by the project's lexicon: same spelling, or one canonical endpoint."""
    if same_endpoint(gold, predicted):
        return True
    if gold is None or predicted is None:
        return False
    canonical = _lexicon_label(gold)
    return canonical is not None and canonical == _lexicon_label(predicted)
