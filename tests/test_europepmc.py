"""The europepmc-json reader on real Europe PMC search responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.records.models import Article
from kb.sources import Skipped, SourceError, get_reader
from kb.sources.europepmc import strip_html

EPMC = Path(__file__).parent / "data" / "pubmed" / "europepmc"
READER = get_reader("europepmc-json")


def _results(name: str) -> list[dict[str, object]]:
    data = json.loads((EPMC / name).read_text(encoding="utf-8"))
    results: list[dict[str, object]] = data["resultList"]["result"]
    return results


def test_core_results_become_articles() -> None:
    items = list(READER.read(EPMC / "search_cancer_core.json"))
    articles = [a for a in items if isinstance(a, Article)]
    raw = _results("search_cancer_core.json")
    assert [a.pmid for a in articles] == [r["pmid"] for r in raw]
    assert sum(1 for a in articles if a.abstract) == sum(1 for r in raw if r.get("abstractText")) == 21
    for article, result in zip(articles, raw, strict=True):
        assert article.cited_by_count == int(str(result["citedByCount"]))
        assert article.doi == result.get("doi")
        assert article.publication_types == result["pubTypeList"]["pubType"]  # type: ignore[index]
        assert "<h4>" not in (article.abstract or "") and "<sub>" not in (article.abstract or "")
    first = articles[0]
    assert first.journal == "Lancet (London, England)" and first.year == 2025 and first.pub_date == "2025-12"
    assert [a.name for a in first.authors] == ["Schoenfeld JD", "Haas-Kogan DA", "O'Neill AF"]


def test_headings_become_labelled_sections() -> None:
    article = next(
        a for a in READER.read(EPMC / "search_cancer_core.json") if isinstance(a, Article) and a.sections
    )
    abstract = article.abstract or ""
    assert abstract.startswith(f"{article.sections[0].label}: ")
    for s in article.sections:
        assert abstract[: s.start].endswith(f"{s.label}: ") and s.end <= len(abstract)


def test_bare_less_than_signs_survive() -> None:
    # real abstracts say "p <.01" and "<1 year": a naive tag-stripping regex would eat text here
    by_pmid = {a.pmid: a for a in READER.read(EPMC / "search_cancer_core.json") if isinstance(a, Article)}
    assert "(p <.01)" in (by_pmid["40420324"].abstract or "")
    assert "survival of <1 year" in (by_pmid["40245290"].abstract or "")


def test_strip_html_keeps_text_not_markup() -> None:
    text, sections = strip_html(
        "<h4>Aim</h4>CO<sub>2</sub> &amp; <i>E. coli</i><script>x()</script> a<b and c>d"
    )
    assert text == "Aim: CO2 & E. coli a<b and c>d"
    assert [(s.label, text[s.start : s.end]) for s in sections] == [("Aim", "CO2 & E. coli a<b and c>d")]


def test_lite_and_empty_responses() -> None:
    lite = [a for a in READER.read(EPMC / "search_cancer.json") if isinstance(a, Article)]
    assert len(lite) == 25 and all(a.abstract is None for a in lite)
    assert list(READER.read(EPMC / "search_no_results.json")) == []


def test_result_without_pmid_is_skipped(tmp_path: Path) -> None:
    # synthetic: the real response with one result turned into a preprint (no pmid)
    data = json.loads((EPMC / "search_cancer_core.json").read_text(encoding="utf-8"))
    data["resultList"]["result"][1].pop("pmid")
    data["resultList"]["result"][1]["source"] = "PPR"
    path = tmp_path / "synthetic-preprint.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    items = list(READER.read(path))
    [skipped] = [i for i in items if isinstance(i, Skipped)]
    assert "no PMID" in skipped.reason and "PPR" in skipped.reason and skipped.path == str(path)
    assert len([a for a in items if isinstance(a, Article)]) == 24


def test_not_json_or_not_a_search_response(tmp_path: Path) -> None:
    bad = tmp_path / "synthetic-bad.json"
    bad.write_text('{"resultList": ', encoding="utf-8")
    with pytest.raises(SourceError, match="not valid JSON") as err:
        list(READER.read(bad))
    assert str(bad) in str(err.value)
    other = tmp_path / "synthetic-other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(SourceError, match="resultList"):
        list(READER.read(other))
