"""The evidence site: what a reader sees on the built seed site, and pages robust to any extraction."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from kb.pipeline.build import BuildSummary
from kb.records.models import (
    Article,
    Check,
    EvidenceRecord,
    Extraction,
    Measurement,
    Provenance,
    Snapshot,
    Span,
)
from kb.sinks.site.evidence_html import abstract_html, evidence_marks, in_context
from kb.sinks.site.pages import article_page

REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


def _page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _text(el: lxml.html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _rows(db: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return list(con.execute(query, params).fetchall())


def test_home_reports_citing_coverage(seed_build: BuildSummary) -> None:
    home = _text(_page(seed_build.out / "site" / "index.html"))
    assert "5 of 31 citing articles are in the knowledge base" in home
    # The 5 is the store's count of citing links, not a constant on the page.
    db = seed_build.out / "kb.sqlite"
    assert _rows(db, "SELECT COUNT(*) FROM citation WHERE cited = '31002989'") == [(5,)]


def test_seed_article_page_shows_abstract_citing_articles_and_quotes(seed_build: BuildSummary) -> None:
    db = seed_build.out / "kb.sqlite"
    page = _page(seed_build.out / "site" / "articles" / "31002989.html")
    text = _text(page)

    [(abstract,)] = _rows(db, "SELECT abstract FROM article WHERE pmid = '31002989'")
    assert isinstance(abstract, str) and abstract
    [shown] = page.find_class("kb-abstract")
    for ref in [*shown.find_class("kb-ref"), *shown.find_class("kb-label")]:
        ref.drop_tree()  # row numbers and section labels are added around the abstract's words
    assert _squash(shown.text_content()) == _squash(abstract)

    titles = _rows(
        db,
        "SELECT a.title FROM citation c JOIN article a ON a.pmid = c.citing WHERE c.cited = '31002989'",
    )
    assert len(titles) == 5
    for (title,) in titles:
        assert " ".join(str(title).split()) in text

    assert "<span" not in text and "<mark" not in text  # no markup leaks into what is read
    # One table row per measurement: nothing in a cell broke the Markdown table apart.
    rows = [tr for t in page.find_class("kb-evidence") for tr in t.iter("tr") if tr.find("td") is not None]
    assert len(rows) == len(_rows(db, "SELECT 1 FROM measurement WHERE pmid = '31002989'"))
    assert {len(tr.findall("td")) for tr in rows} <= {6, 7}  # outcome rows 6 cells, safety rows 7

    ids = {el.get("id") for el in page.iter() if el.get("id")}
    quotes = page.find_class("kb-quote")
    measured = _rows(db, "SELECT evidence_text FROM measurement WHERE pmid = '31002989'")
    assert len(quotes) == len(measured)
    # The verbatim span is the quote's bold part; the words around it are its sentence.
    shown = sorted(_text(q.find("strong")) for q in quotes)
    assert shown == sorted(" ".join(str(e).split()) for (e,) in measured)
    for q in quotes:
        href = q.get("href")
        assert href.startswith("#") and href[1:] in ids  # each quote links to its mark in the abstract
        mark = page.get_element_by_id(href[1:])
        assert mark.tag == "mark" and _text(q.find("strong")) in _text(mark)


def test_every_measurement_in_the_store_shows_its_quote(seed_build: BuildSummary) -> None:
    db = seed_build.out / "kb.sqlite"
    for pmid, evidence in _rows(db, "SELECT pmid, evidence_text FROM measurement"):
        text = _text(_page(seed_build.out / "site" / "articles" / f"{pmid}.html"))
        assert " ".join(str(evidence).split()) in text


def test_no_asset_is_loaded_from_the_network(seed_build: BuildSummary) -> None:
    site = seed_build.out / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        doc = _page(path)
        for el in doc.iter("script", "img", "iframe", "source", "audio", "video", "embed"):
            assert not REMOTE.match(el.get("src") or ""), f"{path}: {el.get('src')}"
        for el in doc.iter("link"):
            assert not REMOTE.match(el.get("href") or ""), f"{path}: {el.get('href')}"
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            assert not REMOTE.match(url), f"{css}: {url}"
        assert "fonts.googleapis" not in css.read_text(encoding="utf-8"), css


def test_every_page_linked_from_home_exists(seed_build: BuildSummary) -> None:
    site = seed_build.out / "site"
    home = _page(site / "index.html")
    targets = set()
    for a in home.iter("a"):
        href = a.get("href") or ""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # links to PubMed/DOI, and anchors within the page
        targets.add((site / unquote(parts.path)).resolve())
    expected = {
        site / "articles" / "index.html",
        site / "citations.html",
        site / "articles" / "31002989.html",
    }
    assert {p.resolve() for p in expected} <= targets
    for target in targets:
        assert target.is_file(), target


def test_articles_index_lists_every_article_by_year(seed_build: BuildSummary) -> None:
    db = seed_build.out / "kb.sqlite"
    page = _page(seed_build.out / "site" / "articles" / "index.html")
    linked = {a.get("href") for a in page.iter("a")}
    for pmid, year in _rows(db, "SELECT pmid, year FROM article"):
        assert f"{pmid}.html" in linked
        assert page.get_element_by_id(str(year) if year else "unknown") is not None


# --- synthetic records: pages stay correct for zero, overlapping and many measurements ---------

SYNTHETIC_ABSTRACT = (
    "Synthetic abstract. Of 120 patients, 48 (40%) responded; grade 3 neutropenia occurred in 12 "
    "patients. Median survival was 9.1 months (95% CI 7.0 to 11.2)."
)


def _synthetic(measurements: list[Measurement]) -> EvidenceRecord:
    return EvidenceRecord(
        article=Article(pmid="999999", title="Synthetic trial <with> | pipes", abstract=SYNTHETIC_ABSTRACT),
        extraction=Extraction(pmid="999999", abstract=SYNTHETIC_ABSTRACT, measurements=measurements),
        provenance=Provenance(
            snapshot=Snapshot(path="synthetic.txt", sha256="0" * 64, reader="synthetic"),
            reader="synthetic",
            reader_version="0",
            extractor="synthetic",
            extractor_version="0",
            run_at="2020-01-01T00:00:00Z",
        ),
    )


def _span(text: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = SYNTHETIC_ABSTRACT.index(text, start + 1)
    return Span(start=start, end=start + len(text), text=text)


def test_article_page_without_measurements_says_so() -> None:
    md = article_page(_synthetic([]), [], [])
    assert "No outcome numbers were extracted from this abstract." in md
    assert "No safety numbers were extracted from this abstract." in md
    assert "<h1>Synthetic trial &lt;with&gt; &#124; pipes</h1>" in md  # escaped: no HTML or table syntax


def test_overlapping_quotes_share_one_mark_and_keep_the_text() -> None:
    ms = [
        Measurement(
            kind="outcome",
            endpoint="response",
            statistic="proportion",
            numerator=48,
            denominator=120,
            percent=40,
            evidence=_span("120 patients, 48 (40%)"),
            checks=[Check(name="percent matches n/N", ok=True)],
        ),
        Measurement(
            kind="outcome",
            endpoint="response",
            statistic="proportion",
            percent=40,
            evidence=_span("48 (40%) responded"),
        ),
        Measurement(
            kind="safety",
            endpoint="neutropenia",
            statistic="count",
            numerator=12,
            denominator=120,
            percent=10.0,
            grade="3",
            derived=["percent", "denominator"],
            evidence=_span("grade 3 neutropenia occurred in 12"),
            checks=[Check(name="n <= N", ok=False, detail="synthetic failure")],
        ),
    ]
    spans = [(m.evidence.start, m.evidence.end) for m in ms]
    marks, anchors = evidence_marks(spans)
    assert len(marks) == 2 and anchors[0] == anchors[1] != anchors[2]
    html = abstract_html(SYNTHETIC_ABSTRACT, [], spans)
    doc = lxml.html.fromstring(html)
    for sup in doc.find_class("kb-ref"):
        sup.drop_tree()
    assert doc.text_content().strip() == SYNTHETIC_ABSTRACT
    assert [m.get("id") for m in doc.iter("mark")] == [anchors[0], anchors[2]]

    md = article_page(_synthetic(ms), [], [])
    assert md.count("<sup>derived</sup>") == 2
    assert "✗ n &lt;= N: synthetic failure" in md and "✓ 1 check passed" in md
    assert "1 with a failed check" in md


@pytest.mark.parametrize("n", [1, 250])
def test_many_measurements_each_get_a_row_and_a_mark(n: int) -> None:
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", SYNTHETIC_ABSTRACT)]
    ms = [
        Measurement(
            kind="outcome" if i % 3 else "safety",
            endpoint=f"synthetic endpoint {i}",
            statistic="count",
            numerator=i,
            evidence=Span(start=s, end=e, text=SYNTHETIC_ABSTRACT[s:e]),
        )
        for i, (s, e) in enumerate(words[i % len(words)] for i in range(n))
    ]
    md = article_page(_synthetic(ms), [], [])
    for i in range(1, n + 1):
        assert f'<span id="m{i}">{i}</span>' in md
    doc = lxml.html.fromstring(
        abstract_html(SYNTHETIC_ABSTRACT, [], [(m.evidence.start, m.evidence.end) for m in ms])
    )
    refs = {a.get("href") for a in doc.iter("a")}
    assert refs == {f"#m{i}" for i in range(1, n + 1)}


def test_quote_context_stays_in_its_sentence() -> None:
    text = "First sentence here. Of 120 patients, 48 (40%) responded; others did not. Last one."
    start = text.index("48 (40%)")
    before, after = in_context(text, start, start + len("48 (40%)"))
    assert (before, after) == ("Of 120 patients, ", " responded;")
    before, after = in_context(text, 0, 5, width=8)
    assert before == "" and after.endswith("…")


HOSTILE = "Bad </title><script>alert(1)</script> trial &lt;script&gt;"


def test_a_hostile_article_title_never_becomes_markup(tmp_path: Path) -> None:
    """Synthetic: a PubMed-style title carrying a script tag (and its escaped form) builds inert."""
    from kb.sinks.site import pages as site
    from kb.sinks.sql import writer as sql
    from kb.sinks.sql.tables import BuildRow
    from tests.synthetic import Paper, write_kb

    abstract = "Of 40 adults, 18 of 40 patients (45%) reached complete remission."
    rec = Paper(
        pmid="900100",
        title=HOSTILE,
        abstract=abstract,
        measurements=[
            {
                "kind": "outcome",
                "endpoint": "complete remission",
                "statistic": "proportion",
                "quote": "18 of 40",
            }
        ],
    ).record()
    out = write_kb([rec], [], tmp_path / "build")
    row = BuildRow(
        name="t", title=HOSTILE, run_at="2026-01-01T00:00:00Z", kb_version="0", manifest_sha256="0" * 64
    )
    sql.write(out / "kb.sqlite", [rec], [], row)
    site.render_and_build(out)
    pages = list((out / "site").rglob("*.html"))
    assert out / "site" / "articles" / "900100.html" in pages
    for page in pages:
        assert "<script>alert" not in page.read_text(encoding="utf-8").lower(), page
        # No element may come from the title: every <script> of the page is the theme's own.
        for script in _page(page).iter("script"):
            assert "alert(1)" not in (script.text or ""), page
    # The words of the title still reach the reader, as text.
    title = _page(out / "site" / "articles" / "900100.html").findtext(".//title") or ""
    assert "alert(1)" in title and "trial" in title
