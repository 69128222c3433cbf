"""Reader for a Europe PMC REST search response (JSON, resultType=core): one Article per result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from kb.records.models import AbstractSection, Article, Author, CommentCorrection
from kb.sources.base import Skipped, SourceError, SourceItem, read_text
from kb.sources.dates import parse_date
from kb.sources.pubmed_xml import orcid
from kb.sources.registry import register

# Tags Europe PMC puts in titles and abstracts. Anything else that looks like a tag is kept as
# text: abstracts contain bare '<' ("p <.05", "<1 year", "a<b and c>d"), which must survive.
_INLINE = frozenset({"i", "b", "em", "strong", "sup", "sub", "u", "sc", "span", "a", "br", "p", "div"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROP_CONTENT = frozenset({"script", "style"})
_PLAIN = frozenset({"i", "b", "em", "strong", "sup", "sub", "u", "sc", "br"})  # carry no attributes


class _Text(HTMLParser):
    """HTML fragment -> text parts; a heading starts a new (labelled) part."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str | None, list[str]]] = [(None, [])]
        self._heading: list[str] | None = None
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self._dropping += 1
        elif tag in _HEADINGS:
            self._heading = []
        elif tag in _INLINE and not (tag in _PLAIN and attrs):
            pass
        else:
            self.handle_data(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _HEADINGS and self._heading is not None:
            self.parts.append(("".join(self._heading).strip() or None, []))
            self._heading = None
        elif tag not in _INLINE:
            self.handle_data(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._dropping:
            return
        if self._heading is not None:
            self._heading.append(data)
        else:
            self.parts[-1][1].append(data)


def strip_html(fragment: str) -> tuple[str, list[AbstractSection]]:
    """Plain text of an HTML fragment; <h4> headings become 'Label: ' prefixes and sections.

    The joining follows the PubMed XML reader's rule (parts stripped, joined by one space), so
    the same abstract reads the same from both sources.
    """
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    pieces: list[str] = []
    sections: list[AbstractSection] = []
    pos = 0
    labelled = any(label for label, _ in parser.parts)
    for label, chunks in parser.parts:
        text = "".join(chunks).strip()
        if not text and not label:
            continue
        prefix = f"{label}: " if label else ""
        if pieces:
            pos += 1
        start = pos + len(prefix)
        piece = (prefix + text).strip()
        pos += len(piece)
        pieces.append(piece)
        if labelled:
            sections.append(AbstractSection(label=label, start=min(start, pos), end=pos))
    return " ".join(pieces), sections


def _ref_type(kind: str) -> str:
    """'Erratum for' -> 'ErratumFor', 'Corrected and republished in' -> 'CorrectedandRepublishedIn'."""
    words = kind.split()
    return "".join(w if w.lower() == "and" else w[:1].upper() + w[1:] for w in words)


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _list(obj: Any, *keys: str) -> list[Any]:
    value = _get(obj, *keys)
    return value if isinstance(value, list) else []


def _authors(result: dict[str, Any]) -> list[Author]:
    out: list[Author] = []
    for au in _list(result, "authorList", "author"):
        if not isinstance(au, dict):
            continue
        the_orcid = None
        aid = au.get("authorId")
        if isinstance(aid, dict) and str(aid.get("type", "")).upper() == "ORCID":
            the_orcid = orcid(str(aid.get("value", "")))
        if au.get("collectiveName"):
            out.append(Author(name=str(au["collectiveName"]), collective=True, orcid=the_orcid))
        elif au.get("fullName") or au.get("lastName"):
            out.append(
                Author(
                    name=str(au.get("fullName") or au["lastName"]),
                    last_name=au.get("lastName"),
                    fore_name=au.get("firstName"),
                    orcid=the_orcid,
                )
            )
    return out


def parse_result(result: dict[str, Any]) -> Article:
    pmid = str(result["pmid"])
    title, _ = strip_html(str(result.get("title") or ""))
    abstract, sections = strip_html(str(result.get("abstractText") or ""))
    journal = _get(result, "journalInfo")
    pub_date = parse_date(str(_get(journal, "dateOfPublication") or result.get("pubYear") or ""))
    pmcid = result.get("pmcid")
    count = result.get("citedByCount")
    comments = [
        CommentCorrection(
            ref_type=_ref_type(str(c.get("type", ""))),
            pmid=str(c["id"]) if c.get("source") == "MED" and c.get("id") else None,
            source=c.get("reference"),
        )
        for c in _list(result, "commentCorrectionList", "commentCorrection")
        if isinstance(c, dict) and c.get("type")
    ]
    return Article(
        pmid=pmid,
        title=title,
        journal=_get(journal, "journal", "title") or result.get("journalTitle"),
        pub_date=pub_date,
        year=int(pub_date[:4]) if pub_date else None,
        volume=_get(journal, "volume") or result.get("journalVolume"),
        issue=_get(journal, "issue") or result.get("issue"),
        pages=result.get("pageInfo"),
        doi=result.get("doi"),
        pmcid=str(pmcid) if pmcid else None,
        language=result.get("language"),
        authors=_authors(result),
        publication_types=[str(t) for t in _list(result, "pubTypeList", "pubType")],
        mesh_headings=[
            str(m["descriptorName"])
            for m in _list(result, "meshHeadingList", "meshHeading")
            if isinstance(m, dict) and m.get("descriptorName")
        ],
        keywords=[str(k) for k in _list(result, "keywordList", "keyword")],
        abstract=abstract or None,
        sections=sections,
        comments_corrections=comments,
        cited_by_count=int(count) if count is not None and str(count).isdigit() else None,
        revised=result.get("dateOfRevision"),
    )


@register
class EuropePMCReader:
    """A saved Europe PMC search response; results without a PMID (preprints, patents) are skipped."""

    name: ClassVar[str] = "europepmc-json"
    version: ClassVar[str] = "1.0"
    description: ClassVar[str] = "Europe PMC REST search response (JSON, resultType=core)"

    def read(self, path: Path) -> Iterator[SourceItem]:
        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as exc:
            raise SourceError(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
        results = _get(data, "resultList", "result")
        if not isinstance(results, list):
            raise SourceError(path, "not a Europe PMC search response: no resultList.result list")
        for i, result in enumerate(results):
            where = f"result #{i + 1}"
            if not isinstance(result, dict):
                yield Skipped(path=str(path), reason=f"{where} is not an object")
                continue
            if not result.get("pmid"):
                yield Skipped(
                    path=str(path),
                    reason=f"{where} ({result.get('source')}:{result.get('id')}) has no PMID",
                )
                continue
            try:
                yield parse_result(result)
            except (ValidationError, ValueError, TypeError) as exc:
                yield Skipped(
                    path=str(path), pmid=str(result["pmid"]), reason=f"{where}: {str(exc).splitlines()[0]}"
                )
