"""The only place identifiers and IRIs are minted."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rdflib import URIRef

if TYPE_CHECKING:  # kb.records.models needs nothing from here; the import is for the annotation only
    from kb.records.models import Measurement

#: Base IRI of everything evidence-kb mints (w3id.org is a persistent-identifier redirector).
BASE = "https://w3id.org/evidence-kb/"
#: Articles use the resolvable, registry-backed identifiers.org form.
PUBMED = "https://identifiers.org/pubmed:"

# Identifiers are ASCII digits only. str.isdigit() and a Unicode \d also accept other scripts'
# digits ('٣٤٥') and superscripts ('3²1'), which then reach IRIs, SQLite and file names.
_ASCII_DIGITS = re.compile(r"[0-9]+")
_PMID = re.compile(r"[0-9]{1,9}")
_PMCID = re.compile(r"(?:PMC)?([0-9]{1,12})")


def is_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits 0-9 (not '٣', not '²')."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def is_pmid(text: str) -> bool:
    """True for a PubMed id: 1 to 9 ASCII digits."""
    return _PMID.fullmatch(text) is not None


def ascii_int(text: str) -> int | None:
    """The integer spelled by ASCII digits (surrounding blanks allowed), else None."""
    text = text.strip()
    return int(text) if is_digits(text) else None


def pmcid(text: str) -> str | None:
    """'PMC11899621' or '11899621' -> 'PMC11899621'; None when it is not a PMC id."""
    m = _PMCID.fullmatch(text.strip())
    return f"PMC{m[1]}" if m else None


def slug(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII slug: 'CR/CRh within 2 cycles' -> 'cr-crh-within-2-cycles'."""
    text = text.replace("≥", " ge ").replace("≤", " le ").replace(">=", " ge ").replace("<=", " le ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out[:max_len].rstrip("-") or "x"


def checked_pmid(pmid: str) -> str:
    """``pmid`` itself when it is 1 to 9 ASCII digits; anything else never becomes part of an IRI."""
    if not is_pmid(pmid):
        raise ValueError(f"not a PMID (1 to 9 ASCII digits): {pmid!r}")
    return pmid


def article(pmid: str) -> URIRef:
    return URIRef(f"{PUBMED}{checked_pmid(pmid)}")


def _under(pmid: str, *parts: str) -> URIRef:
    return URIRef(BASE + "/".join(("article", checked_pmid(pmid), *parts)))


def study(pmid: str) -> URIRef:
    return _under(pmid, "study")


def population(pmid: str) -> URIRef:
    return _under(pmid, "population")


def intervention(pmid: str, name: str) -> URIRef:
    return _under(pmid, "intervention", slug(name))


def measurement(pmid: str, local: str) -> URIRef:
    return _under(pmid, "measurement", local)


def evidence(pmid: str, local: str) -> URIRef:
    return _under(pmid, "measurement", local, "evidence")


def ci(pmid: str, local: str) -> URIRef:
    """The FHIR attribute estimate (confidence interval) of a measurement's statistic."""
    return _under(pmid, "measurement", local, "statistic", "ci")


def check(pmid: str, local: str, name: str) -> URIRef:
    return _under(pmid, "measurement", local, "check", slug(name))


def author(pmid: str, position: int) -> URIRef:
    return _under(pmid, "author", str(position))


def section(pmid: str, position: int) -> URIRef:
    return _under(pmid, "section", str(position))


def citation(citing: str, cited: str) -> URIRef:
    return URIRef(f"{BASE}citation/{checked_pmid(citing)}-{checked_pmid(cited)}")


def snapshot(sha256: str) -> URIRef:
    return URIRef(f"{BASE}snapshot/{sha256[:16]}")


def extraction_run(pmid: str) -> URIRef:
    return _under(pmid, "extraction")


def software(name: str, version: str) -> URIRef:
    return URIRef(f"{BASE}software/{slug(name)}/{slug(version)}")


#: NCIt codes as records write them: 'NCIT:C62528', 'ncit:C62528' or bare 'C62528'.
_NCIT_CODE = re.compile(r"^(?:ncit:)?(C[0-9]+)$", re.IGNORECASE)
_MESH_CODE = re.compile(r"^(?:mesh:)?([DC][0-9]{6,9})$", re.IGNORECASE)


def concept(code: str) -> URIRef | None:
    """The IRI of a vocabulary code a record carries (NCIt, MeSH), or None when not recognised."""
    if m := _NCIT_CODE.match(code.strip()):
        return URIRef(f"http://purl.obolibrary.org/obo/NCIT_{m.group(1).upper()}")
    if m := _MESH_CODE.match(code.strip()):
        return URIRef(f"http://id.nlm.nih.gov/mesh/{m.group(1).upper()}")
    return None


def step(parent: URIRef, segment: str) -> URIRef:
    """IRI of a node reached from ``parent`` along one property of a field's RDF path.

    The segment is the path step's key ('statistic', 'sample-size', 'ci'); camelCase becomes
    kebab-case, so ``.../measurement/cr-crh/statistic/sample-size`` reads like the path.
    """
    return child(parent, re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", segment))


def graph(pmid: str) -> URIRef:
    """Named graph holding one source article's records (N-Quads export)."""
    return URIRef(f"{BASE}graph/{checked_pmid(pmid)}")


def term(name: str) -> URIRef:
    return URIRef(f"{BASE}vocab/{slug(name)}")


def measurement_locals(keys: Sequence[tuple[str, ...]]) -> list[str]:
    """Readable, stable local names for an article's measurements, unique within it.

    Each key is e.g. (endpoint, statistic, timepoint, grade, arm, subgroup); empty parts are
    dropped; the first use of a name stays bare and a repeat gets -2, -3... in text order, so
    rebuilding never renames a node unless the extraction itself changes. A suffixed name that
    another key already produced (or will produce bare) is skipped: keys (a), (a), (a, 2) give
    'a', 'a-3', 'a-2', never two equal IRIs.
    """
    bases = [slug("-".join(p for p in key if p), max_len=80) for key in keys]
    # Reserve every bare name first, so a repeat's suffix never takes a name another key owns.
    used = set(bases)
    seen: set[str] = set()
    out: list[str] = []
    for base in bases:
        if base not in seen:
            seen.add(base)
            out.append(base)
            continue
        n = 2
        while f"{base}-{n}" in used:
            n += 1
        used.add(f"{base}-{n}")
        out.append(f"{base}-{n}")
    return out


def measurement_local_names(measurements: Sequence[Measurement]) -> list[str]:
    """The local names of an article's measurements: which fields tell two measurements apart.

    SQLite rows and RDF nodes both take their measurement IRIs from here, so they always agree.
    """
    return measurement_locals(
        [
            (
                m.endpoint,
                m.statistic,
                m.timepoint or "",
                f"grade {m.grade}" if m.grade else "",
                m.arm or "",
                m.subgroup or "",
            )
            for m in measurements
        ]
    )


def child(parent: URIRef, field: str, index: int | None = None) -> URIRef:
    """IRI of a record nested in another: ``<parent>/<field>[/<index>]``."""
    tail = f"/{index}" if index is not None else ""
    base = str(parent)
    if base.startswith(PUBMED):  # nodes of an article live under our base, not identifiers.org
        base = f"{BASE}article/{base.removeprefix(PUBMED)}"
    return URIRef(f"{base}/{slug(field)}{tail}")
