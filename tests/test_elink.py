"""The eLinkResult reader on the real biopython elink fixtures, and on broken input."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from kb.pipeline.merge import Corpus
from kb.records.models import Article, Citation, Snapshot
from kb.sources.base import Skipped, SourceError
from kb.sources.registry import MODULES, get_reader
from tests.conftest import DATA

READER = get_reader("elink-xml")
ELINK1 = DATA / "pubmed" / "biopython" / "elink1.xml"
ELINK3 = DATA / "pubmed" / "biopython" / "elink3.xml"
PUBMED1 = DATA / "pubmed" / "biopython" / "pubmed1.xml"


def _ids_of(path: Path, link_name: str) -> list[str]:
    """The ids under one LinkSetDb, read independently of the reader (plain lxml)."""
    root = etree.parse(str(path), etree.XMLParser(load_dtd=False, no_network=True)).getroot()
    for db in root.iter("LinkSetDb"):
        if db.findtext("LinkName") == link_name:
            return [i.text or "" for i in db.iterfind("Link/Id")]
    return []


def test_registered_from_its_module() -> None:
    assert MODULES["elink-xml"] == "kb.sources.elink"


def test_citedin_links_and_reported_count() -> None:
    items = list(READER.read(ELINK1))
    citedin = [i for i in items if isinstance(i, Citation) and i.origin == "elink:pubmed_pubmed_citedin"]
    expected = _ids_of(ELINK1, "pubmed_pubmed_citedin")
    assert len(expected) == 39
    assert [c.citing for c in citedin] == expected
    assert {c.cited for c in citedin} == {"9298984"}
    (stub,) = [i for i in items if isinstance(i, Article)]
    assert stub.pmid == "9298984" and stub.status == "stub" and stub.cited_by_count == 39
    assert stub.title == "" and stub.abstract is None


def test_refs_links_point_the_other_way() -> None:
    refs = [
        i for i in READER.read(ELINK1) if isinstance(i, Citation) and i.origin == "elink:pubmed_pubmed_refs"
    ]
    assert [c.cited for c in refs] == _ids_of(ELINK1, "pubmed_pubmed_refs")
    assert {c.citing for c in refs} == {"9298984"}


def test_pooled_linkset_is_skipped_with_file_line_and_pmids() -> None:
    (item,) = list(READER.read(ELINK3))  # elink called with id=11812492,11774222: one pooled LinkSet
    assert isinstance(item, Skipped)
    assert item.path == str(ELINK3) and item.line == 4
    assert item.pmid == "11812492,11774222" and "one id= parameter per PMID" in item.reason


def test_stub_never_beats_a_full_record_but_gives_its_count() -> None:
    full = Article(pmid="9298984", title="A full record", abstract="Text.")
    snap = Snapshot(path="x", sha256="0" * 64, reader="elink-xml")
    for order in ([full, "elink"], ["elink", full]):
        corpus = Corpus()
        for item in order:
            for it in [item] if isinstance(item, Article) else READER.read(ELINK1):
                corpus.add(it, snap, READER)
        kept = corpus.articles["9298984"].article
        assert kept.status == "full" and kept.title == "A full record" and kept.cited_by_count == 39


def test_linkset_without_links_reports_zero(tmp_path: Path) -> None:
    synthetic = tmp_path / "synthetic-empty-linkset.xml"
    synthetic.write_text(
        "<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>123</Id></IdList></LinkSet></eLinkResult>"
    )
    (stub,) = list(READER.read(synthetic))
    assert isinstance(stub, Article) and stub.cited_by_count == 0


def test_linkset_error_is_skipped_and_rest_read(tmp_path: Path) -> None:
    synthetic = tmp_path / "synthetic-error.xml"
    good = ELINK1.read_text().split("<eLinkResult>", 1)[1].rsplit("</eLinkResult>", 1)[0]
    synthetic.write_text(
        "<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>77</Id></IdList>"
        f"<ERROR>UID=77: cannot get document summary</ERROR></LinkSet>{good}</eLinkResult>"
    )
    items = list(READER.read(synthetic))
    assert (
        isinstance(items[0], Skipped) and items[0].pmid == "77" and "cannot get document" in items[0].reason
    )
    assert sum(isinstance(i, Citation) for i in items) == 95


def test_not_an_elink_file_is_an_error() -> None:
    with pytest.raises(SourceError, match=r"pubmed1\.xml.*unexpected root element <PubmedArticleSet>"):
        list(READER.read(PUBMED1))


def test_billion_laughs_refused(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    synthetic = tmp_path / "synthetic-lol.xml"
    synthetic.write_text(f'<!DOCTYPE eLinkResult [<!ENTITY l0 "lol">{lol}]><eLinkResult>&l9;</eLinkResult>')
    with pytest.raises(SourceError, match="synthetic-lol.xml"):
        list(READER.read(synthetic))
