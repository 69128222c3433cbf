"""The quality bar: the extractor scored by the project's rule on the seed and the development set."""

from __future__ import annotations

import json
from pathlib import Path

from kb.extract import evaluate as ev
from kb.extract.files import extract_article, predict_gold
from kb.records.models import Article
from kb.sources.detect import read_any
from kb.sources.registry import get_reader
from tests.conftest import DATA, SEED_PAGE

GOLD = DATA / "gold"
SEED = "31002989"
#: Floor for the development set's micro-F1 (19 hand-annotated abstracts, seed excluded).
#: Measured 0.994 (P 0.994, R 0.993; kb.extract 1.1.0 and 1.2.0, 2026-11-24) minus a margin of 0.05, so a
#: real regression fails while a change of one or two items does not. The extractor was
#: developed against this set, so the value is not an estimate for unseen abstracts.
DEV_F1_FLOOR = 0.94
HELDOUT = DATA / "heldout"
#: Floor for the held-out set (tests/data/heldout/: 6 abstracts annotated by someone who never ran
#: the extractor). Measured F1 0.676 (P 0.558, R 0.857; 24 of 28 required items) with kb.extract
#: 1.1.0, the last version no rule of which was prompted by this set: the honest estimate for
#: unseen abstracts. 1.2.0 scores 0.706 (P 0.600), but two of its rules were motivated by example
#: sentences taken from 26702233, so that gain is not clean. Floor = 0.676 minus a margin of
#: 0.08; it guards against regressions, it is not a target.
HELDOUT_F1_FLOOR = 0.60


def _summary(report: ev.Report) -> str:
    rows = [f"{'file':<10} {'pred':>4} {'req':>4} {'ok':>4} {'P':>6} {'R':>6} {'F1':>6}"]
    for f in (*report.files, None):
        c = report.micro if f is None else f.counts
        name = "micro" if f is None else f.name
        rows.append(
            f"{name:<10} {c.predictions:>4} {c.required:>4} {c.matched_required:>4} "
            + " ".join(f"{'-' if x is None else f'{x:.3f}':>6}" for x in (c.precision, c.recall, c.f1))
        )
    return "\n".join(rows)


def test_seed_meets_the_quality_bar() -> None:
    [article] = [
        a for a in get_reader("pubmed-page").read(SEED_PAGE) if isinstance(a, Article) and a.status == "full"
    ]
    gold = ev.load_gold(GOLD / f"{SEED}.json")
    predicted = ev.PredictedArticle.from_extraction(extract_article(article))
    report = ev.score([gold], {gold.name: predicted})
    c = report.micro
    print(_summary(report))
    detail = "\n".join(
        [m.gold.describe() + " :: " + "; ".join(m.reasons) for m in report.files[0].missed_required]
        + ["extra: " + p.describe() for p in report.files[0].unmatched_predictions]
    )
    assert c.recall == 1.0, detail
    assert c.precision is not None and c.precision >= 0.95, detail


def _dev_set() -> list[ev.GoldFile]:
    return [g for g in ev.load_gold_dir(GOLD) if g.name != SEED]


def test_development_set_micro_f1() -> None:
    golds = _dev_set()
    assert len(golds) >= 12  # the issue asks for at least 12 annotated clinical-trial abstracts
    report = ev.score(golds, predict_gold(golds))
    summary = _summary(report)
    print(f"development set ({len(golds)} abstracts):\n{summary}")
    f1 = report.micro.f1
    assert f1 is not None and f1 >= DEV_F1_FLOOR, summary


def test_gold_abstracts_are_the_reader_abstracts() -> None:
    # The seed gold text is what the saved-page reader returns, so its anchors sit where the
    # extractor's spans do; a reader change that alters the abstract fails here first.
    [article] = [
        a for a in get_reader("pubmed-page").read(SEED_PAGE) if isinstance(a, Article) and a.status == "full"
    ]
    assert article.abstract == Path(GOLD / f"{SEED}.txt").read_text(encoding="utf-8")


def test_development_abstracts_are_the_fixture_abstracts() -> None:
    # Each dev-set text is the abstract the registered reader returns for that PMID from the fixture
    # its gold file names as source, so the dev set scores what `kb build` would extract.
    for gold in _dev_set():
        source = json.loads(Path(gold.path).read_text(encoding="utf-8"))["source"]
        fixture = DATA / source.removeprefix("shared/fixtures/").split(",")[0]
        _, items = read_any(fixture)
        [article] = [a for a in items if isinstance(a, Article) and a.pmid == gold.pmid]
        assert article.abstract == gold.abstract, gold.name


def test_heldout_set_micro_f1() -> None:
    golds = ev.load_gold_dir(HELDOUT)
    assert len(golds) >= 6
    report = ev.score(golds, predict_gold(golds))
    summary = _summary(report)
    print(f"held-out set ({len(golds)} abstracts):\n{summary}")
    f1 = report.micro.f1
    assert f1 is not None and f1 >= HELDOUT_F1_FLOOR, summary


def test_heldout_abstracts_are_the_fixture_abstracts() -> None:
    for gold in ev.load_gold_dir(HELDOUT):
        source = json.loads(Path(gold.path).read_text(encoding="utf-8"))["source"]
        fixture = DATA / source.removeprefix("shared/fixtures/").split(",")[0]
        _, items = read_any(fixture)
        [article] = [a for a in items if isinstance(a, Article) and a.pmid == gold.pmid]
        assert article.abstract == gold.abstract, gold.name
