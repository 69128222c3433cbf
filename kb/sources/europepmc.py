"""Reader for a Europe PMC REST search response (JSON, resultType=core): one Article per result."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from kb.records.ids import ascii_int, is_pmid, pmcid
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
# json.loads turns the escape "\\ud800" into a lone surrogate: text no UTF-8 output (SQLite, a
# terminal, a file) can hold.
_SURROGATE = re.compile("[\\ud800-\\udfff]")


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
    """A list field; a lone value where a list belongs (as XML-to-JSON conversion leaves one) is one item."""
    value = _get(obj, *keys)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _scalar(value: Any) -> str | None:
    """A text field as text: a list of texts is joined with '; ', never stored as "['x']"."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        parts = [p for p in (_scalar(v) for v in value) if p]
        return "; ".join(parts) or None
    return None  # an object or a boolean where text belongs carries no text


def _strings(value: Any) -> list[str]:
    """A list-of-texts field as a list of texts (nested lists flattened, empty items dropped)."""
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    text = _scalar(value)
    return [text] if text else []


def _lone_surrogate(obj: Any, where: str = "$") -> str | None:
    """The JSON path of the first key or text holding a lone surrogate (an unpaired UTF-16 half)."""
    if isinstance(obj, str):
        return where if _SURROGATE.search(obj) else None
    pairs: list[tuple[str, str, Any]] = []
    if isinstance(obj, dict):
        pairs = [(str(k), f"{where}.{_shown(str(k))}", v) for k, v in obj.items()]
    elif isinstance(obj, list):
        pairs = [("", f"{where}[{i}]", v) for i, v in enumerate(obj)]
    for key, here, value in pairs:
        found = _lone_surrogate(key, here) or _lone_surrogate(value, here)
        if found:
            return found
    return None


def _shown(text: str) -> str:
    """Text safe to print anywhere: non-ASCII (a surrogate included) as Python escapes."""
    return ascii(text)[1:-1]


def _authors(result: dict[str, Any]) -> list[Author]:
    out: list[Author] = []
    for au in _list(result, "authorList", "author"):
        if not isinstance(au, dict):
            continue
        the_orcid = None
        aid = au.get("authorId")
        if isinstance(aid, dict) and str(aid.get("type", "")).upper() == "ORCID":
            the_orcid = orcid(_scalar(aid.get("value")) or "")
        collective, full, last = (
            _scalar(au.get("collectiveName")),
            _scalar(au.get("fullName")),
            _scalar(au.get("lastName")),
        )
        if collective:
            out.append(Author(name=collective, collective=True, orcid=the_orcid))
        elif full or last:
            out.append(
                Author(
                    name=full or last or "",
                    last_name=last,
                    fore_name=_scalar(au.get("firstName")),
                    orcid=the_orcid,
                )
            )
    return out


def _count(value: Any) -> int | None:
    """citedByCount: a JSON integer, or a text of ASCII digits ('3²1' and '٣' are not counts)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    return ascii_int(value) if isinstance(value, str) else None


def _comments(result: dict[str, Any]) -> list[CommentCorrection]:
    out: list[CommentCorrection] = []
    for c in _list(result, "commentCorrectionList", "commentCorrection"):
        kind = _scalar(c.get("type")) if isinstance(c, dict) else None
        if not isinstance(c, dict) or not kind:
            continue
        ref = _scalar(c.get("id"))
        pmid = ref if c.get("source") == "MED" and ref and is_pmid(ref) else None
        out.append(CommentCorrection(ref_type=_ref_type(kind), pmid=pmid, source=_scalar(c.get("reference"))))
    return out


def _pmcid(result: dict[str, Any]) -> str | None:
    value = _scalar(result.get("pmcid"))
    if value is None:
        return None
    the_id = pmcid(value)
    if the_id is None:
        raise ValueError(f"pmcid is {value!r}, not PMC and ASCII digits")
    return the_id


def parse_result(result: dict[str, Any]) -> Article:
    pmid = _scalar(result.get("pmid")) or ""
    if not is_pmid(pmid):
        raise ValueError(f"pmid is {pmid!r}, not 1 to 9 ASCII digits")
    title, _ = strip_html(_scalar(result.get("title")) or "")
    abstract, sections = strip_html(_scalar(result.get("abstractText")) or "")
    journal = _get(result, "journalInfo")
    pub_date = parse_date(_scalar(_get(journal, "dateOfPublication")) or _scalar(result.get("pubYear")) or "")
    return Article(
        pmid=pmid,
        title=title,
        journal=_scalar(_get(journal, "journal", "title")) or _scalar(result.get("journalTitle")),
        pub_date=pub_date,
        year=int(pub_date[:4]) if pub_date else None,
        volume=_scalar(_get(journal, "volume")) or _scalar(result.get("journalVolume")),
        issue=_scalar(_get(journal, "issue")) or _scalar(result.get("issue")),
        pages=_scalar(result.get("pageInfo")),
        doi=_scalar(result.get("doi")),
        pmcid=_pmcid(result),
        language=_scalar(result.get("language")),
        authors=_authors(result),
        publication_types=_strings(_get(result, "pubTypeList", "pubType")),
        mesh_headings=[
            name
            for m in _list(result, "meshHeadingList", "meshHeading")
            if isinstance(m, dict) and (name := _scalar(m.get("descriptorName")))
        ],
        keywords=_strings(_get(result, "keywordList", "keyword")),
        abstract=abstract or None,
        sections=sections,
        comments_corrections=_comments(result),
        cited_by_count=_count(result.get("citedByCount")),
        revised=_scalar(result.get("dateOfRevision")),
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
            skipped = _skip(path, i, result)
            if skipped is not None:
                yield skipped
                continue
            try:
                yield parse_result(result)
            except (ValidationError, ValueError, TypeError) as exc:
                yield Skipped(
                    path=str(path), pmid=_pmid_or_none(result), reason=f"result #{i + 1}: {_why(exc)}"
                )


def _pmid_or_none(result: dict[str, Any]) -> str | None:
    pmid = _scalar(result.get("pmid"))
    return pmid if pmid and is_pmid(pmid) else None


def _why(exc: Exception) -> str:
    return _shown(str(exc).splitlines()[0])


def _skip(path: Path, i: int, result: Any) -> Skipped | None:
    """Why a result is not read at all (not an object, no PMID, not Unicode), or None to read it."""
    where = f"result #{i + 1}"
    if not isinstance(result, dict):
        return Skipped(path=str(path), reason=f"{where} is not an object")
    if not result.get("pmid"):
        source, the_id = _shown(str(result.get("source"))), _shown(str(result.get("id")))
        return Skipped(path=str(path), reason=f"{where} ({source}:{the_id}) has no PMID")
    bad = _lone_surrogate(result)
    if bad is not None:
        # Skipped, not repaired with U+FFFD: evidence quotes must be the source's exact text, and a
        # replaced character would make a quote no source contains. The rest of the file is read.
        return Skipped(
            path=str(path),
            pmid=_pmid_or_none(result),
            reason=f"{where}: {bad} holds a lone surrogate (an unpaired \\ud800-\\udfff escape), not text",
        )
    return None
