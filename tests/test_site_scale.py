"""The site at scale (issue 8 item 4): articles out of MkDocs' loop, paginated indexes, lean search.

The knowledge base is synthetic (``tests.synthetic.scaled``), written to SQLite with the
project's writer; the Queries page, which runs SPARQL on an RDF store this test does not build,
is replaced by a stub.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from kb.records.models import Citation, EvidenceRecord
from kb.sinks.site import pages
from kb.sinks.sql import writer as sql
from kb.sinks.sql.tables import BuildRow
from tests.synthetic import scaled

ARTICLES = 40
PAGE = 7  # small pages, so that 40 articles over 25 years make several pages and split years


@pytest.fixture(scope="module")
def corpus() -> tuple[list[EvidenceRecord], list[Citation]]:
    return scaled(ARTICLES)


def _kb(out: Path, records: list[EvidenceRecord], citations: list[Citation]) -> Path:
    out.mkdir(parents=True)
    row = BuildRow(
        name="synthetic-scale",
        title="Synthetic scale KB",
        seed_pmids=[records[0].article.pmid],
        run_at="2026-01-01T00:00:00Z",
        kb_version="0",
        manifest_sha256="0" * 64,
    )
    sql.write(out / "kb.sqlite", records, citations, row)
    return out


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, corpus: tuple[list[EvidenceRecord], list[Citation]]
) -> Iterator[Path]:
    from kb.sinks.site import indexes, queries

    out = _kb(tmp_path_factory.mktemp("scale") / "build", *corpus)
    patch = pytest.MonkeyPatch()
    patch.setattr(queries, "queries_page", lambda *_: "# Queries\n\nStub (no RDF store here).\n")
    patch.setattr(indexes, "PAGE_SIZE", PAGE)
    pages.render_and_build(out)
    patch.undo()
    yield out / "site"


def _page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _content(path: Path) -> lxml.html.HtmlElement:
    [content] = _page(path).find_class("md-content__inner")
    return content


def test_mkdocs_renders_no_article_page(
    tmp_path: Path, corpus: tuple[list[EvidenceRecord], list[Citation]]
) -> None:
    """The pages MkDocs renders do not grow with the articles: none is an article page."""
    from kb.sinks.site import queries

    out = _kb(tmp_path / "build", *corpus)
    docs = tmp_path / "docs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "queries_page", lambda *_: "# Queries\n")
        pages.render(out / "kb.sqlite", docs)
    generated = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    assert not [p for p in generated if re.fullmatch(r"articles/[0-9]+\.md", p)], generated
    # One articles-index page for up to indexes.PAGE_SIZE articles, plus home, citations, CLI, queries.
    assert len(generated) <= 6, generated


def test_every_article_has_a_page_in_the_theme(
    site: Path, corpus: tuple[list[EvidenceRecord], list[Citation]]
) -> None:
    records, _ = corpus
    for rec in records:
        path = site / "articles" / f"{rec.article.pmid}.html"
        doc = _page(path)
        assert rec.article.title in (doc.findtext(".//title") or ""), path
        assert doc.find_class("md-header"), path  # the theme's header, search and tabs are there
        assert doc.find_class("md-search"), path
        toc = [a.get("href") for nav in doc.find_class("md-nav--secondary") for a in nav.iter("a")]
        assert "#abstract" in toc and "#provenance" in toc, path
    assert not (site / "articles" / "kb-shell.html").exists()


def test_the_articles_index_paginates_and_lists_each_article_once(
    site: Path, corpus: tuple[list[EvidenceRecord], list[Citation]]
) -> None:
    records, _ = corpus
    names = ["index.html"] + [f"page-{n}.html" for n in range(2, -(-ARTICLES // PAGE) + 1)]
    listed: list[str] = []
    for name in names:
        content = _content(site / "articles" / name)
        rows = [tr for tr in content.iter("tr") if tr.find("td") is not None]
        assert 0 < len(rows) <= PAGE, name
        listed += [urlsplit(tr.find("td/a").get("href")).path for tr in rows]
    assert sorted(listed) == sorted(f"{r.article.pmid}.html" for r in records)
    assert not (site / "articles" / f"page-{len(names) + 1}.html").exists()
    # Newest year first across the pages.
    years = {r.article.pmid: r.article.year or 0 for r in records}
    order = [years[p.removesuffix(".html")] for p in listed]
    assert order == sorted(order, reverse=True)


def test_index_links_resolve_across_pages(site: Path) -> None:
    """Year links and page links on every index page reach an existing page and anchor."""
    for path in sorted((site / "articles").glob("*.html")):
        if not (path.name == "index.html" or path.name.startswith("page-")):
            continue
        for a in _content(path).iter("a"):
            href = a.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or not parts.path:
                continue
            target = (path.parent / parts.path).resolve()
            assert target.is_file(), f"{path.name}: {href}"
            if parts.fragment:
                assert _page(target).get_element_by_id(parts.fragment) is not None, f"{path.name}: {href}"


def test_citations_pages_paginate(site: Path) -> None:
    first = _content(site / "citations.html")
    more = sorted(site.glob("citations-*.html"))
    assert more, "the citations of 40 articles take more than one page of 7"
    for path in [site / "citations.html", *more]:
        content = _content(path)
        [coverage] = [t for t in content.iter("table") if "Coverage" in (t.findtext(".//th[5]") or "")]
        assert 0 < len(coverage.findall(".//tbody/tr")) <= PAGE, path
    assert "page 1 of" in first.text_content()


def test_search_indexes_articles_by_title_and_metadata_only(
    site: Path, corpus: tuple[list[EvidenceRecord], list[Citation]]
) -> None:
    from kb.sinks.site import safe

    records, _ = corpus
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_location = {d["location"]: d for d in index["docs"]}
    for rec in records:
        entry = by_location[f"articles/{rec.article.pmid}.html"]
        assert entry["title"] == safe.text(rec.article.title)
        assert f"PMID {rec.article.pmid}" in entry["text"]
        assert rec.article.abstract and rec.article.abstract[:40] not in entry["text"]
    assert not any("kb-shell" in loc for loc in by_location)
    # The list pages only repeat titles; they stay out of the index, which would otherwise grow
    # with them as much as with the articles.
    listings = [loc for loc in by_location if re.match(r"(articles/(index|page-)|citations)", loc)]
    assert not listings, listings
    js = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert json.loads(js.removeprefix("var __index = ")) == index  # the file:// copy says the same


SYNTHETIC_SHELL = (
    "<html><head><title>KBSHELLTITLE - synthetic</title></head><body><nav><ul>"
    '<li class="md-nav__item"><a href="#kbshelltoc">KBSHELLTOC</a></li></ul></nav>'
    '<article><h1 id="t">KBSHELLTITLE</h1><p>KBSHELLCONTENT</p><h2 id="kbshelltoc">KBSHELLTOC</h2>'
    "</article></body></html>"
)


def test_a_pmid_that_is_not_ascii_digits_gets_no_page(
    tmp_path: Path, corpus: tuple[list[EvidenceRecord], list[Citation]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record whose PMID would not make a safe file name stops the site with an error naming it."""
    from kb.sinks.site import publish

    out = _kb(tmp_path / "build", *corpus)
    site = tmp_path / "site"
    (site / "articles").mkdir(parents=True)
    (site / "articles" / "kb-shell.html").write_text(SYNTHETIC_SHELL, encoding="utf-8")
    record = corpus[0][0]
    bad = record.model_copy(update={"article": record.article.model_copy(update={"pmid": "٣٤٥"})})
    monkeypatch.setattr("kb.sinks.site.publish.sql.read_records", lambda _db: iter([record, bad]))
    with pytest.raises(publish.PageError, match="'٣٤٥': the PMID is not ASCII digits"):
        publish.write_articles(out / "kb.sqlite", site)
    assert not list((site / "articles").glob("*٣*"))


def test_a_theme_page_without_slots_is_a_clear_error(tmp_path: Path) -> None:
    from kb.sinks.site import shell

    page = tmp_path / "kb-shell.html"
    page.write_text(SYNTHETIC_SHELL.replace("kbshelltoc", "elsewhere"), encoding="utf-8")
    with pytest.raises(shell.ShellError, match="kb-shell.html: the theme's page has no table of contents"):
        shell.load_shell(page)
    page.write_text(SYNTHETIC_SHELL, encoding="utf-8")
    assert "<title>A &amp; B - synthetic</title>" in shell.load_shell(page).render("A & B", "", "")


def test_a_much_cited_article_lists_its_first_citing_articles_and_says_how_many(
    tmp_path: Path, corpus: tuple[list[EvidenceRecord], list[Citation]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.sinks.site import publish, reads

    records, citations = corpus
    citing: dict[str, set[str]] = {}
    for c in citations:
        citing.setdefault(c.cited, set()).add(c.citing)
    pmid, who = max(citing.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(who) > 2
    out = _kb(tmp_path / "build", records, citations)
    monkeypatch.setattr(publish, "LIST_SHOWN", 2)
    [rec] = [r for r in records if r.article.pmid == pmid]
    with reads.with_closing(out / "kb.sqlite") as con:
        page = publish.write_one(con, rec)
    doc = lxml.html.fromstring(f"<div>{page.body}</div>")
    [table] = [t for t in doc.iter("table") if t.findtext(".//th") == "Citing article"]
    assert len(table.findall(".//tbody/tr")) == 2
    text = " ".join(doc.text_content().split())
    assert f"{len(who)} of {rec.article.cited_by_count} citing articles are in the knowledge base" in text
    assert f"The first 2 of them; kb sparql citing-articles --param cited={pmid} lists them all." in text
