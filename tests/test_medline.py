"""The medline reader on real MEDLINE text exports, and agreement with the XML reader on the same records."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kb.records.models import Article
from kb.sources import Skipped, SourceError, get_reader

PUBMED = Path(__file__).parent / "data" / "pubmed"
MEDLINE = get_reader("medline")
XML = get_reader("pubmed-xml")

# The six PMIDs that ncbiutils ships both as XML (two files) and as MEDLINE text.
BOTH = ["35196497", "33279447", "33278872", "24792780", "30158200", "151222"]


def _articles(reader_name: str, *paths: Path) -> dict[str, Article]:
    reader = get_reader(reader_name)
    return {a.pmid: a for p in paths for a in reader.read(p) if isinstance(a, Article)}


@pytest.fixture(scope="module")
def pairs() -> dict[str, tuple[Article, Article]]:
    xml = _articles(
        "pubmed-xml", PUBMED / "ncbiutils" / "pubmed.xml", PUBMED / "ncbiutils" / "no_title_abstract.xml"
    )
    med = _articles("medline", PUBMED / "ncbiutils" / "medlines.txt")
    return {p: (xml[p], med[p]) for p in BOTH}


# MEDLINE text is ASCII: NLM transliterates what the XML keeps in Unicode (β -> "beta",
# ó -> "o", × -> "x", thin spaces -> spaces) and renders <sup>-68</sup> as "(-68)", while the XML
# keeps the pretty-printing whitespace around inline elements. So free text is compared after
# the same transliteration, keeping only letters and digits.
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "μ": "mu", "×": "x"}


def _norm(text: str | None) -> str:
    text = "".join(_GREEK.get(ch, ch) for ch in (text or ""))
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.casefold() if ch.isascii() and ch.isalnum())


@pytest.mark.parametrize("pmid", BOTH)
def test_xml_and_medline_agree(pairs: dict[str, tuple[Article, Article]], pmid: str) -> None:
    xml, med = pairs[pmid]
    # identifiers, journal, dates, controlled vocabularies: identical
    for name in ("doi", "pmcid", "journal", "year", "pub_date", "volume", "issue", "pages", "language"):
        assert getattr(xml, name) == getattr(med, name), name
    assert xml.publication_types == med.publication_types
    assert xml.mesh_headings == med.mesh_headings
    assert xml.revised == med.revised  # DateRevised == LR
    assert [(a.name, a.collective, a.orcid) for a in xml.authors] == [
        (a.name, a.collective, a.orcid) for a in med.authors
    ]
    # free text: equal after transliteration (see _norm)
    assert _norm(xml.title) == _norm(med.title)
    assert _norm(xml.abstract) == _norm(med.abstract)
    assert [_norm(k) for k in xml.keywords] == [_norm(k) for k in med.keywords]
    assert [(c.ref_type, c.pmid) for c in xml.comments_corrections] == [
        (c.ref_type, c.pmid) for c in med.comments_corrections
    ]


def test_structured_abstract_reads_the_same_text(pairs: dict[str, tuple[Article, Article]]) -> None:
    xml, med = pairs["24792780"]
    # XML "LABEL: " prefixes joined by spaces are exactly MEDLINE's flattened AB field here
    assert xml.abstract == med.abstract and xml.sections and not med.sections


def test_medline_fields_and_continuations() -> None:
    [article] = _articles("medline", PUBMED / "biopython" / "pubmed_result1.txt").values()
    assert article.pmid == "12230038" and article.title == "The Bio* toolkits--a brief overview."
    assert article.pub_date == "2002-09" and article.journal == "Briefings in bioinformatics"
    raw = (PUBMED / "biopython" / "pubmed_result1.txt").read_text(encoding="utf-8")
    # the AB field spans several lines: joined with single spaces, no line breaks, no double spaces
    assert "\n" not in (article.abstract or "") and "  " not in (article.abstract or "")
    assert (article.abstract or "").startswith("Bioinformatics research is often difficult to do")
    assert raw.count("\nAB  - ") == 1 and raw.split("\nAB  - ")[1].count("\n      ") >= 1


def test_several_records_per_file() -> None:
    articles = _articles("medline", PUBMED / "biopython" / "pubmed_result2.txt")
    assert list(articles) == ["16403221", "16377612", "14871861", "14630660"]
    assert articles["16403221"].pmcid == "PMC1373603" and articles["16403221"].doi == "10.1186/1471-2105-7-10"
    structured = _articles("medline", PUBMED / "biopython" / "pubmed_result3.txt")["23039619"]
    assert structured.doi == "10.1118/1.4748329" and (structured.abstract or "").startswith("PURPOSE: ")


def test_real_malformed_record_is_skipped_with_its_line() -> None:
    # medlines.txt holds an efetch error message between two records (line 139)
    path = PUBMED / "ncbiutils" / "medlines.txt"
    items = list(MEDLINE.read(path))
    [skipped] = [i for i in items if isinstance(i, Skipped)]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert skipped.line is not None and lines[skipped.line - 1].startswith("id: 33890651 Error occurred")
    assert skipped.path == str(path)
    assert sorted(a.pmid for a in items if isinstance(a, Article)) == sorted(BOTH)


def test_bad_pmid_is_skipped_with_pmid_and_line(tmp_path: Path) -> None:
    # synthetic: a real export whose second record's PMID is not a number
    text = (PUBMED / "biopython" / "pubmed_result2.txt").read_text(encoding="utf-8")
    path = tmp_path / "synthetic-bad.nbib"
    path.write_text(text.replace("PMID- 16377612", "PMID- 16377612a"), encoding="utf-8")
    items = list(MEDLINE.read(path))
    [skipped] = [i for i in items if isinstance(i, Skipped)]
    assert skipped.pmid == "16377612a"
    assert skipped.line == text.splitlines().index("PMID- 16377612") + 1
    assert [a.pmid for a in items if isinstance(a, Article)] == ["16403221", "14871861", "14630660"]


def test_not_medline_and_not_utf8_are_errors(tmp_path: Path) -> None:
    other = tmp_path / "synthetic-not-medline.txt"
    other.write_text("just some notes\nnothing tagged here\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not MEDLINE text") as err:
        list(MEDLINE.read(other))
    assert str(other) in str(err.value)
    latin = tmp_path / "synthetic-latin1.nbib"
    text = (PUBMED / "biopython" / "pubmed_result1.txt").read_text(encoding="utf-8")
    latin.write_bytes(text.replace("overview", "overvïew").encode("latin-1"))
    with pytest.raises(SourceError, match="UTF-8") as err:
        list(MEDLINE.read(latin))
    assert str(latin) in str(err.value) and err.value.line is not None
