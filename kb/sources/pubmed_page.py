"""Reader for a saved PubMed article page (text): the article, its abstract and its citing list."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pydantic import ValidationError

from kb.records.ids import is_digits, is_pmid
from kb.records.models import Article, Author, Citation
from kb.sources.base import SourceError, SourceItem, read_text
from kb.sources.dates import parse_date
from kb.sources.registry import register

# Headings of the page's blocks, each alone on its line.
_HEADINGS = ("Overview", "Authors", "Affiliations", "Abstract", "Citing Articles")
_FIELD = re.compile(r"^(Date|PMID|Citations)\s+(.+)$")
# "PMID: 40075627 PMC: 11899621. DOI: 10.3390/cancers17050779."
_IDS = re.compile(
    r"^PMID:\s*(?P<pmid>[0-9]+)\.?(?:\s+PMC:\s*(?:PMC)?(?P<pmc>[0-9]+)\.?)?(?:\s+DOI:\s*(?P<doi>\S+?)\.?)?\s*$"
)
#: Lines of an ids paragraph tried in every joining; a real one has one or two.
_MAX_IDS_LINES = 6
# "Csizmar C, Litzow M, Saliba A Cancers (Basel). 2025; 17(5)."
_BYLINE_TAIL = re.compile(
    r"^(?P<last>.+? [A-Z]{1,3}) (?P<journal>\S.*?)\. (?P<year>[0-9]{4});\s*(?P<rest>.*?)\.?$"
)
_VOLUME = re.compile(r"^(?P<volume>[^(:]+)?(?:\((?P<issue>[^)]*)\))?(?::(?P<pages>.+))?$")


@dataclass
class _Line:
    number: int
    text: str


def _blocks(lines: list[_Line]) -> dict[str, list[_Line]]:
    """Split the page into its headed blocks; text before the first heading is the header."""
    blocks: dict[str, list[_Line]] = {"header": []}
    current = "header"
    for line in lines:
        if line.text.strip() in _HEADINGS:
            current = line.text.strip()
            blocks[current] = []
        else:
            blocks[current].append(line)
    return blocks


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    paras: list[list[_Line]] = [[]]
    for line in lines:
        if line.text.strip():
            paras[-1].append(line)
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def _ids_match(path: Path, para: list[_Line]) -> re.Match[str]:
    """Read an ids paragraph, whose lines may have been wrapped anywhere (inside a DOI or a number).

    Each line break was either a space or nothing; the joinings that read as one ids line must
    all agree, else the paragraph is an error naming its line.
    """
    texts = [x.text.strip() for x in para]
    if len(texts) > _MAX_IDS_LINES:
        raise SourceError(
            path, f"ids paragraph has {len(texts)} lines (at most {_MAX_IDS_LINES})", line=para[0].number
        )
    readings: dict[tuple[str | None, ...], re.Match[str]] = {}
    for seps in itertools.product((" ", ""), repeat=len(texts) - 1):
        joined = texts[0] + "".join(sep + t for sep, t in zip(seps, texts[1:], strict=True))
        m = _IDS.match(joined)
        if m:
            readings.setdefault((m["pmid"], m["pmc"], m["doi"]), m)
    if len(readings) != 1:
        why = "is not" if not readings else "has several readings as"
        shown = " ".join(texts)
        raise SourceError(
            path, f"ids paragraph {shown[:80]!r} {why} 'PMID: n PMC: n. DOI: x.'", line=para[0].number
        )
    return next(iter(readings.values()))


def _entries(path: Path, lines: list[_Line]) -> Iterator[tuple[list[_Line], re.Match[str]]]:
    """Citing-list entries: a title, a byline and an ids paragraph ('PMID: ...'), in that order."""
    entry: list[list[_Line]] = []
    for para in _paragraphs(lines):
        entry.append(para)
        # an ids paragraph starts "PMID:", though its lines may break anywhere, even inside "PMID:"
        if "".join(x.text.strip() for x in para).startswith("PMID:"):
            ids = _ids_match(path, para)
            yield (
                [_Line(p[0].number, " ".join(x.text.strip() for x in p)) for p in entry[:-1]]
                + [_Line(para[0].number, ids.string)],
                ids,
            )
            entry = []
        elif len(entry) == 3:
            raise SourceError(path, "citing-article entry has no 'PMID: ...' line", line=para[0].number)
    if entry:
        raise SourceError(path, "citing-article entry has no 'PMID: ...' line", line=entry[0][0].number)


def _author(name: str) -> Author:
    parts = name.rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isupper():
        return Author(name=name, last_name=parts[0], fore_name=parts[1])
    return Author(name=name, collective=True)


def _citing_article(path: Path, para: list[_Line], ids: re.Match[str], cited: str) -> Iterator[SourceItem]:
    """One entry of the citing list: title, byline line, ids line (already read by _ids_match)."""
    texts = [line.text.strip() for line in para]
    title = texts[0].rstrip()
    byline = " ".join(texts[1:-1])
    authors: list[Author] = []
    journal = year = volume = issue = pages = None
    if byline:
        *firsts, tail = byline.split(", ")
        m = _BYLINE_TAIL.match(tail)
        if m is None:
            raise SourceError(path, f"cannot read byline {byline!r}", line=para[1].number)
        authors = [_author(a) for a in [*firsts, m["last"]]]
        journal, year = m["journal"], m["year"]
        vm = _VOLUME.match(m["rest"].strip())
        if vm:
            volume, issue, pages = vm["volume"], vm["issue"], vm["pages"]
    try:
        yield Article(
            pmid=ids["pmid"],
            title=title,
            journal=journal,
            year=int(year) if year else None,
            pub_date=year,
            volume=volume or None,
            issue=issue or None,
            pages=pages or None,
            doi=ids["doi"],
            pmcid=f"PMC{ids['pmc']}" if ids["pmc"] else None,
            authors=authors,
            status="stub",
        )
    except ValidationError as exc:
        raise SourceError(path, f"invalid citing article: {exc}", line=para[0].number) from None
    yield Citation(citing=ids["pmid"], cited=cited, origin="pubmed-page")


@register
class PubMedPageReader:
    """A PubMed article page saved as text: overview, abstract, citing articles."""

    name: ClassVar[str] = "pubmed-page"
    version: ClassVar[str] = "1.0"
    description: ClassVar[str] = "saved PubMed article page (text): article, abstract, citing list"

    def read(self, path: Path) -> Iterator[SourceItem]:
        text = read_text(path)
        lines = [_Line(i + 1, t) for i, t in enumerate(text.splitlines())]
        blocks = _blocks(lines)
        if "Overview" not in blocks or "Abstract" not in blocks:
            raise SourceError(path, "not a saved PubMed page: no 'Overview' and 'Abstract' headings")
        fields: dict[str, _Line] = {}
        for line in blocks["Overview"]:
            m = _FIELD.match(line.text.strip())
            if m:
                fields[m[1]] = _Line(line.number, m[2].strip())
        if "PMID" not in fields:
            raise SourceError(path, "no 'PMID' line in the Overview block")
        pmid = fields["PMID"].text
        if not is_pmid(pmid):
            raise SourceError(path, f"PMID is {pmid!r}, not 1 to 9 ASCII digits", line=fields["PMID"].number)
        title_lines = [p for p in _paragraphs(blocks["header"]) if not p[0].text.startswith("»")]
        title = " ".join(line.text.strip() for line in title_lines[0]) if title_lines else ""
        abstract = "\n\n".join(" ".join(x.text.strip() for x in p) for p in _paragraphs(blocks["Abstract"]))
        pub_date = None
        if "Date" in fields:
            pub_date = parse_date(fields["Date"].text)
            if pub_date is None:
                raise SourceError(
                    path, f"cannot read date {fields['Date'].text!r}", line=fields["Date"].number
                )
        cited_by = fields.get("Citations")
        if cited_by is not None and not is_digits(cited_by.text):
            raise SourceError(
                path, f"citation count is not a number: {cited_by.text!r}", line=cited_by.number
            )
        try:
            yield Article(
                pmid=pmid,
                title=title,
                pub_date=pub_date,
                year=int(pub_date[:4]) if pub_date else None,
                abstract=abstract or None,
                cited_by_count=int(cited_by.text) if cited_by else None,
            )
        except ValidationError as exc:
            raise SourceError(path, f"invalid article record: {exc}", line=fields["PMID"].number) from None
        for entry, ids in _entries(path, blocks.get("Citing Articles", [])):
            yield from _citing_article(path, entry, ids, cited=pmid)
