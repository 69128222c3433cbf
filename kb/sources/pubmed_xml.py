"""Reader for PubMed XML: efetch PubmedArticleSet, baseline/update files, old MedlineCitationSet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from lxml import etree
from pydantic import ValidationError

from kb.records.ids import is_digits, is_pmid
from kb.records.ids import pmcid as pmcid_of
from kb.records.models import AbstractSection, Article, Author, Citation, CommentCorrection, Deletion
from kb.sources.base import Skipped, SourceItem
from kb.sources.dates import iso_date, parse_date
from kb.sources.registry import register
from kb.sources.xmlsafe import iter_records, line_of, text_of

_ROOTS = frozenset({"PubmedArticleSet", "MedlineCitationSet"})
_ORCID = re.compile(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X])")
# CommentsCorrections of type "Cites" are the article's reference list, not a comment or a
# correction: they become Citation links instead of cluttering comments_corrections.
_CITES = "Cites"


class _BadRecord(ValueError):
    """A record that is well-formed XML but cannot become an Article."""


Element = etree._Element


def _child_text(elem: Element | None, path: str) -> str | None:
    return (text_of(elem.find(path)) or None) if elem is not None else None


def _texts(elem: Element, path: str) -> list[str]:
    """Non-empty texts of every match, in document order, without duplicates."""
    out: list[str] = []
    for e in elem.iterfind(path):
        t = text_of(e)
        if t and t not in out:
            out.append(t)
    return out


def build_abstract(abstract: Element | None) -> tuple[str | None, list[AbstractSection]]:
    """The abstract text and its sections, by the project's one rule.

    Each AbstractText in order: its full text (inline markup kept as text), stripped, prefixed
    ``LABEL: `` when labelled; the parts joined by one space. Sections are recorded only for a
    structured abstract (any Label or NlmCategory), as offsets of each part's text (after the
    label prefix) in the joined abstract. The gold texts in tests/data/gold follow this rule.
    """
    if abstract is None:
        return None, []
    parts: list[tuple[str | None, str | None, str]] = []
    for at in abstract.iterfind("AbstractText"):
        text = text_of(at)
        label = (at.get("Label") or "").strip() or None
        if text or label:
            parts.append((label, (at.get("NlmCategory") or "").strip() or None, text))
    if not parts:
        return None, []
    structured = any(label or category for label, category, _ in parts)
    pieces: list[str] = []
    sections: list[AbstractSection] = []
    pos = 0
    for label, category, text in parts:
        prefix = f"{label}: " if label else ""
        piece = (prefix + text).strip()
        if pieces:
            pos += 1  # the joining space
        start = pos + len(prefix)
        pos += len(piece)
        pieces.append(piece)
        if structured:
            sections.append(AbstractSection(label=label, category=category, start=min(start, pos), end=pos))
    return " ".join(pieces), sections


def _pub_date(journal_issue: Element | None) -> str | None:
    if journal_issue is None:
        return None
    pd = journal_issue.find("PubDate")
    if pd is None:
        return None
    year = text_of(pd.find("Year"))
    if is_digits(year):
        month = text_of(pd.find("Month")) or text_of(pd.find("Season")) or None
        return iso_date(year, month, text_of(pd.find("Day")) or None)
    medline_date = text_of(pd.find("MedlineDate"))
    return parse_date(medline_date) if medline_date else None


def _date_element(elem: Element | None) -> str | None:
    """A Year/Month/Day element (DateRevised, ...) as ISO 8601."""
    if elem is None:
        return None
    year = text_of(elem.find("Year"))
    if not is_digits(year):
        return None
    return iso_date(year, text_of(elem.find("Month")) or None, text_of(elem.find("Day")) or None)


def orcid(text: str) -> str | None:
    """The bare ORCID iD from '0000-...', 'https://orcid.org/0000-...' or 'ORCID: ...'."""
    m = _ORCID.search(text)
    return m[1] if m else None


def _authors(article: Element) -> list[Author]:
    authors: list[Author] = []
    for au in article.iterfind("AuthorList/Author"):
        if au.get("ValidYN") == "N":  # an invalid (replaced) spelling of a name
            continue
        collective = text_of(au.find("CollectiveName"))
        ids = [orcid(text_of(i)) for i in au.iterfind("Identifier") if i.get("Source") == "ORCID"]
        the_orcid = next((i for i in ids if i), None)
        if collective:
            authors.append(Author(name=collective, collective=True, orcid=the_orcid))
            continue
        last = text_of(au.find("LastName"))
        fore = text_of(au.find("ForeName"))
        initials = text_of(au.find("Initials"))
        suffix = text_of(au.find("Suffix"))
        # "Last FI" is how PubMed (and the MEDLINE AU field) displays an author.
        name = " ".join(p for p in (last, initials or fore, suffix) if p)
        if not name:
            continue
        authors.append(Author(name=name, last_name=last or None, fore_name=fore or None, orcid=the_orcid))
    return authors


def _ids(unit: Element, article: Element) -> tuple[str | None, str | None]:
    """DOI and PMCID from PubmedData/ArticleIdList (not the reference list), else ELocationID."""
    doi = pmcid = None
    for aid in unit.iterfind("PubmedData/ArticleIdList/ArticleId"):
        kind, value = aid.get("IdType"), text_of(aid)
        if kind == "doi" and value and doi is None:
            doi = value
        elif kind == "pmc" and value and pmcid is None:
            pmcid = pmcid_of(value)
            if pmcid is None:
                raise _BadRecord(f"PMC id is {value!r}, not PMC and ASCII digits")
    if doi is None:
        for loc in article.iterfind("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.get("ValidYN") != "N" and text_of(loc):
                doi = text_of(loc)
                break
    return doi, pmcid


def _mesh(citation: Element) -> list[str]:
    """MeSH descriptor names (qualifiers are not kept: a subject is the descriptor)."""
    return _texts(citation, "MeshHeadingList/MeshHeading/DescriptorName")


def _comments(citation: Element, pmid: str) -> tuple[list[CommentCorrection], list[Citation]]:
    comments: list[CommentCorrection] = []
    cites: list[Citation] = []
    for cc in citation.iterfind("CommentsCorrectionsList/CommentsCorrections"):
        ref_type = (cc.get("RefType") or "").strip()
        ref_pmid = text_of(cc.find("PMID")) or None
        if ref_type == _CITES:
            if ref_pmid and is_pmid(ref_pmid) and ref_pmid != pmid:
                cites.append(Citation(citing=pmid, cited=ref_pmid, origin="pubmed-xml:Cites"))
            continue
        if ref_type:
            comments.append(
                CommentCorrection(
                    ref_type=ref_type, pmid=ref_pmid, source=text_of(cc.find("RefSource")) or None
                )
            )
    return comments, cites


def _references(unit: Element, pmid: str) -> list[Citation]:
    """Links from PubmedData/ReferenceList: the references that PubMed resolved to a PMID."""
    out: list[Citation] = []
    for aid in unit.iterfind("PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId"):
        ref = text_of(aid)
        if aid.get("IdType") == "pubmed" and is_pmid(ref) and ref != pmid:
            out.append(Citation(citing=pmid, cited=ref, origin="pubmed-xml:ReferenceList"))
    return out


def parse_article(unit: Element) -> tuple[Article, list[Citation]]:
    """One PubmedArticle (or a bare MedlineCitation) -> Article and its reference links."""
    citation = unit if unit.tag == "MedlineCitation" else unit.find("MedlineCitation")
    if citation is None:
        raise _BadRecord("no MedlineCitation element")
    pmid_el = citation.find("PMID")
    pmid = text_of(pmid_el)
    if not is_pmid(pmid):
        raise _BadRecord(f"PMID is {pmid!r}, not a number (1 to 9 ASCII digits)")
    article = citation.find("Article")
    if article is None:
        raise _BadRecord("no Article element")
    title = text_of(article.find("ArticleTitle")) or text_of(article.find("VernacularTitle"))
    abstract, sections = build_abstract(article.find("Abstract"))
    journal_el = article.find("Journal")
    journal_issue = journal_el.find("JournalIssue") if journal_el is not None else None
    pub_date = _pub_date(journal_issue)
    journal = (text_of(journal_el.find("Title")) if journal_el is not None else "") or text_of(
        citation.find("MedlineJournalInfo/MedlineTA")
    )
    doi, pmcid = _ids(unit, article)
    comments, cites = _comments(citation, pmid)
    version = (pmid_el.get("Version") if pmid_el is not None else None) or "1"
    if not is_digits(version):
        raise _BadRecord(f"PMID Version is {version!r}, not a number")
    languages = _texts(article, "Language")
    item = Article(
        pmid=pmid,
        title=title,
        journal=journal or None,
        pub_date=pub_date,
        year=int(pub_date[:4]) if pub_date else None,
        volume=_child_text(journal_issue, "Volume"),
        issue=_child_text(journal_issue, "Issue"),
        pages=text_of(article.find("Pagination/MedlinePgn")) or None,
        doi=doi,
        pmcid=pmcid,
        language=languages[0] if languages else None,
        authors=_authors(article),
        publication_types=_texts(article, "PublicationTypeList/PublicationType"),
        mesh_headings=_mesh(citation),
        keywords=_texts(citation, "KeywordList/Keyword"),
        abstract=abstract,
        sections=sections,
        comments_corrections=comments,
        version=int(version),
        revised=_date_element(citation.find("DateRevised")),
    )
    return item, cites + _references(unit, pmid)


@register
class PubMedXMLReader:
    """PubMed XML in any of its shapes, streamed: articles, reference links, deletions."""

    name: ClassVar[str] = "pubmed-xml"
    version: ClassVar[str] = "1.0"
    description: ClassVar[str] = (
        "PubMed XML (.xml, .xml.gz): efetch PubmedArticleSet, baseline/update files with "
        "DeleteCitation, old MedlineCitationSet"
    )

    def read(self, path: Path) -> Iterator[SourceItem]:
        for _root, elem in iter_records(path, _ROOTS):
            if elem.tag == "DeleteCitation":
                for p in elem.iterfind("PMID"):
                    pmid = text_of(p)
                    if is_pmid(pmid):
                        yield Deletion(pmid=pmid)
                    else:
                        yield Skipped(path=str(path), line=line_of(p), reason=f"DeleteCitation PMID {pmid!r}")
            elif elem.tag in ("PubmedArticle", "MedlineCitation"):
                yield from self._article(path, elem)
            else:
                # e.g. PubmedBookArticle (NCBI Bookshelf chapters): not journal articles.
                yield Skipped(
                    path=str(path),
                    line=line_of(elem),
                    pmid=text_of(elem.find(".//PMID")) or None,
                    reason=f"<{elem.tag}> is not read",
                )

    def _article(self, path: Path, elem: Element) -> Iterator[SourceItem]:
        try:
            article, links = parse_article(elem)
        except (_BadRecord, ValidationError, ValueError) as exc:
            pmid = text_of(elem.find(".//PMID")) or None
            reason = str(exc).splitlines()[0] if not isinstance(exc, ValidationError) else _why(exc)
            yield Skipped(path=str(path), line=line_of(elem), pmid=pmid, reason=reason)
            return
        yield article
        seen: set[str] = set()
        for link in links:
            if link.cited not in seen:
                seen.add(link.cited)
                yield link


def _why(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
