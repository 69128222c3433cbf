"""The scoring rule of shared/EXTRACTION.md, rule by rule, on synthetic predictions built here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kb.extract import evaluate as ev
from kb.records.models import Extraction, Measurement, Span

# synthetic abstract: "29 of 64" occurs twice, so "first occurrence" is observable
ABSTRACT = (
    "In 64 patients, 29 of 64 (45%) had a response. Median OS was 8.5 months. "
    "Grade 3 and 4 events occurred in 20 and 28 patients. Later, 29 of 64 again."
)


def span_of(text: str, nth: int = 0) -> tuple[int, int]:
    at = -1
    for _ in range(nth + 1):
        at = ABSTRACT.index(text, at + 1)
    return at, at + len(text)


def gold(anchor: str = "29 of 64", index: int = 0, **kw: Any) -> ev.GoldItem:
    fields: dict[str, Any] = {"kind": "outcome", "numerator": 29, "denominator": 64, "percent": 45.0}
    fields.update(kw)
    return ev.GoldItem(index=index, anchor=anchor, **fields)


def pred(text: str = "29 of 64", nth: int = 0, index: int = 0, **kw: Any) -> ev.Predicted:
    start, end = span_of(text, nth)
    fields: dict[str, Any] = {"kind": "outcome", "numerator": 29, "denominator": 64, "percent": 45.0}
    fields.update(kw)
    return ev.Predicted(index=index, start=start, end=end, text=ABSTRACT[start:end], **fields)


def score(golds: list[ev.GoldItem], preds: list[ev.Predicted]) -> ev.FileScore:
    g = ev.GoldFile(name="synthetic", path="synthetic.json", pmid=None, items=tuple(golds))
    return ev.score_file(g, preds, ABSTRACT)


def matches(g: ev.GoldItem, p: ev.Predicted) -> bool:
    return score([g], [p]).counts.matched_required == 1


def test_identical_item_matches() -> None:
    s = score([gold()], [pred()])
    assert (s.counts.precision, s.counts.recall, s.counts.f1) == (1.0, 1.0, 1.0)
    assert s.missed == () and s.unmatched_predictions == ()


# rule 1: same kind
def test_rule_kind() -> None:
    assert not matches(gold(), pred(kind="safety"))
    assert "kind" in ev.mismatches(gold(), pred(kind="safety"), span_of("29 of 64"))[0]


# rule 2: numbers the gold gives
@pytest.mark.parametrize("field", ["numerator", "denominator"])
def test_rule_counts_are_exact(field: str) -> None:
    wrong: dict[str, Any] = {field: 30}
    missing: dict[str, Any] = {field: None}
    assert not matches(gold(), pred(**wrong))
    assert not matches(gold(), pred(**missing))


def test_rule_value_within_1e6() -> None:
    g = gold("8.5 months", numerator=None, denominator=None, percent=None, value=8.5)
    assert matches(g, pred("8.5 months", numerator=None, denominator=None, percent=None, value=8.5 + 5e-7))
    assert not matches(g, pred("8.5 months", numerator=None, denominator=None, percent=None, value=8.50001))
    assert not matches(g, pred("8.5 months", numerator=None, denominator=None, percent=None, value=None))


@pytest.mark.parametrize(
    ("predicted", "ok"), [(45.0, True), (45.5, True), (44.5, True), (45.6, False), (None, False)]
)
def test_rule_percent_within_half_a_point(predicted: float | None, ok: bool) -> None:
    assert matches(gold(), pred(percent=predicted)) is ok


def test_numbers_absent_from_gold_are_not_compared() -> None:
    g = gold(denominator=None, percent=None)
    assert matches(g, pred(denominator=29, percent=100.0, value=3.0))


# rule 3: grade
@pytest.mark.parametrize(
    ("gold_grade", "predicted", "ok"),
    [("<=3", "<=3", True), ("≤3", "<=3", True), ("<=3", "≤3", True), (">=3", "≥3", True),
     ("3", "4", False), ("3", None, False), ("<=3", "3", False), (None, "4", True)],
)  # fmt: skip
def test_rule_grade(gold_grade: str | None, predicted: str | None, ok: bool) -> None:
    assert matches(gold(grade=gold_grade), pred(grade=predicted)) is ok


# rule 4: the span overlaps the anchor's FIRST occurrence
def test_rule_span_overlaps_first_occurrence_only() -> None:
    assert matches(gold(), pred(nth=0))
    assert not matches(gold(), pred(nth=1))  # the same text, second occurrence


def test_rule_span_partial_overlap_counts_touching_does_not() -> None:
    start, end = span_of("29 of 64")
    near = ABSTRACT[start - 3 : start + 2]  # "ts, 29" overlaps by two characters
    assert matches(gold(), pred(near))
    touching = ev.Predicted(index=0, kind="outcome", start=end, end=end + 5, text=ABSTRACT[end : end + 5],
                            numerator=29, denominator=64, percent=45.0)  # fmt: skip
    assert not matches(gold(), touching)


def test_anchor_missing_from_abstract_never_matches() -> None:
    s = score([gold("not in the text")], [pred()])
    assert s.counts.matched_required == 0
    assert any("not found" in w for w in s.warnings)


# one-to-one, greedy in gold order
def test_one_prediction_matches_one_gold_item() -> None:
    s = score([gold(), gold(index=1)], [pred()])
    assert s.counts.matched_required == 1 and s.counts.recall == 0.5
    assert "already paired" in s.missed[0].reasons[0]


def test_one_gold_item_takes_one_prediction() -> None:
    s = score([gold()], [pred(index=0), pred(index=1)])
    assert s.counts.precision == 0.5 and s.counts.recall == 1.0
    assert [p.index for p in s.unmatched_predictions] == [1]


def test_greedy_in_gold_order_not_optimal_assignment() -> None:
    # gold A (no denominator) can take either prediction; gold B only p0. Greedy in gold order
    # pairs A with p0 (the first that fits), so B is missed although a perfect assignment exists.
    a = gold(denominator=None, index=0)
    b = gold(index=1)
    p0 = pred(index=0)
    p1 = pred(index=1, denominator=7)
    s = score([a, b], [p0, p1])
    assert [(p.gold.index, p.predicted.index) for p in s.pairs] == [(0, 0)]
    assert [m.gold.index for m in s.missed] == [1]
    # the same items in the other gold order match both
    assert score([b, a], [p0, p1]).counts.matched_required == 2


# optional items
def test_optional_match_counts_as_correct_prediction_but_not_recall() -> None:
    required = gold("8.5 months", numerator=None, denominator=None, percent=None, value=8.5)
    optional = gold(optional=True, index=1)
    p_req = pred("8.5 months", numerator=None, denominator=None, percent=None, value=8.5, index=0)
    s = score([required, optional], [p_req, pred(index=1)])
    assert s.counts.required == 1 and s.counts.matched_required == 1 and s.counts.matched_optional == 1
    assert s.counts.precision == 1.0 and s.counts.recall == 1.0


def test_missing_optional_is_not_penalised() -> None:
    s = score([gold(), gold("8.5 months", optional=True, index=1)], [pred()])
    assert s.counts.recall == 1.0 and s.counts.precision == 1.0
    assert s.missed_required == () and len(s.missed) == 1


def test_unmatched_prediction_lowers_precision() -> None:
    s = score([gold()], [pred(index=0), pred("8.5 months", index=1, value=8.5)])
    assert s.counts.precision == 0.5 and s.counts.f1 == pytest.approx(2 / 3)


def test_no_predictions() -> None:
    c = score([gold()], []).counts
    assert c.precision is None and c.recall == 0.0 and c.f1 == 0.0


def test_micro_average_sums_counts() -> None:
    one = ev.Counts(predictions=1, matched_predictions=1, required=1, matched_required=1)
    many = ev.Counts(predictions=9, matched_predictions=0, required=9, matched_required=0)
    micro = ev.Report((_file(one), _file(many))).micro
    assert micro.precision == 0.1 and micro.recall == 0.1  # not the mean of 1.0 and 0.0


def _file(c: ev.Counts) -> ev.FileScore:
    return ev.FileScore(name="x", pmid=None, counts=c, pairs=(), missed=(), unmatched_predictions=())


def test_endpoint_agreement_is_reported_not_scored() -> None:
    s = score([gold(endpoint="CR/CRh"), gold(endpoint="Adverse events", index=1)],
              [pred(endpoint="cr/CRh", index=0), pred(endpoint="overall survival", index=1)])  # fmt: skip
    assert s.counts.matched_required == 2 and s.counts.endpoint_agreement == 0.5
    assert ev.same_endpoint("adverse events", "Adverse event") and not ev.same_endpoint("OS", "PFS")


def test_from_extraction_keeps_spans_and_numbers() -> None:
    start, end = span_of("29 of 64")
    m = Measurement(kind="outcome", endpoint="response", statistic="proportion", numerator=29, denominator=64,
                    percent=45.0, evidence=Span(start=start, end=end, text="29 of 64"))  # fmt: skip
    art = ev.PredictedArticle.from_extraction(Extraction(pmid="1", abstract=ABSTRACT, measurements=[m]))
    g = ev.GoldFile(name="1", path="1.json", pmid="1", items=(gold(),), abstract=ABSTRACT)
    report = ev.score([g], {"1": art})
    assert report.micro.f1 == 1.0 and report.files[0].warnings == ()


# files
def _write_gold(folder: Path, items: list[dict[str, Any]], abstract: str = ABSTRACT) -> Path:
    path = folder / "123.json"
    path.write_text(json.dumps({"pmid": "123", "measurements": items}), encoding="utf-8")
    path.with_suffix(".txt").write_text(abstract, encoding="utf-8")
    return path


def test_load_gold_and_read_predictions_round_trip(tmp_path: Path) -> None:
    _write_gold(tmp_path, [{"kind": "outcome", "numerator": 29, "denominator": 64, "anchor": "29 of 64"}])
    start, end = span_of("29 of 64")
    line = {"pmid": "123", "abstract": ABSTRACT,
            "measurements": [{"kind": "outcome", "endpoint": "x", "numerator": 29, "denominator": 64,
                              "evidence": {"start": start, "end": end, "text": "29 of 64"}}]}  # fmt: skip
    preds = tmp_path / "pred.jsonl"
    preds.write_text(json.dumps(line) + "\n\n", encoding="utf-8")
    golds = ev.load_gold_dir(tmp_path)
    paired, notes = ev.pair_predictions(golds, ev.read_predictions(preds))
    assert notes == [] and ev.score(golds, paired).micro.f1 == 1.0


@pytest.mark.parametrize(
    ("item", "message"),
    [({"kind": "outcome", "anchor": "29 of 64", "numerater": 1}, "unknown keys"),
     ({"kind": "efficacy", "anchor": "29 of 64"}, "kind"),
     ({"kind": "outcome", "anchor": "nowhere"}, "not in 123.txt"),
     ({"kind": "outcome", "anchor": "29 of 64", "numerator": 2.5}, "whole number")],
)  # fmt: skip
def test_bad_gold_file_names_file_and_item(tmp_path: Path, item: dict[str, Any], message: str) -> None:
    path = _write_gold(tmp_path, [{"kind": "outcome", "anchor": "29 of 64"}, item])
    with pytest.raises(ev.EvalError, match=message) as err:
        ev.load_gold(path)
    assert str(path) in str(err.value) and "measurement 1" in str(err.value)


def test_bad_prediction_line_is_named(tmp_path: Path) -> None:
    preds = tmp_path / "pred.jsonl"
    preds.write_text('{"pmid": "1", "abstract": "", "measurements": []}\n{"measurements": [{}]}\n')
    with pytest.raises(ev.EvalError, match=r"pred\.jsonl:2: measurement 0: no 'evidence'"):
        ev.read_predictions(preds)


def test_prediction_without_gold_is_reported(tmp_path: Path) -> None:
    _write_gold(tmp_path, [{"kind": "outcome", "anchor": "29 of 64"}])
    golds = ev.load_gold_dir(tmp_path)
    other = ev.PredictedArticle(pmid="999", abstract="other", measurements=())
    paired, notes = ev.pair_predictions(golds, [other])
    assert paired == {} and "999" in notes[0]
    assert ev.score(golds, paired).files[0].warnings == ("no prediction for this file",)


def test_lexicon_judge_uses_the_project_lexicon() -> None:
    from kb.extract.files import lexicon_judge

    assert lexicon_judge("overall survival", "OS") and lexicon_judge("GVHD", "graft-versus-host disease")
    assert lexicon_judge("overall survival (Kaplan-Meier)", "overall survival")  # parentheses aside
    assert not lexicon_judge("progression-free survival", "overall survival")
    # a label is one endpoint only when the lexicon covers all of it
    assert not lexicon_judge("overall survival of the graft", "overall survival")
    assert not lexicon_judge(None, "overall survival")


def test_prediction_without_pmid_pairs_by_abstract_text(tmp_path: Path) -> None:
    # `kb extract abstract.txt` prints a null pmid; the abstract itself then finds its gold file.
    _write_gold(tmp_path, [{"kind": "outcome", "numerator": 29, "anchor": "29 of 64"}])
    golds = ev.load_gold_dir(tmp_path)
    art = ev.PredictedArticle(pmid=None, abstract=ABSTRACT, measurements=(pred(percent=None),))
    paired, notes = ev.pair_predictions(golds, [art, art])
    assert list(paired) == ["123"] and notes == [
        "second prediction for gold file 123; only the first is scored"
    ]
    assert ev.score(golds, paired).micro.f1 == 1.0
