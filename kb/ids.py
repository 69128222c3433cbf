"""The only place identifiers and IRIs are minted."""

from __future__ import annotations

import re
import unicodedata

from rdflib import URIRef

#: Base IRI of everything evidence-kb mints (w3id.org is a persistent-identifier redirector).
BASE = "https://w3id.org/evidence-kb/"
#: Articles use the resolvable, registry-backed identifiers.org form.
PUBMED = "https://identifiers.org/pubmed:"


def slug(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII slug: 'CR/CRh within 2 cycles' -> 'cr-crh-within-2-cycles'."""
    text = text.replace("≥", " ge ").replace("≤", " le ").replace(">=", " ge ").replace("<=", " le ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out[:max_len].rstrip("-") or "x"


def article(pmid: str) -> URIRef:
    return URIRef(f"{PUBMED}{pmid}")


def _under(pmid: str, *parts: str) -> URIRef:
    return URIRef(BASE + "/".join(("article", pmid, *parts)))


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
    return _under(pmid, "measurement", local, "ci")


def check(pmid: str, local: str, name: str) -> URIRef:
    return _under(pmid, "measurement", local, "check", slug(name))


def author(pmid: str, position: int) -> URIRef:
    return _under(pmid, "author", str(position))


def section(pmid: str, position: int) -> URIRef:
    return _under(pmid, "section", str(position))


def citation(citing: str, cited: str) -> URIRef:
    return URIRef(f"{BASE}citation/{citing}-{cited}")


def snapshot(sha256: str) -> URIRef:
    return URIRef(f"{BASE}snapshot/{sha256[:16]}")


def extraction_run(pmid: str) -> URIRef:
    return _under(pmid, "extraction")


def software(name: str, version: str) -> URIRef:
    return URIRef(f"{BASE}software/{slug(name)}/{slug(version)}")


def graph(pmid: str) -> URIRef:
    """Named graph holding one source article's records (N-Quads export)."""
    return URIRef(f"{BASE}graph/{pmid}")


def term(name: str) -> URIRef:
    return URIRef(f"{BASE}vocab/{slug(name)}")


def measurement_locals(keys: list[tuple[str, ...]]) -> list[str]:
    """Readable, stable local names for an article's measurements, unique within it.

    Each key is e.g. (endpoint, statistic, timepoint, grade, arm, subgroup); empty parts are
    dropped; a repeated name gets -2, -3... in text order, so rebuilding never renames a node
    unless the extraction itself changes.
    """
    seen: dict[str, int] = {}
    out: list[str] = []
    for key in keys:
        base = slug("-".join(p for p in key if p), max_len=80)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def child(parent: URIRef, field: str, index: int | None = None) -> URIRef:
    """IRI of a record nested in another: ``<parent>/<field>[/<index>]``."""
    tail = f"/{index}" if index is not None else ""
    base = str(parent)
    if base.startswith(PUBMED):  # nodes of an article live under our base, not identifiers.org
        base = f"{BASE}article/{base.removeprefix(PUBMED)}"
    return URIRef(f"{base}/{slug(field)}{tail}")
