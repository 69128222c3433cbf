"""Every evidence span the extractor emits points at its text, over every abstract in the fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.extract.files import extract_article, public_json
from kb.records.models import Article
from kb.sources.detect import detect_format, read_any
from kb.sources.registry import all_readers
from tests.conftest import DATA

# Every fixture file that holds articles: the copies of shared/fixtures/pubmed (whatever format,
# read by the registered reader its content calls for), the seed page and the gold abstracts.
FILES = [
    *sorted(p for p in (DATA / "pubmed").rglob("*") if p.is_file()),
    DATA / "seed" / "pubmed-31002989.txt",
    *sorted((DATA / "gold").glob("*.txt")),
]


def _articles(path: Path) -> list[Article]:
    _, items = read_any(path)
    return [i for i in items if isinstance(i, Article) and i.status == "full"]


def test_every_fixture_format_has_a_registered_reader() -> None:
    # No skipping: a fixture whose reader is missing fails here instead of silently dropping out.
    formats = {detect_format(p) for p in FILES}
    assert {"pubmed-xml", "medline", "pubmed-page", "text", "europepmc-json"} <= formats
    assert formats <= set(all_readers())


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_spans_point_at_their_text(path: Path) -> None:
    for article in _articles(path):
        extraction = extract_article(article)
        assert extraction.abstract == (article.abstract or "")
        # Check the public JSON object, the form other tools read.
        obj = public_json(extraction)
        abstract = obj["abstract"]
        for m in obj["measurements"]:
            ev = m["evidence"]
            assert 0 <= ev["start"] < ev["end"] <= len(abstract), (article.pmid, ev)
            assert abstract[ev["start"] : ev["end"]] == ev["text"], (article.pmid, ev)


def test_the_fixtures_hold_many_abstracts() -> None:
    # Guards the test above against passing vacuously (e.g. readers yielding no abstracts).
    abstracts = [
        a.abstract for p in FILES if detect_format(p) != "elink-xml" for a in _articles(p) if a.abstract
    ]
    assert len(abstracts) >= 500  # medline16n0902.xml.gz alone has 526 abstracts (604 - 78 without)
    measured = sum(len(extract_article(Article(pmid="1", abstract=a)).measurements) for a in abstracts[:50])
    assert measured > 0
