"""No script from a source runs on the site (issue 13 item 1): hostile snapshots built with ``kb build``.

The snapshots are synthetic, generated here in the real formats (PubMed XML, MEDLINE text):
every field a reader passes on (DOI, PMCID, LID, title, abstract, author, journal, keywords,
MeSH) carries a payload that would change the page if it ran. The built HTML is parsed
(lxml.html), and opened in headless Chromium where it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import lxml.etree as etree
import lxml.html
import pytest

from kb.pipeline.build import BuildSummary, build
from kb.records.models import Article, EvidenceRecord, Extraction, Provenance, Snapshot

#: Each payload, if it ran, would set ``data-pwned`` on <body>: the browser test looks for it.
IMG = "<img src=x onerror=document.body.dataset.pwned=1>"
SCRIPT = "<script>document.body.dataset.pwned=2</script>"
SVG = "<svg onload=document.body.dataset.pwned=3>"
#: Python-Markdown's attr_list would turn this into an attribute of the enclosing element.
ATTR = "{: onclick=document.body.dataset.pwned=4 }"
JS_LINK = "[click](javascript:document.body.dataset.pwned=5)"
CLOSE = "</title></textarea>"
PAYLOADS = (IMG, SCRIPT, SVG, ATTR, JS_LINK)

XML_PMID, MEDLINE_PMID, XML_PMID_2, XML_PMID_3 = "900201", "900202", "900203", "900204"
#: A PMCID that closes the link and opens a script; a reader may refuse the record (then it has
#: no page, which is also safe), and ``test_a_hostile_pmcid_is_text`` checks the page layer alone.
BAD_PMCID = 'PMC1"><script>document.body.dataset.pwned=6</script>'


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    el.text = text
    return el


def _xml_article(root: etree._Element, pmid: str, doi: str, pmc: str, title: str) -> None:
    art = _el(root, "PubmedArticle")
    cit = _el(art, "MedlineCitation", Status="MEDLINE", Owner="NLM")
    _el(cit, "PMID", pmid, Version="1")
    article = _el(cit, "Article", PubModel="Print")
    journal = _el(article, "Journal")
    issue = _el(journal, "JournalIssue", CitedMedium="Internet")
    _el(issue, "Volume", f"3{SCRIPT}")
    date = _el(issue, "PubDate")
    _el(date, "Year", "2021")
    _el(journal, "Title", f"Synthetic Journal {IMG}")
    _el(journal, "ISOAbbreviation", f"Synth J {SVG}")
    _el(article, "ArticleTitle", title)
    abstract = _el(article, "Abstract")
    _el(
        abstract,
        "AbstractText",
        f"Synthetic hostile abstract {IMG} {SCRIPT}. Of 40 patients, 18 (45%) reached complete "
        f"remission {ATTR}. {JS_LINK} {CLOSE}",
        Label=f"RESULTS {SVG}",
    )
    authors = _el(article, "AuthorList")
    author = _el(authors, "Author", ValidYN="Y")
    _el(author, "LastName", f"Smith{IMG}")
    _el(author, "ForeName", f"Ann {SCRIPT}")
    _el(article, "Language", "eng")
    types = _el(article, "PublicationTypeList")
    _el(types, "PublicationType", f"Journal Article {SVG}")
    mesh = _el(cit, "MeshHeadingList")
    _el(_el(mesh, "MeshHeading"), "DescriptorName", f"Leukemia {IMG}")
    keywords = _el(cit, "KeywordList", Owner="NOTNLM")
    _el(keywords, "Keyword", f"blinatumomab {SCRIPT}")
    _el(keywords, "Keyword", ATTR)
    data = _el(art, "PubmedData")
    ids = _el(data, "ArticleIdList")
    _el(ids, "ArticleId", pmid, IdType="pubmed")
    _el(ids, "ArticleId", doi, IdType="doi")
    _el(ids, "ArticleId", pmc, IdType="pmc")


def synthetic_pubmed_xml() -> bytes:
    """A synthetic efetch PubmedArticleSet: hostile DOI, PMCID and text fields."""
    root = etree.Element("PubmedArticleSet")
    _xml_article(
        root,
        XML_PMID,
        doi=f"10.1000/x){IMG}",
        pmc="PMC1",
        title=f"Synthetic hostile trial {CLOSE}{SCRIPT} {ATTR}",
    )
    _xml_article(
        root,
        XML_PMID_2,
        doi="javascript:document.body.dataset.pwned=7",
        pmc="PMC123",
        title=f"Second synthetic trial {JS_LINK}",
    )
    _xml_article(root, XML_PMID_3, doi="10.1000/z", pmc=BAD_PMCID, title="Third synthetic trial")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def synthetic_medline() -> str:
    """A synthetic MEDLINE export whose LID holds a script, plus hostile title and keywords."""
    return "\n".join(
        [
            f"PMID- {MEDLINE_PMID}",
            "DP  - 2020 Jan",
            f"TI  - Synthetic MEDLINE trial {IMG} {ATTR}",
            f"LID - 10.1000/y){SCRIPT} [doi]",
            f"AB  - Of 30 patients, 12 (40%) responded {SCRIPT}. {JS_LINK}",
            f"FAU - Doe{SVG}, John",
            f"AU  - Doe{SVG} J",
            "PT  - Journal Article",
            f"TA  - Synth {IMG}",
            f"OT  - keyword {SCRIPT}",
            f"MH  - *Synthetic Heading {SVG}/therapy",
            f"CIN - Synthetic comment {IMG} PMID: {XML_PMID}",
            "",
        ]
    )


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> BuildSummary:
    root = tmp_path_factory.mktemp("hostile")
    (root / "synthetic-hostile.xml").write_bytes(synthetic_pubmed_xml())
    (root / "synthetic-hostile.txt").write_text(synthetic_medline(), encoding="utf-8")
    (root / "manifest.toml").write_text(
        '[kb]\nname = "synthetic-hostile"\n'
        f'title = "Synthetic hostile KB {CLOSE}"\n'
        f'seed_pmids = ["{XML_PMID}", "{MEDLINE_PMID}"]\n\n'
        '[[snapshot]]\npath = "synthetic-hostile.xml"\nreader = "pubmed-xml"\n'
        f'note = "synthetic {IMG}"\n\n'
        '[[snapshot]]\npath = "synthetic-hostile.txt"\nreader = "medline"\n',
        encoding="utf-8",
    )
    return build(root / "manifest.toml", root / "build")


def _pages(summary: BuildSummary) -> list[Path]:
    site = summary.out / "site"
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


def _hostile_pages(summary: BuildSummary) -> list[Path]:
    """The pages that show source fields: articles, indexes, home, citations, queries."""
    site = summary.out / "site"
    names = ["index.html", "citations.html", "queries.html", "articles/index.html"]
    names += [f"articles/{p}.html" for p in (XML_PMID, XML_PMID_2, MEDLINE_PMID)]
    return [site / n for n in names]


def test_the_hostile_articles_are_built(hostile_build: BuildSummary) -> None:
    for page in _hostile_pages(hostile_build):
        assert page.is_file(), page


def test_no_element_or_attribute_from_a_source(hostile_build: BuildSummary) -> None:
    """Every script is the theme's own; no on* handler, no javascript: URL, no injected element."""
    for path in _pages(hostile_build):
        doc = lxml.html.fromstring(path.read_text(encoding="utf-8"))
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            if el.tag == "script":
                assert "pwned" not in (el.text or ""), f"{path}: script from a source: {el.text}"
                assert "pwned" not in (el.get("src") or ""), path
            for key, raw in el.attrib.items():
                name, value = str(key), str(raw)
                assert not name.lower().startswith("on"), f"{path}: <{el.tag} {name}={value!r}>"
                url = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                assert not url.startswith(("javascript:", "vbscript:", "data:text")), (
                    f"{path}: <{el.tag} {name}={value!r}>"
                )
            assert el.tag not in ("img", "svg", "iframe", "object", "embed") or "pwned" not in (
                lxml.html.tostring(el, encoding="unicode")
            ), path


def _html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def _visible(path: Path) -> str:
    doc: lxml.html.HtmlElement = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    for el in doc.iter("script", "style"):
        el.text = ""
    return " ".join(doc.text_content().split())


def test_the_payloads_are_shown_as_text(hostile_build: BuildSummary) -> None:
    site = hostile_build.out / "site"
    xml_page = _visible(site / "articles" / f"{XML_PMID}.html")
    for payload in (IMG, SCRIPT, ATTR, JS_LINK):
        assert payload in xml_page, payload  # the reader sees what the source says
    assert f"10.1000/x){IMG}" in xml_page  # the invalid DOI is shown, as text
    medline_page = _visible(site / "articles" / f"{MEDLINE_PMID}.html")
    assert f"10.1000/y){SCRIPT}" in medline_page
    assert f"keyword {SCRIPT}" in medline_page
    index = _visible(site / "articles" / "index.html")
    assert f"Synthetic MEDLINE trial {IMG} {ATTR}" in index


def test_links_come_only_from_valid_identifiers(hostile_build: BuildSummary) -> None:
    site = hostile_build.out / "site"
    for pmid in (XML_PMID, XML_PMID_2, MEDLINE_PMID):
        doc = _html(site / "articles" / f"{pmid}.html")
        [content] = doc.find_class("md-content__inner")  # the article, not the theme's footer
        hrefs = [a.get("href") or "" for a in content.iter("a")]
        for href in (h for h in hrefs if re.match(r"^[a-z]+:", h, re.IGNORECASE)):
            assert re.match(
                r"^https://(doi\.org/10\.[0-9]{4,9}/[A-Za-z0-9%/._~-]+|pubmed\.ncbi\.nlm\.nih\.gov/[0-9]+/|"
                r"www\.ncbi\.nlm\.nih\.gov/pmc/articles/PMC[0-9]+/)$",
                href,
            ), f"{pmid}: {href}"
        if pmid != MEDLINE_PMID:  # these DOIs are not DOIs (a space, a scheme): shown as text only
            assert not any(h.startswith("https://doi.org/") for h in hrefs), f"{pmid}: {hrefs}"
    doc = lxml.html.fromstring((site / "articles" / f"{XML_PMID_2}.html").read_text(encoding="utf-8"))
    assert "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC123/" in {a.get("href") for a in doc.iter("a")}


# --- a real browser -----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM after the page's scripts ran (a virtual-time budget lets onerror/onload fire)."""
    run = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_no_script_from_a_source_runs_in_chromium(hostile_build: BuildSummary, tmp_path: Path) -> None:
    for page in _hostile_pages(hostile_build):
        dom = dump_dom(page, tmp_path / "profile")
        assert "<body" in dom, page
        assert "data-pwned" not in dom, f"{page}: a payload ran"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_browser_test_sees_a_payload_that_runs(tmp_path: Path) -> None:
    """The detector works: the same payload, left live on purpose in a synthetic page, is caught."""
    page = tmp_path / "synthetic-live.html"
    page.write_text(f"<!doctype html><html><body><p>{IMG}</p></body></html>", encoding="utf-8")
    assert "data-pwned" in dump_dom(page, tmp_path / "profile")


# --- the page layer alone, whatever the readers let through --------------------------------------


def _synthetic_record(**article: object) -> EvidenceRecord:
    abstract = f"Synthetic abstract {SCRIPT}: of 40 patients, 18 (45%) responded."
    return EvidenceRecord(
        article=Article(pmid="900299", title=f"Synthetic {IMG}", abstract=abstract, **article),
        extraction=Extraction(pmid="900299", abstract=abstract),
        provenance=Provenance(
            snapshot=Snapshot(path=f"synthetic {SVG}.xml", sha256="0" * 64, reader="synthetic"),
            reader="synthetic",
            reader_version="0",
            extractor="synthetic",
            extractor_version="0",
            run_at="2026-01-01T00:00:00Z",
            note=f"synthetic note {ATTR}",
        ),
    )


def _rendered(rec: EvidenceRecord, outside: tuple[str, ...] = ()) -> lxml.html.HtmlElement:
    """The article page's HTML body, as the site writes it into the theme's shell."""
    from kb.sinks.site.article import article_page

    return lxml.html.fromstring(f"<div>{article_page(rec, [], [], outside)}</div>")


@pytest.mark.parametrize(
    ("doi", "pmcid"),
    [
        (f"10.1000/x){IMG}", BAD_PMCID),
        ("javascript:document.body.dataset.pwned=7", "PMC1 onclick=x"),
        ("10.1000/a)(javascript:alert(1))", "PMC١٢٣"),  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_a_hostile_doi_or_pmcid_is_text(doi: str, pmcid: str) -> None:
    doc = _rendered(_synthetic_record(doi=doi, pmcid=pmcid), outside=("٣٤٥", "123"))
    for el in doc.iter():
        assert el.tag not in ("script", "img", "svg"), lxml.html.tostring(el)
        assert not any(k.startswith("on") for k in el.attrib), lxml.html.tostring(el)
    hrefs = [a.get("href") or "" for a in doc.iter("a")]
    for href in hrefs:
        assert not href.lower().startswith("javascript:"), href
        assert not re.search(r"[<>\"'() ]", href), href
    text = " ".join(doc.text_content().split())
    assert doi in text and pmcid in text
    assert "https://pubmed.ncbi.nlm.nih.gov/123/" in hrefs  # a valid PMID still links
    assert not any("٣" in h for h in hrefs)
    if doi.startswith("10.1000/a)"):  # syntactically a DOI: linked, percent-encoded
        assert "https://doi.org/10.1000/a%29%28javascript%3Aalert%281%29%29" in hrefs
    else:
        assert not any("doi.org" in h for h in hrefs)
