"""The saved PubMed page reader, on the real seed page."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.records.models import Article, Citation
from kb.sources.base import SourceError
from kb.sources.registry import get_reader
from tests.conftest import SEED_PAGE

READER = get_reader("pubmed-page")


def _items() -> tuple[list[Article], list[Citation]]:
    items = list(READER.read(SEED_PAGE))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Citation)]


def test_seed_article_fields() -> None:
    articles, _ = _items()
    seed = articles[0]
    assert seed.pmid == "31002989"
    assert seed.title.startswith("Blinatumomab for Acute Lymphoblastic Leukemia Relapse")
    assert seed.pub_date == "2019-04-20" and seed.year == 2019
    assert seed.cited_by_count == 31
    assert seed.status == "full"
    assert seed.abstract is not None
    assert seed.abstract.startswith("Patients with relapsed/refractory (R/R) acute lymphoblastic")
    assert seed.abstract.endswith("effective salvage therapy in this patient population.")
    assert "29 of 64" in seed.abstract


def test_citing_articles_all_fields() -> None:
    articles, citations = _items()
    citing = articles[1:]
    assert [a.pmid for a in citing] == ["40075627", "39258182", "38977689", "38916714", "38003295"]
    assert all(a.status == "stub" for a in citing)
    assert {(c.citing, c.cited) for c in citations} == {(a.pmid, "31002989") for a in citing}
    first = citing[0]
    assert first.title == (
        "Antibody-Based and Other Novel Agents in Adult B-Cell Acute Lymphoblastic Leukemia."
    )
    assert [a.name for a in first.authors] == ["Csizmar C", "Litzow M", "Saliba A"]
    assert (first.journal, first.year, first.volume, first.issue) == ("Cancers (Basel)", 2025, "17", "5")
    assert (first.pmcid, first.doi) == ("PMC11899621", "10.3390/cancers17050779")
    molina = citing[3]
    assert (molina.volume, molina.issue, molina.pages) == ("25", "8", "993-1010")
    assert molina.journal == "Curr Treat Options Oncol"
    assert citing[1].pages == "e2024070"
    assert citing[4].authors[-1].name == "Zei T" and citing[4].journal == "Int J Mol Sci"


def test_not_a_page_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "synthetic-not-a-page.txt"
    bad.write_text("just some text\n", encoding="utf-8")
    with pytest.raises(SourceError, match="synthetic-not-a-page.txt"):
        list(READER.read(bad))


def test_broken_citing_entry_names_line(tmp_path: Path) -> None:
    text = SEED_PAGE.read_text(encoding="utf-8").replace("PMID: 39258182", "PMID 39258182")
    bad = tmp_path / "synthetic-broken.txt"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=r"synthetic-broken.txt:\d+"):
        list(READER.read(bad))


def test_non_utf8_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "synthetic-latin1.txt"
    bad.write_bytes(SEED_PAGE.read_bytes().replace(b"Overview", "Überblick Overview".encode("latin-1")))
    with pytest.raises(SourceError, match="not valid UTF-8"):
        list(READER.read(bad))
