"""Reader for MEDLINE text (PubMed's .nbib / 'MEDLINE' format export): tagged fields, one record per block."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import ValidationError

from kb.records.ids import is_pmid
from kb.records.ids import pmcid as pmcid_of
from kb.records.models import Article, Author, CommentCorrection
from kb.sources.base import Skipped, SourceError, SourceItem, read_text
from kb.sources.dates import iso_date, parse_date
from kb.sources.pubmed_xml import orcid
from kb.sources.registry import register

# "TAG - value": the tag is 2-4 upper-case letters left-aligned in a 4-character column.
_FIELD = re.compile(r"^([A-Z][A-Z0-9 ]{1,3})- ?(.*)$")
# A continuation line starts with whitespace (NLM uses six spaces).
_CONTINUATION = re.compile(r"^\s+\S")
_ID_WITH_TYPE = re.compile(r"^(?P<id>.+?)\s*\[(?P<kind>[a-z]+)\]$")
_REF_PMID = re.compile(r"\bPMID:\s*([0-9]+)")
_YMD = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})")

# MEDLINE Comments/Corrections tags -> the RefType the XML spells for the same link.
COMMENT_TAGS: dict[str, str] = {
    "CON": "CommentOn",
    "CIN": "CommentIn",
    "EIN": "ErratumIn",
    "EFR": "ErratumFor",
    "CRI": "CorrectedandRepublishedIn",
    "CRF": "CorrectedandRepublishedFrom",
    "PRIN": "PartialRetractionIn",
    "PROF": "PartialRetractionOf",
    "RPI": "RepublishedIn",
    "RPF": "RepublishedFrom",
    "RIN": "RetractionIn",
    "ROF": "RetractionOf",
    "RRI": "RetractedandRepublishedIn",
    "RRF": "RetractedandRepublishedFrom",
    "UIN": "UpdateIn",
    "UOF": "UpdateOf",
    "SPIN": "SummaryForPatientsIn",
    "ORI": "OriginalReportIn",
    "ECI": "ExpressionOfConcernIn",
    "ECF": "ExpressionOfConcernFor",
}


class _BadRecord(ValueError):
    """A record that cannot become an Article; carries the line it was noticed on."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class _Record:
    line: int
    fields: list[tuple[str, str, int]] = field(default_factory=list)
    #: the first line that could not be read; the record is then skipped whole
    error: _BadRecord | None = None

    def all(self, tag: str) -> list[str]:
        return [v for t, v, _ in self.fields if t == tag]

    def first(self, tag: str) -> str | None:
        values = self.all(tag)
        return values[0] if values else None


@dataclass
class _Open:
    """A record being read: each field's parts are collected, then joined once when it ends.

    Appending each continuation line to the field's string would copy the whole field per
    line, which is quadratic: an 8 MB abstract took 41 s.
    """

    record: _Record
    parts: list[tuple[str, list[str], int]] = field(default_factory=list)

    def close(self) -> _Record:
        self.record.fields = [(tag, " ".join(p for p in ps if p), at) for tag, ps, at in self.parts]
        return self.record


def _records(text: str) -> Iterator[_Record]:
    """Split into records (blank-line separated); join continuation lines with one space."""
    current: _Open | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            if current is not None:
                yield current.close()
            current = None
            continue
        if current is None:
            current = _Open(_Record(line=number))
        m = _FIELD.match(line)
        if m and not line[0].isspace():
            current.parts.append((m[1].strip(), [m[2].strip()], number))
        elif _CONTINUATION.match(line) and current.parts:
            current.parts[-1][1].append(line.strip())
        elif current.record.error is None:
            current.record.error = _BadRecord(
                f"line is neither 'TAG - value' nor a continuation: {line[:60]!r}", number
            )
    if current is not None:
        yield current.close()


def _author_list(rec: _Record) -> list[Author]:
    """FAU/AU pairs and CN group names in byline order; AUID (ORCID) belongs to the author before it."""
    authors: list[Author] = []
    pending_full: str | None = None
    for tag, value, _ in rec.fields:
        if tag == "FAU":
            pending_full = value
        elif tag == "AU":
            last, _, fore = (pending_full or "").partition(",")
            authors.append(Author(name=value, last_name=last.strip() or None, fore_name=fore.strip() or None))
            pending_full = None
        elif tag == "CN":
            authors.append(Author(name=value, collective=True))
        elif tag == "AUID" and authors and value.upper().startswith("ORCID"):
            authors[-1] = authors[-1].model_copy(update={"orcid": orcid(value)})
    return authors


def _typed_id(rec: _Record, kind: str) -> str | None:
    """'10.1016/x [doi]' from LID, then AID."""
    for tag in ("LID", "AID"):
        for value in rec.all(tag):
            m = _ID_WITH_TYPE.match(value)
            if m and m["kind"] == kind:
                return m["id"]
    return None


def _mesh(value: str) -> str:
    """'*Adipocytes, Beige/metabolism' -> 'Adipocytes, Beige' (descriptor only, as in the XML reader)."""
    return value.split("/", 1)[0].lstrip("*").strip()


def _unique(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def _comments(rec: _Record) -> list[CommentCorrection]:
    out: list[CommentCorrection] = []
    for tag, value, _ in rec.fields:
        ref_type = COMMENT_TAGS.get(tag)
        if ref_type is None:
            continue
        m = _REF_PMID.search(value)
        source = value[: m.start()].strip() if m else value
        out.append(CommentCorrection(ref_type=ref_type, pmid=m[1] if m else None, source=source or None))
    return out


def _ymd(value: str | None) -> str | None:
    m = _YMD.match(value or "")
    return iso_date(m[1], m[2], m[3]) if m else None


def parse_record(rec: _Record) -> Article:
    pmid = rec.first("PMID")
    if pmid is None:
        raise _BadRecord("record has no PMID field", rec.line)
    if not is_pmid(pmid):
        raise _BadRecord(f"PMID is {pmid!r}, not a number (1 to 9 ASCII digits)", rec.line)
    dp = rec.first("DP")
    pub_date = parse_date(dp) if dp else None
    pmc = rec.first("PMC")
    pmcid = pmcid_of(pmc) if pmc else None
    if pmc and pmcid is None:
        raise _BadRecord(f"PMC is {pmc!r}, not a PMC id", rec.line)
    languages = rec.all("LA")
    return Article(
        pmid=pmid,
        # TT is the transliterated vernacular title, used when there is no English title.
        title=rec.first("TI") or rec.first("TT") or "",
        journal=rec.first("JT") or rec.first("TA"),
        pub_date=pub_date,
        year=int(pub_date[:4]) if pub_date else None,
        volume=rec.first("VI"),
        issue=rec.first("IP"),
        pages=rec.first("PG"),
        doi=_typed_id(rec, "doi"),
        pmcid=pmcid,
        language=languages[0] if languages else None,
        authors=_author_list(rec),
        publication_types=_unique(rec.all("PT")),
        mesh_headings=_unique([_mesh(v) for v in rec.all("MH")]),
        keywords=_unique([v.lstrip("*").strip() for v in rec.all("OT")]),
        # AB is one field whose continuation lines are joined by single spaces. MEDLINE has no
        # section markup (a structured abstract is flattened to "LABEL: text ..."), so no sections.
        abstract=rec.first("AB") or None,
        comments_corrections=_comments(rec),
        revised=_ymd(rec.first("LR")),
    )


@register
class MedlineReader:
    """PubMed records in MEDLINE text format (.nbib, .txt exports), several per file."""

    name: ClassVar[str] = "medline"
    version: ClassVar[str] = "1.0"
    description: ClassVar[str] = "MEDLINE text (.nbib, .txt exports from PubMed): tagged fields, many records"

    def read(self, path: Path) -> Iterator[SourceItem]:
        text = read_text(path)
        if not re.search(r"^PMID- ?\S", text, flags=re.MULTILINE):
            raise SourceError(path, "not MEDLINE text: no 'PMID- ' field")
        for rec in _records(text):
            try:
                if rec.error is not None:
                    raise rec.error
                yield parse_record(rec)
            except _BadRecord as exc:
                yield Skipped(path=str(path), line=exc.line, pmid=rec.first("PMID"), reason=str(exc))
            except ValidationError as exc:
                why = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
                yield Skipped(path=str(path), line=rec.line, pmid=rec.first("PMID"), reason=why)
