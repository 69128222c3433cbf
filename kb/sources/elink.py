"""Reader for a saved E-utilities eLinkResult (XML): citation links and the citing counts it reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from lxml import etree

from kb.records.ids import is_pmid
from kb.records.models import Article, Citation
from kb.sources.base import Skipped, SourceError, SourceItem
from kb.sources.registry import register
from kb.sources.xmlsafe import iter_records, text_of

CITEDIN = "pubmed_pubmed_citedin"
REFS = "pubmed_pubmed_refs"
#: link name -> (origin recorded on the Citation, True when the source PMID is the cited one)
LINKS: dict[str, tuple[str, bool]] = {
    CITEDIN: (f"elink:{CITEDIN}", True),
    REFS: (f"elink:{REFS}", False),
}


def _line(elem: etree._Element) -> int | None:
    line = elem.sourceline
    return line if isinstance(line, int) else None


def _ids(parent: etree._Element | None, path: str) -> list[str]:
    if parent is None:
        return []
    return [(e.text or "").strip() for e in parent.iterfind(path)]


def _link_set(path: Path, ls: etree._Element) -> Iterator[SourceItem]:
    """One LinkSet: the links of its single source PMID and, for citedin, their count."""
    line = _line(ls)
    where = str(path)
    db_from = (ls.findtext("DbFrom") or "").strip()
    sources = _ids(ls.find("IdList"), "Id")
    pmid = sources[0] if len(sources) == 1 else None
    error = (ls.findtext("ERROR") or "").strip()
    if error:
        yield Skipped(path=where, line=line, pmid=pmid, reason=f"E-utilities error: {error}")
        return
    if db_from != "pubmed":
        yield Skipped(path=where, line=line, pmid=pmid, reason=f"LinkSet is from db {db_from!r}, not pubmed")
        return
    if len(sources) != 1:
        # elink called with id=A,B pools the links of all sources: they cannot be attributed.
        yield Skipped(
            path=where,
            line=line,
            pmid=",".join(sources) or None,
            reason=f"LinkSet has {len(sources)} source PMIDs, so its links cannot be attributed "
            "to one article; request elink with one id= parameter per PMID",
        )
        return
    pmid = sources[0]
    if not is_pmid(pmid):
        yield Skipped(path=where, line=line, reason=f"source id {pmid!r} is not a PMID")
        return
    dbs = ls.findall("LinkSetDb")
    cited_by: int | None = 0 if not dbs else None  # no LinkSetDb at all: the link set is empty
    for db in dbs:
        name = (db.findtext("LinkName") or "").strip()
        if name not in LINKS:
            continue
        origin, source_is_cited = LINKS[name]
        seen: set[str] = set()
        for other in _ids(db, "Link/Id"):
            if not is_pmid(other):
                yield Skipped(path=where, line=_line(db), pmid=pmid, reason=f"{name}: bad id {other!r}")
                continue
            if other in seen or other == pmid:
                continue
            seen.add(other)
            citing, cited = (other, pmid) if source_is_cited else (pmid, other)
            yield Citation(citing=citing, cited=cited, origin=origin)
        if name == CITEDIN:
            cited_by = len(seen)
    if cited_by is not None:
        # A stub only carries the reported count; the merge never lets it beat a full record.
        yield Article(pmid=pmid, status="stub", cited_by_count=cited_by)


@register
class ELinkReader:
    """A saved eLinkResult: cited-by (and reference) links per source PMID, with their count."""

    name: ClassVar[str] = "elink-xml"
    version: ClassVar[str] = "1.0"
    description: ClassVar[str] = (
        "E-utilities eLinkResult XML: pubmed_pubmed_citedin / _refs links and reported cited-by counts"
    )

    def read(self, path: Path) -> Iterator[SourceItem]:
        for _root, elem in iter_records(path, frozenset({"eLinkResult"})):
            if elem.tag == "ERROR":  # the whole request failed, e.g. an invalid parameter
                raise SourceError(path, f"E-utilities error: {text_of(elem)}", line=_line(elem))
            if elem.tag == "LinkSet":
                yield from _link_set(path, elem)
